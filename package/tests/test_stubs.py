"""The resource_management stand-in keeps the real library's rules the scripts depend on."""
import os
import tempfile
import unittest

from package.tests import harness  # noqa: F401  (puts the stand-in on sys.path)

from resource_management.core.environment import Environment
from resource_management.core.exceptions import Fail
from resource_management.core.resources.system import Directory, Execute, File, Link
from resource_management.core.source import InlineTemplate, StaticFile, Template
from resource_management.libraries.functions.default import default
from resource_management.libraries.functions.format import format
from resource_management.libraries.resources.xml_config import XmlConfig
from resource_management.libraries.script.script import Script


class Stubs(unittest.TestCase):

  def test_unknown_arguments_and_actions_fail_like_ambari(self):
    with Environment(basedir=harness.PACKAGE):
      with self.assertRaises(Fail):
        Directory("/x", create_parent=True)
      with self.assertRaises(Fail):
        File("/x", action="remove")
      with self.assertRaises(Fail):
        Link("/x")
      with self.assertRaises(Fail):
        XmlConfig("a.xml", conf_dir="/etc", configurations={}, permissions=1)

  def test_a_list_of_names_declares_one_resource_each(self):
    with Environment(basedir=harness.PACKAGE) as env:
      Directory(["/a", "/b"], mode=0o755)
      self.assertEqual(["/a", "/b"], [r.name for r in env.resource_list])

  def test_templates_render_with_params_and_fail_on_unknown_names(self):
    with Environment(basedir=harness.PACKAGE) as env:
      env.set_params({"who": "tandem"})
      self.assertEqual("hi tandem", File("/f", content=InlineTemplate("hi {{who}}")).text)
      with self.assertRaises(Fail):
        File("/g", content=InlineTemplate("{{nobody}}"))
      with self.assertRaises(Fail):
        Template("no-such.j2")
      with self.assertRaises(Fail):
        StaticFile("lib/no-such.jar")

  def test_format_sees_locals_and_params_and_quotes_with_e(self):
    with Environment(basedir=harness.PACKAGE) as env:
      env.set_params({"user": "tandem"})
      path = "/tmp/a b"
      self.assertEqual("su tandem -c ls '/tmp/a b'", format("su {user} -c ls {path!e}"))

  def test_default_walks_the_command(self):
    Script.config = {"a": {"b": {"c": 1}}}
    self.assertEqual(1, default("/a/b/c", 2))
    self.assertEqual(2, default("/a/x/c", 2))

  def test_execute_is_recorded_not_run(self):
    marker = os.path.join(tempfile.mkdtemp(), "ran")
    with Environment(basedir=harness.PACKAGE) as env:
      Execute("touch " + marker, user="tandem")
      self.assertEqual("touch " + marker, env.of_type("Execute")[0].command)
    self.assertFalse(os.path.exists(marker))


if __name__ == "__main__":
  unittest.main()
