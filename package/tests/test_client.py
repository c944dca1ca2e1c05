"""
TANDEM_CLIENT: install puts the two server-side jars (only those) in /usr/lib/tandem/lib and links the coprocessor and the
NameNode extension into HBase's and Hadoop's lib directories; configure writes /etc/tandem/conf;
status says a client has no status.
"""
import os
import shutil
import tempfile
import unittest

from package.tests import harness

from resource_management.core.exceptions import ClientComponentHasNoStatus, Fail
from resource_management.core.logger import Logger
from resource_management.libraries.script.script import Script


class ClientCommands(unittest.TestCase):

  def setUp(self):
    self.tmp = tempfile.mkdtemp(prefix="tandem-test-")
    self.addCleanup(shutil.rmtree, self.tmp, True)
    self.basedir = harness.package_dir(self.tmp)
    self.hbase_lib = os.path.join(self.tmp, "hbase", "lib")
    self.hadoop_lib = os.path.join(self.tmp, "hadoop", "lib")
    os.makedirs(self.hbase_lib)
    os.makedirs(self.hadoop_lib)

  def run_cmd(self, method, overrides=None, lib_dirs=True):
    def patch(params):
      if lib_dirs:
        params.hbase_lib_dirs = (os.path.join(self.tmp, "missing"), self.hbase_lib)
        params.hadoop_lib_dirs = (self.hadoop_lib,)
    return harness.run_command("tandem_client", "TandemClient", method,
                               harness.command("client_command", overrides), self.basedir, patch)

  def links(self, env, directory):
    return sorted((os.path.basename(r.name), r["to"]) for r in env.of_type("Link")
                  if os.path.dirname(r.name) == directory and r.action == "create")

  def test_install_links_the_coprocessor_into_hbase_and_the_extension_into_hadoop(self):
    env = self.run_cmd("install")
    self.assertEqual([("tandem-hbase-coprocessor-0.1.0-SNAPSHOT.jar",
                       "/usr/lib/tandem/lib/tandem-hbase-coprocessor-0.1.0-SNAPSHOT.jar")],
                     self.links(env, self.hbase_lib), "shaded with tandem-core: one jar each")
    self.assertEqual([("tandem-hdfs-extension-0.1.0-SNAPSHOT.jar",
                       "/usr/lib/tandem/lib/tandem-hdfs-extension-0.1.0-SNAPSHOT.jar")],
                     self.links(env, self.hadoop_lib))

  def test_install_copies_only_the_two_server_jars(self):
    env = self.run_cmd("install")
    copied = [r for r in env.of_type("File") if r.name.startswith("/usr/lib/tandem/lib/")]
    self.assertEqual(["/usr/lib/tandem/lib/" + j for j in harness.SERVER_JARS], [r.name for r in copied])
    for resource in copied:
      self.assertEqual(0o644, resource["mode"])
      self.assertTrue(resource.text.startswith(b"PK"))
    self.assertNotIn("/usr/lib/tandem/bin/tandem", [r.name for r in env.of_type("File")],
                     "the CLI and its runtime come with the controller")

  def sandbox(self):
    home = os.path.join(self.tmp, "usr", "lib", "tandem")
    os.makedirs(os.path.join(home, "lib"))
    os.makedirs(os.path.join(home, "bin"))
    open(os.path.join(home, "bin", "tandem"), "w").close()
    return home

  def test_install_removes_what_an_older_mpack_put_on_every_host(self):
    home = self.sandbox()
    lib = os.path.join(home, "lib")
    for name in ("tandem-ambari-service-0.0.9.jar", "curator-framework-5.7.1.jar", "tandem-core-0.0.9.jar",
                 "tandem-hbase-coprocessor-0.1.0-SNAPSHOT.jar"):
      open(os.path.join(lib, name), "w").close()
    env = self.run_cmd("install", {"tandem-env/tandem_home": home})
    deleted = sorted(r.name for r in env.of_type("File") if r.action == "delete")
    self.assertEqual(sorted([os.path.join(home, "bin", "tandem")] + [
      os.path.join(lib, n) for n in ("curator-framework-5.7.1.jar", "tandem-ambari-service-0.0.9.jar",
                                     "tandem-core-0.0.9.jar")]), deleted)

  def test_install_keeps_the_controllers_runtime_on_a_host_that_has_both(self):
    home = self.sandbox()
    lib = os.path.join(home, "lib")
    for name in ("tandem-ambari-service-0.1.0-SNAPSHOT.jar", "curator-framework-5.7.1.jar", "tandem-core-0.0.9.jar"):
      open(os.path.join(lib, name), "w").close()
    with open(os.path.join(home, "controller-archive.json"), "w") as handle:
      harness.json.dump({"jars": ["tandem-ambari-service-0.1.0-SNAPSHOT.jar", "curator-framework-5.7.1.jar"]}, handle)
    env = self.run_cmd("install", {"tandem-env/tandem_home": home})
    deleted = [r.name for r in env.of_type("File") if r.action == "delete"]
    self.assertEqual([os.path.join(lib, "tandem-core-0.0.9.jar")], deleted)

  def test_install_fails_clearly_when_the_mpack_has_no_server_jars(self):
    shutil.rmtree(os.path.join(self.basedir, "files", "server"))
    with self.assertRaises(Fail) as caught:
      self.run_cmd("install")
    self.assertIn("no Tandem server jars", str(caught.exception))
    self.assertIn("install-mpack", str(caught.exception))

  def test_get_version_reports_unknown(self):
    self.run_cmd("get_version")
    self.assertEqual({"version": "UNKNOWN"}, Script.structuredOut)

  def test_default_lib_dirs_follow_the_stack_root(self):
    seen = {}
    with self.assertRaises(ClientComponentHasNoStatus):
      harness.run_command("tandem_client", "TandemClient", "status", harness.command("client_command"),
                          self.basedir, patch_params=lambda p: seen.update(hbase=p.hbase_lib_dirs,
                                                                            hadoop=p.hadoop_lib_dirs))
    self.assertEqual("/usr/bigtop/current/hbase-client/lib", seen["hbase"][0])
    self.assertEqual("/usr/bigtop/current/hadoop-client/lib", seen["hadoop"][0])

  def test_links_of_older_versions_are_removed(self):
    os.symlink("/usr/lib/tandem/lib/tandem-hbase-coprocessor-0.0.9.jar",
               os.path.join(self.hbase_lib, "tandem-hbase-coprocessor-0.0.9.jar"))
    os.symlink("/usr/lib/phoenix/phoenix-server.jar", os.path.join(self.hbase_lib, "phoenix-server.jar"))
    env = self.run_cmd("configure")
    deleted = [r.name for r in env.of_type("Link") if r.action == "delete"]
    self.assertEqual([os.path.join(self.hbase_lib, "tandem-hbase-coprocessor-0.0.9.jar")], deleted)

  def test_missing_lib_dirs_are_reported_not_fatal(self):
    env = self.run_cmd("configure", lib_dirs=False)
    self.assertEqual([], env.of_type("Link"))
    warnings = Logger.messages("WARNING")
    self.assertTrue(any("HBase on this host cannot load Tandem's classes" in w for w in warnings), warnings)

  def test_configure_writes_the_cli_config_but_no_cluster_dirs(self):
    env = self.run_cmd("configure")
    self.assertEqual(["tandem-site.xml"], [r.name for r in env.of_type("XmlConfig")])
    names = [r.name for r in env.of_type("File")]
    self.assertIn("/etc/tandem/conf/tandem-env.sh", names)
    self.assertIn("/etc/tandem/conf/log4j.properties", names)

  def test_refresh_configs_rewrites_the_cli_config_only(self):
    env = self.run_cmd("reconfigure")
    self.assertEqual(["tandem-site.xml"], [r.name for r in env.of_type("XmlConfig")])
    self.assertEqual([], env.of_type("Link"))

  def test_status(self):
    with self.assertRaises(ClientComponentHasNoStatus):
      self.run_cmd("status")


if __name__ == "__main__":
  unittest.main()
