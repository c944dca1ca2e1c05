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


class TandemClient(Script):

  def install(self, env):
    import params
    env.set_params(params)
    setup_tandem.install_client(env)
    self.configure(env)

  def get_version(self, env):
    """GET_VERSION, which the agent sends for every component on the host when it registers.

    TANDEM is not in the stack's stack-select packages (its components declare
    versionAdvertised=false), so Script's own version lookup finds nothing, and the agent logs
    "Could not get version for component ..." whenever the answer carries no "version". "UNKNOWN"
    is the value the server expects from a component that does not advertise a version: it
    accepts it without a warning and leaves the component's version alone.
    """
    self.put_structured_out({"version": "UNKNOWN"})

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
