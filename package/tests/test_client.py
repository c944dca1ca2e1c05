"""
TANDEM_CLIENT: install puts the jars in /usr/lib/tandem/lib and links the coprocessor and the
NameNode extension into HBase's and Hadoop's lib directories; configure writes /etc/tandem/conf;
status says a client has no status.
"""
import os
import shutil
import tempfile
import unittest

from package.tests import harness

from resource_management.core.exceptions import ClientComponentHasNoStatus
from resource_management.core.logger import Logger


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
    self.assertEqual([("tandem-core-0.1.0-SNAPSHOT.jar", "/usr/lib/tandem/lib/tandem-core-0.1.0-SNAPSHOT.jar"),
                      ("tandem-hbase-coprocessor-0.1.0-SNAPSHOT.jar",
                       "/usr/lib/tandem/lib/tandem-hbase-coprocessor-0.1.0-SNAPSHOT.jar")],
                     self.links(env, self.hbase_lib))
    self.assertEqual([("tandem-core-0.1.0-SNAPSHOT.jar", "/usr/lib/tandem/lib/tandem-core-0.1.0-SNAPSHOT.jar"),
                      ("tandem-hdfs-extension-0.1.0-SNAPSHOT.jar",
                       "/usr/lib/tandem/lib/tandem-hdfs-extension-0.1.0-SNAPSHOT.jar")],
                     self.links(env, self.hadoop_lib))
    copied = [r.name for r in env.of_type("File") if r.name.startswith("/usr/lib/tandem/lib/")]
    self.assertIn("/usr/lib/tandem/lib/curator-framework-5.7.1.jar", copied, "the client installs every jar")
    self.assertIn("/usr/lib/tandem/bin/tandem", [r.name for r in env.of_type("File")])

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
