"""
TANDEM_CLIENT: puts the HBase coprocessor and the NameNode extension (the package's
files/server, nothing else) where HBase and the NameNode load classes from, and writes the
Tandem configuration directory. The CLI and its runtime come with TANDEM_CONTROLLER.

The client must be on every NameNode, HBase Master and RegionServer host (the service advisor
places it there): a RegionServer that cannot load a configured coprocessor aborts.
"""
from resource_management.core.exceptions import ClientComponentHasNoStatus
from resource_management.libraries.script.script import Script

import setup_tandem


class TandemClient(setup_tandem.UnversionedComponent, Script):

  def install(self, env):
    import params
    env.set_params(params)
    setup_tandem.install_client(env)
    self.configure(env)

  def configure(self, env, upgrade_type=None, config_dir=None):
    import params
    env.set_params(params)
    setup_tandem.write_tandem_config()
    setup_tandem.link_plugin_jars(env)

  def save_configs(self, env):
    """RECONFIGURE ("Refresh configs") of a client: rewrite /etc/tandem/conf, nothing to reload."""
    import params
    env.set_params(params)
    setup_tandem.write_tandem_config()

  def status(self, env):
    raise ClientComponentHasNoStatus()


if __name__ == "__main__":
  TandemClient().execute()
