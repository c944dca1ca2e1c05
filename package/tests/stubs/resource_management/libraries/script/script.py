"""Script: the base class of command scripts. Tests set Script.config and call commands directly."""
import json

from resource_management.core.exceptions import Fail


class Script(object):
  config = None
  tmp_dir = "/tmp"
  structuredOut = {}

  @staticmethod
  def get_config():
    return Script.config

  @staticmethod
  def get_tmp_dir():
    return Script.tmp_dir

  @staticmethod
  def get_stack_name():
    from resource_management.libraries.functions.default import default
    return default("/clusterLevelParams/stack_name", None)

  @staticmethod
  def get_stack_root():
    """cluster-env/stack_root is a JSON map of stack name to root; /usr/<stack> otherwise, as in Ambari."""
    from resource_management.libraries.functions.default import default
    stack_name = Script.get_stack_name() or "BIGTOP"
    stack_root_json = default("/configurations/cluster-env/stack_root", None)
    if stack_root_json:
      roots = json.loads(stack_root_json)
      if stack_name in roots:
        return roots[stack_name]
    return "/usr/{0}".format(stack_name.lower())

  def put_structured_out(self, sout):
    Script.structuredOut.update(sout)

  def install_packages(self, env):
    pass

  def save_configs(self, env):
    raise Fail("save_configs method isn't implemented")

  def reconfigure(self, env):
    """RECONFIGURE, Ambari's "Refresh configs": save_configs, then the method the server names.

    The server sends commandParams/reconfigureAction when every changed property declares a
    <supported-refresh-commands> entry for this component other than refresh_configs (e.g.
    reload_configs); clients only save their files.
    """
    self.save_configs(env)
    action = (Script.config.get("commandParams") or {}).get("reconfigureAction")
    if action is not None:
      method = getattr(self, action, None)
      if method is None:
        raise Fail("Script has no method '{0}'".format(action))
      method(env)

  def execute(self):
    raise Fail("the test stand-in runs commands directly; see package/tests/harness.py")
