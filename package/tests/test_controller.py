"""
Every command of TANDEM_CONTROLLER: install, configure, start, stop, status and the custom
commands SWITCH_IDENTITY and RUN_BACKUP_NOW, run like the agent runs them, with resources
recorded by the resource_management stand-in and the REST API played by a real HTTP server.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

from package.tests import harness
from package.tests.harness import FakeController

from resource_management.core.exceptions import ComponentIsNotRunning, Fail
from resource_management.core.logger import Logger
from resource_management.libraries.script.script import Script


def by_name(env, resource_type, name):
  matches = [r for r in env.of_type(resource_type) if r.name == name]
  if not matches:
    raise AssertionError("no {0}[{1}] among {2}".format(resource_type, name, env.resource_list))
  return matches[-1]


def dead_pid():
  child = subprocess.Popen([sys.executable, "-c", "pass"])
  child.wait()
  return child.pid


class ControllerTestCase(unittest.TestCase):

  def setUp(self):
    self.tmp = tempfile.mkdtemp(prefix="tandem-test-")
    self.addCleanup(shutil.rmtree, self.tmp, True)
    self.basedir = harness.package_dir(self.tmp)
    self.pid_dir = os.path.join(self.tmp, "run")
    self.log_dir = os.path.join(self.tmp, "log")
    os.makedirs(self.pid_dir)
    os.makedirs(self.log_dir)
    self.pid_file = os.path.join(self.pid_dir, "tandem-controller.pid")
    self.controller = FakeController().start()
    self.addCleanup(self.controller.stop)

  def config(self, overrides=None, fixture="controller_command"):
    values = {
      "tandem-env/tandem_pid_dir": self.pid_dir,
      "tandem-env/tandem_log_dir": self.log_dir,
      "tandem-site/tandem.controller.http.port": str(self.controller.port),
      "tandem-site/tandem.controller.http.bind-host": "127.0.0.1",
    }
    values.update(overrides or {})
    return harness.command(fixture, values)

  def run_cmd(self, method, config=None, patch=None):
    def fast(params):
      params.start_timeout_s = 2
      params.stop_timeout_s = 0.5
      params.poll_interval_s = 0.02
      if patch:
        patch(params)
    return harness.run_command("tandem_controller", "TandemController", method, config or self.config(),
                               self.basedir, fast)

  def write_pid(self, pid):
    with open(self.pid_file, "w") as handle:
      handle.write(str(pid))


class Install(ControllerTestCase):
  """install downloads the controller's runtime from the Ambari server (a real HTTP server here)."""

  def setUp(self):
    ControllerTestCase.setUp(self)
    self.home = os.path.join(self.tmp, "sandbox", "usr", "lib", "tandem")
    self.lib = os.path.join(self.home, "lib")
    self.resources = os.path.join(self.tmp, "resources")
    self.archive = os.path.join(self.resources, harness.CONTROLLER_ARCHIVE_PATH)
    os.makedirs(os.path.dirname(self.archive))
    self.server = harness.ResourceServer(self.resources).start()
    self.addCleanup(self.server.stop)
    self.publish()

  def publish(self, jars=harness.CONTROLLER_JARS, extra=(), **info_overrides):
    size, sha256 = harness.controller_archive(self.archive, jars, extra)
    info = {"name": os.path.basename(self.archive), "path": harness.CONTROLLER_ARCHIVE_PATH, "size": size,
            "sha256": sha256, "version": "0.1.0-SNAPSHOT"}
    info.update(info_overrides)
    harness.write_archive_info(self.basedir, info)

  def install(self, overrides=None):
    values = {"tandem-env/tandem_home": self.home, "/ambariLevelParams/jdk_location": self.server.url}
    values.update(overrides or {})
    return self.run_cmd("install", self.config(values))

  def jars(self):
    return sorted(f for f in os.listdir(self.lib) if f.endswith(".jar"))

  def test_downloads_verifies_and_unpacks_the_runtime_and_writes_the_launcher(self):
    env = self.install()
    self.assertEqual(["/resources/" + harness.CONTROLLER_ARCHIVE_PATH], self.server.requests)
    self.assertEqual(sorted(harness.CONTROLLER_JARS), self.jars())
    with open(os.path.join(self.lib, "tandem-ambari-service-0.1.0-SNAPSHOT.jar"), "rb") as handle:
      self.assertEqual(b"PK\x03\x04 tandem-ambari-service-0.1.0-SNAPSHOT.jar", handle.read())
    self.assertFalse([f for f in os.listdir(self.lib) if f.startswith("tandem-hbase-coprocessor")],
                     "the controller does not load the server-side jars")
    self.assertFalse([f for f in os.listdir(self.home) if f.startswith("tandem-controller-")], "staging removed")
    with open(os.path.join(self.home, "controller-archive.json")) as handle:
      manifest = harness.json.load(handle)
    self.assertEqual(sorted(harness.CONTROLLER_JARS), manifest["jars"])
    launcher = by_name(env, "File", self.home + "/bin/tandem")
    self.assertEqual(0o755, launcher["mode"])
    self.assertIn('-cp "${TANDEM_CONF_DIR}:' + self.lib + '/*" io.tandem.controller.cli.TandemCli "$@"', launcher.text)
    self.assertIn('TANDEM_CONF_DIR="${TANDEM_CONF_DIR:-/etc/tandem/conf}"', launcher.text)
    self.assertIn("/usr/lib/jvm/java-17-openjdk", launcher.text)
    self.assertIn("tandem-site.xml", [r.name for r in env.of_type("XmlConfig")], "install also configures")

  def test_a_second_install_of_the_same_archive_downloads_nothing(self):
    self.install()
    self.install()
    self.assertEqual(1, len(self.server.requests))
    self.assertEqual(sorted(harness.CONTROLLER_JARS), self.jars())

  def test_a_new_archive_replaces_the_runtime_and_removes_jars_of_older_versions(self):
    self.install()
    for name in ("tandem-core-0.0.9.jar", "tandem-hbase-coprocessor-0.1.0-SNAPSHOT.jar", "notes.txt"):
      open(os.path.join(self.lib, name), "w").close()
    self.publish(jars=("tandem-ambari-service-0.1.0-SNAPSHOT.jar", "tandem-core-0.1.0-SNAPSHOT.jar"))
    env = self.install()
    self.assertEqual(2, len(self.server.requests))
    deleted = sorted(r.name for r in env.of_type("File") if r.action == "delete")
    self.assertEqual([os.path.join(self.lib, n) for n in ("curator-framework-5.7.1.jar",
                                                          "hadoop-mapreduce-client-common-3.3.5.jar",
                                                          "tandem-core-0.0.9.jar")], deleted,
                     "the client's current server jar and non-jars stay")

  def test_only_lib_jars_are_unpacked(self):
    self.publish(extra=(("../evil.jar", b"x"), ("lib/sub/nested.jar", b"x"), ("README", b"x"), ("bin/tandem", b"x")))
    self.install()
    self.assertEqual(sorted(harness.CONTROLLER_JARS), self.jars())
    self.assertFalse(os.path.exists(os.path.join(self.tmp, "sandbox", "usr", "lib", "evil.jar")))

  def test_fails_naming_the_url_and_the_fix_when_the_server_lacks_the_archive(self):
    os.remove(self.archive)
    with self.assertRaises(Fail) as caught:
      self.install()
    message = str(caught.exception)
    self.assertIn(self.server.url + "/" + harness.CONTROLLER_ARCHIVE_PATH, message)
    self.assertIn("install-mpack", message)
    self.assertEqual(1, len(message.splitlines()))
    self.assertEqual([], self.jars())

  def test_fails_on_a_checksum_or_size_mismatch_and_installs_nothing(self):
    self.publish(sha256="0" * 64)
    with self.assertRaises(Fail) as caught:
      self.install()
    self.assertIn("SHA-256", str(caught.exception))
    self.publish(size=1)
    with self.assertRaises(Fail) as caught:
      self.install()
    self.assertIn("not 1", str(caught.exception))
    self.assertEqual([], self.jars())

  def test_fails_on_an_archive_that_is_not_a_tarball(self):
    with open(self.archive, "wb") as handle:
      handle.write(b"<html>not found</html>")
    harness.write_archive_info(self.basedir, {"name": "x.tar.gz", "path": harness.CONTROLLER_ARCHIVE_PATH})
    with self.assertRaises(Fail) as caught:
      self.install()
    self.assertIn("not a readable tar.gz", str(caught.exception))

  def test_fails_clearly_when_the_mpack_lacks_the_archive_description(self):
    os.remove(os.path.join(self.basedir, "files", "controller-archive.json"))
    with self.assertRaises(Fail) as caught:
      self.install()
    self.assertIn("controller-archive.json", str(caught.exception))
    self.assertIn("install-mpack", str(caught.exception))
    self.assertEqual([], self.server.requests)

  def test_installs_from_a_command_the_real_ambari_server_generated(self):
    # fixtures/ambari-command-controller.json: the INSTALL command Ambari 3.0 (the rig) sent for this pack.
    config = harness.fixture("ambari-command-controller.json")
    self.assertEqual(("INSTALL", "TANDEM_CONTROLLER"), (config["roleCommand"], config["role"]))
    self.assertEqual("http://localhost:8080/resources", config["ambariLevelParams"]["jdk_location"])
    config["ambariLevelParams"]["jdk_location"] = self.server.url
    tandem_env = config["configurations"]["tandem-env"]
    self.assertEqual(("/usr/lib/tandem", "/etc/tandem/conf"), (tandem_env["tandem_home"], tandem_env["tandem_conf_dir"]))
    tandem_env.update(tandem_home=self.home, tandem_conf_dir=os.path.join(self.tmp, "conf"),
                      tandem_log_dir=self.log_dir, tandem_pid_dir=self.pid_dir)
    env = self.run_cmd("install", config)
    self.assertEqual(sorted(harness.CONTROLLER_JARS), self.jars())
    self.assertIn(os.path.join(self.tmp, "conf", "tandem-site.xml"),
                  [os.path.join(r["conf_dir"], r.name) for r in env.of_type("XmlConfig")])

  def test_get_version_reports_unknown_as_ambari_expects_of_a_component_without_a_version(self):
    self.run_cmd("get_version")
    self.assertEqual({"version": "UNKNOWN"}, Script.structuredOut)


class Launcher(ControllerTestCase):
  """bin/tandem, rendered from templates/tandem.j2 and run by bash with a java that prints its arguments."""

  def setUp(self):
    ControllerTestCase.setUp(self)
    self.jdk = os.path.join(self.tmp, "jdk")
    os.makedirs(os.path.join(self.jdk, "bin"))
    java = os.path.join(self.jdk, "bin", "java")
    with open(java, "w") as handle:
      handle.write('#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n')
    os.chmod(java, 0o755)
    self.conf = os.path.join(self.tmp, "conf")
    os.makedirs(self.conf)
    config = self.config({"tandem-env/tandem_conf_dir": self.conf, "/ambariLevelParams/java_home": self.jdk})
    env = self.run_cmd("configure", config)
    for name in ("tandem-env.sh", "log4j.properties"):
      with open(os.path.join(self.conf, name), "w") as handle:
        handle.write(by_name(env, "File", os.path.join(self.conf, name)).text)
    from resource_management.core.environment import Environment
    from resource_management.core.source import Template
    with Environment(basedir=self.basedir) as template_env:
      import params
      template_env.set_params(params)
      text = Template("tandem.j2").get_content()
    self.launcher = os.path.join(self.tmp, "tandem")
    with open(self.launcher, "w") as handle:
      handle.write(text)
    os.chmod(self.launcher, 0o755)

  def java_args(self, *args):
    env = dict(os.environ)
    env.pop("TANDEM_OPTS", None)
    env.pop("TANDEM_CONF_DIR", None)
    out = subprocess.check_output(["bash", self.launcher] + list(args), env=env)
    return out.decode().splitlines()

  def last(self, args, prefix):
    values = [a for a in args if a.startswith(prefix)]
    return values[-1] if values else None

  def test_the_daemon_logs_to_its_file(self):
    for argv in (("controller", "start"), ("--conf", "/x/tandem-site.xml", "controller", "start")):
      args = self.java_args(*argv)
      self.assertEqual(list(argv), args[-len(argv):])
      self.assertIsNone(self.last(args, "-Dtandem.root.logger="), "log4j.properties' RFA default applies")
      self.assertEqual("-Dlog4j.configuration=file:" + self.conf + "/log4j.properties",
                       self.last(args, "-Dlog4j.configuration="))
    with open(os.path.join(self.conf, "log4j.properties")) as handle:
      self.assertIn("tandem.root.logger=INFO,RFA", handle.read())

  def test_every_other_command_logs_to_the_console(self):
    for argv in (("policy", "list"), ("controller", "--help"), ("config", "defaults"), ("backup", "run", "--service", "start")):
      args = self.java_args(*argv)
      self.assertEqual("-Dtandem.root.logger=WARN,console", self.last(args, "-Dtandem.root.logger="), argv)
      self.assertEqual("-Dtandem.logger.level=INFO", self.last(args, "-Dtandem.logger.level="))
      self.assertEqual("-Dlog4j.configuration=file:" + self.conf + "/log4j.properties",
                       self.last(args, "-Dlog4j.configuration="))
      self.assertEqual(self.conf + ":" + "/usr/lib/tandem/lib/*", args[args.index("-cp") + 1])

  def test_a_log4j_properties_without_a_console_appender_falls_back_to_the_jars_defaults(self):
    with open(os.path.join(self.conf, "log4j.properties"), "w") as handle:
      handle.write("log4j.rootLogger=INFO,RFA\n")
    args = self.java_args("identity", "show")
    self.assertEqual("-Dlog4j.configuration=tandem-default-log4j.properties", self.last(args, "-Dlog4j.configuration="))
    os.remove(os.path.join(self.conf, "log4j.properties"))
    args = self.java_args("identity", "show")
    self.assertEqual("-Dlog4j.configuration=tandem-default-log4j.properties", self.last(args, "-Dlog4j.configuration="))


class Configure(ControllerTestCase):

  def test_writes_tandem_site_env_and_log4j(self):
    config = self.config()
    env = self.run_cmd("configure", config)
    site = by_name(env, "XmlConfig", "tandem-site.xml")
    self.assertEqual("/etc/tandem/conf", site["conf_dir"])
    self.assertEqual(config["configurations"]["tandem-site"], site["configurations"])
    self.assertEqual("tandem", site["owner"])
    self.assertIn("<name>tandem.policies</name>", site.text)

    tandem_env = by_name(env, "File", "/etc/tandem/conf/tandem-env.sh").text
    self.assertIn("export JAVA_HOME=/usr/lib/jvm/java-17-openjdk", tandem_env)
    self.assertIn("-Xmx1024m", tandem_env)
    self.assertIn("-Dtandem.log.dir=" + self.log_dir, tandem_env)
    self.assertIn('export TANDEM_CONTROLLER_URLS="http://ctl1.example.com:{0},http://ctl2.example.com:{0}"'.format(
      self.controller.port), tandem_env)
    self.assertNotIn("KERBEROS", tandem_env)

    log4j = by_name(env, "File", "/etc/tandem/conf/log4j.properties").text
    self.assertIn("tandem.root.logger=INFO,RFA", log4j)
    self.assertIn("log4j.appender.RFA.MaxFileSize=256MB", log4j)
    self.assertIn("log4j.appender.RFA.MaxBackupIndex=20", log4j)
    self.assertIn("tandem.log.dir=" + self.log_dir, log4j)

    for directory in (self.log_dir, self.pid_dir):
      resource = by_name(env, "Directory", directory)
      self.assertEqual(("tandem", "tandem", True), (resource["owner"], resource["group"], resource["create_parents"]))

  def test_writes_this_clusters_client_config_into_the_secondary_dir_by_default(self):
    env = self.run_cmd("configure")
    written = [(r.name, r["conf_dir"]) for r in env.of_type("XmlConfig") if r.name != "tandem-site.xml"]
    self.assertEqual([("core-site.xml", "/etc/tandem/conf/secondary"), ("hdfs-site.xml", "/etc/tandem/conf/secondary"),
                      ("hbase-site.xml", "/etc/tandem/conf/secondary")], written)
    hdfs = by_name(env, "XmlConfig", "hdfs-site.xml")
    self.assertEqual({"final": {"dfs.namenode.rpc-address": "true"}}, hdfs["configuration_attributes"])
    self.assertIn("<final>true</final>", hdfs.text)
    for directory in ("/etc/tandem/conf/primary", "/etc/tandem/conf/secondary"):
      by_name(env, "Directory", directory)
    self.assertTrue(any("copy the other cluster's" in m and "/etc/tandem/conf/primary" in m
                        for m in Logger.messages("INFO")))

  def test_primary_cluster_writes_into_the_primary_dir(self):
    env = self.run_cmd("configure", self.config({"tandem-env/tandem_local_cluster": "primary",
                                                 "tandem-site/tandem.primary.conf.dir": "/srv/tandem/prod-a"}))
    self.assertEqual({"/srv/tandem/prod-a"},
                     set(r["conf_dir"] for r in env.of_type("XmlConfig") if r.name != "tandem-site.xml"))

  def test_third_site_writes_neither_cluster_dir(self):
    env = self.run_cmd("configure", self.config({"tandem-env/tandem_local_cluster": "none"}))
    self.assertEqual(["tandem-site.xml"], [r.name for r in env.of_type("XmlConfig")])

  def test_kerberos_identity_goes_to_tandem_site_and_env(self):
    env = self.run_cmd("configure", self.config({
      "cluster-env/security_enabled": "true",
      "tandem-site/tandem.kerberos.principal": "tandem/_HOST@EXAMPLE.COM",
      "tandem-site/tandem.kerberos.keytab": "/etc/security/keytabs/tandem.service.keytab"}))
    site = by_name(env, "XmlConfig", "tandem-site.xml")
    # The controller resolves _HOST itself (SecurityUtil), as Hadoop daemons do.
    self.assertEqual("tandem/_HOST@EXAMPLE.COM", site["configurations"]["tandem.kerberos.principal"])
    self.assertEqual("/etc/security/keytabs/tandem.service.keytab", site["configurations"]["tandem.kerberos.keytab"])
    tandem_env = by_name(env, "File", "/etc/tandem/conf/tandem-env.sh").text
    self.assertIn('export TANDEM_KERBEROS_PRINCIPAL="tandem/ctl1.example.com@EXAMPLE.COM"', tandem_env)
    self.assertIn('export TANDEM_KERBEROS_KEYTAB="/etc/security/keytabs/tandem.service.keytab"', tandem_env)

  def test_a_broken_env_template_fails_the_command(self):
    config = self.config({"tandem-env/content": "export X={{no_such_param}}"})
    with self.assertRaises(Fail) as caught:
      self.run_cmd("configure", config)
    self.assertIn("no_such_param", str(caught.exception))


class Start(ControllerTestCase):

  def test_starts_with_nohup_as_the_tandem_user_and_waits_for_health(self):
    self.write_pid(os.getpid())
    self.controller.on("GET", "/api/v1/health", {"status": "UP", "version": "0.1.0-SNAPSHOT", "active": True})
    env = self.run_cmd("start")
    start = env.of_type("Execute")[-1]
    self.assertEqual("nohup /usr/lib/tandem/bin/tandem controller start >> {0}/tandem-controller.out 2>&1 & "
                     "echo $! > {1}".format(self.log_dir, self.pid_file), start.command)
    self.assertEqual("tandem", start["user"])
    self.assertEqual({"JAVA_HOME": "/usr/lib/jvm/java-17-openjdk", "TANDEM_CONF_DIR": "/etc/tandem/conf"},
                     start["environment"])
    self.assertIn("ps -p `cat {0}`".format(self.pid_file), start["not_if"])
    self.assertIn("tandem-site.xml", [r.name for r in env.of_type("XmlConfig")], "start configures first")
    self.assertIn("Tandem controller 0.1.0-SNAPSHOT is UP at http://127.0.0.1:{0} (active)".format(
      self.controller.port), Logger.messages("INFO"))

  def test_a_standby_controller_is_started_too(self):
    self.write_pid(os.getpid())
    self.controller.on("GET", "/api/v1/health", {"status": "UP", "version": "0.1.0", "active": False})
    self.run_cmd("start")
    self.assertTrue(any("(standby)" in m for m in Logger.messages("INFO")))

  def test_fails_with_the_console_output_when_the_process_dies(self):
    self.write_pid(dead_pid())
    with open(os.path.join(self.log_dir, "tandem-controller.out"), "w") as out:
      out.write("Exception in thread main: tandem.controller.zk.quorum localhost:2181 is unreachable\n")
    with self.assertRaises(Fail) as caught:
      self.run_cmd("start")
    self.assertIn("exited while starting", str(caught.exception))
    self.assertIn("localhost:2181 is unreachable", str(caught.exception))

  def test_fails_when_the_api_never_answers_up(self):
    self.write_pid(os.getpid())
    self.controller.on("GET", "/api/v1/health", {"status": "STARTING", "active": False})
    with self.assertRaises(Fail) as caught:
      self.run_cmd("start", patch=lambda p: setattr(p, "start_timeout_s", 0.2))
    self.assertIn("did not answer UP within 0.2 s", str(caught.exception))
    self.assertIn("STARTING", str(caught.exception))

  def test_fails_when_the_api_port_is_closed(self):
    self.write_pid(os.getpid())
    config = self.config({"tandem-site/tandem.controller.http.port": str(harness.closed_port())})
    with self.assertRaises(Fail) as caught:
      self.run_cmd("start", config, patch=lambda p: setattr(p, "start_timeout_s", 0.2))
    self.assertIn("cannot reach the Tandem controller", str(caught.exception))


class Stop(ControllerTestCase):

  def sleeper(self):
    child = subprocess.Popen(["sleep", "30"])
    self.addCleanup(lambda: (child.kill(), child.wait()))
    self.write_pid(child.pid)
    return child

  def test_sigterm_then_pid_file_removed(self):
    child = self.sleeper()
    import tandem_controller
    recorded = tandem_controller.Execute

    def execute_kill(command, **kwargs):
      resource = recorded(command, **kwargs)
      os.kill(int(command[-1]), 15)
      child.wait()
      return resource

    with mock.patch.object(tandem_controller, "Execute", side_effect=execute_kill):
      env = self.run_cmd("stop")
    self.assertEqual([("kill", str(child.pid))], [r.command for r in env.of_type("Execute")])
    self.assertEqual(["delete"], [r.action for r in env.of_type("File") if r.name == self.pid_file])

  def test_sigkill_when_sigterm_is_ignored(self):
    child = self.sleeper()
    env = self.run_cmd("stop")
    self.assertEqual([("kill", str(child.pid)), ("kill", "-9", str(child.pid))],
                     [r.command for r in env.of_type("Execute")])
    self.assertTrue(all(r["sudo"] for r in env.of_type("Execute")))
    self.assertTrue(any("did not stop within" in m for m in Logger.messages("WARNING")))

  def test_not_running_only_removes_the_pid_file(self):
    self.write_pid(dead_pid())
    env = self.run_cmd("stop")
    self.assertEqual([], env.of_type("Execute"))
    self.assertEqual("delete", by_name(env, "File", self.pid_file).action)

  def test_no_pid_file(self):
    env = self.run_cmd("stop")
    self.assertEqual([], env.of_type("Execute"))


class Status(ControllerTestCase):

  def status(self):
    config = harness.command("status_command", {"tandem-env/tandem_pid_dir": self.pid_dir}, defaults=False)
    return harness.run_command("tandem_controller", "TandemController", "status", config, self.basedir)

  def test_running(self):
    self.write_pid(os.getpid())
    self.status()

  def test_no_pid_file_is_not_running(self):
    with self.assertRaises(ComponentIsNotRunning):
      self.status()

  def test_stale_pid_file_is_not_running(self):
    self.write_pid(dead_pid())
    with self.assertRaises(ComponentIsNotRunning):
      self.status()

  def test_garbage_pid_file_is_not_running(self):
    self.write_pid("twelve")
    with self.assertRaises(ComponentIsNotRunning):
      self.status()

  def test_status_needs_almost_no_configuration(self):
    config = {"configurations": {}, "clusterLevelParams": {"stack_name": "BIGTOP"}}
    with self.assertRaises(ComponentIsNotRunning):
      harness.run_command("tandem_controller", "TandemController", "status", config, self.basedir)
    import status_params
    self.assertEqual("/var/run/tandem/tandem-controller.pid", status_params.tandem_pid_file)


PROMOTED = {"id": "switch-prod-a-to-dr-b-1", "from": "prod-a", "to": "dr-b", "planned": False, "step": "PROMOTED"}


class SwitchIdentity(ControllerTestCase):

  def setUp(self):
    ControllerTestCase.setUp(self)
    self.controller.on("GET", "/api/v1/health", {"status": "UP", "version": "0.1.0", "active": True})
    self.controller.on("GET", "/api/v1/status", harness.status_fixture("primary_faulty"))
    self.controller.on("POST", "/api/v1/identity/switch", {"from": "prod-a", "to": "dr-b", "dryRun": True})
    self.controller.on("GET", "/api/v1/identity/switch", {"current": None, "runningHere": False, "last": PROMOTED})

  def switch(self, params):
    overrides = dict(("/commandParams/" + k, v) for k, v in params.items())
    return self.run_cmd("switch_identity", self.config(overrides, fixture="custom_command"))

  def posted(self):
    return [body for method, path, body in self.controller.requests
            if method == "POST" and path == "/api/v1/identity/switch"]

  def test_refuses_without_confirm(self):
    with self.assertRaises(Fail) as caught:
      self.switch({})
    self.assertIn("confirm=true", str(caught.exception))
    self.assertIn('"parameters": {"confirm": "true"}', str(caught.exception))
    self.assertEqual([], self.controller.requests, "nothing is sent without confirm")

  def test_confirm_false_is_refused_too(self):
    with self.assertRaises(Fail):
      self.switch({"confirm": "false"})

  def test_confirmed_switch_goes_to_the_current_secondary_and_is_followed_to_its_end(self):
    self.switch({"confirm": "true"})
    self.assertEqual([{"to": "dr-b", "confirm": True, "dryRun": False, "await": False}], self.posted())
    self.assertIn(("GET", "/api/v1/identity/switch", None), self.controller.requests)
    self.assertEqual({"to": "dr-b", "dryRun": False, "answer": PROMOTED}, Script.structuredOut["tandem_switch"])

  def test_a_switch_that_stopped_says_where_and_how_to_resume_or_revert(self):
    self.controller.on("GET", "/api/v1/identity/switch", {"runningHere": False, "last": None, "current": {
      "from": "prod-a", "to": "dr-b", "step": "GUARDS_ACKED", "finalCuts": {}, "restored": {},
      "error": "final cut of billing before the switch failed (table missing)"}})
    with self.assertRaises(Fail) as caught:
      self.switch({"confirm": "true"})
    self.assertIn("stopped at step GUARDS_ACKED: final cut of billing before the switch failed", str(caught.exception))
    self.assertIn("to=dr-b to resume it, or with to=prod-a to revert it", str(caught.exception))

  def test_a_switch_that_ended_elsewhere_is_not_called_a_success(self):
    self.controller.on("GET", "/api/v1/identity/switch", {"current": None, "runningHere": False, "last": dict(
      PROMOTED, to="prod-a", **{"from": "dr-b"})})
    with self.assertRaises(Fail) as caught:
      self.switch({"confirm": "true"})
    self.assertIn("did not end with dr-b primary", str(caught.exception))

  def test_explicit_target_for_failback(self):
    self.controller.on("GET", "/api/v1/identity/switch", {"current": None, "runningHere": False, "last": dict(
      PROMOTED, to="prod-a", **{"from": "dr-b"})})
    self.switch({"confirm": "True", "to": "prod-a"})
    self.assertEqual([{"to": "prod-a", "confirm": True, "dryRun": False, "await": False}], self.posted())

  def test_dry_run_needs_no_confirm_and_is_not_followed(self):
    self.switch({"dry_run": "true", "to": "dr-b"})
    self.assertEqual([{"to": "dr-b", "confirm": False, "dryRun": True}], self.posted())
    self.assertNotIn(("GET", "/api/v1/identity/switch", None), self.controller.requests)

  def test_parameters_may_arrive_as_role_params(self):
    config = self.config({"/roleParams/confirm": "true"}, fixture="custom_command")
    self.run_cmd("switch_identity", config)
    self.assertEqual(1, len(self.posted()))

  def test_controller_refusal_is_shown_to_the_admin(self):
    self.controller.on("POST", "/api/v1/identity/switch",
                       {"error": "cluster dr-b is 2 cuts behind prod-a: run a dry run first"}, status=409)
    with self.assertRaises(Fail) as caught:
      self.switch({"confirm": "true"})
    self.assertIn("HTTP 409: cluster dr-b is 2 cuts behind prod-a", str(caught.exception))

  def test_no_secondary_in_status_asks_for_to(self):
    self.controller.on("GET", "/api/v1/status", {"clusters": []})
    with self.assertRaises(Fail) as caught:
      self.switch({"confirm": "true"})
    self.assertIn("pass the parameter to=<cluster>", str(caught.exception))

  def test_no_active_controller(self):
    self.controller.on("GET", "/api/v1/health", {"status": "UP", "active": False})
    config = self.config({"/commandParams/confirm": "true",
                          "/clusterHostInfo/tandem_controller_hosts": ["ctl1.example.com"]}, fixture="custom_command")
    with self.assertRaises(Fail) as caught:
      self.run_cmd("switch_identity", config)
    self.assertIn("no active Tandem controller", str(caught.exception))
    self.assertIn("(standby)", str(caught.exception))


class RunBackupNow(ControllerTestCase):

  def setUp(self):
    ControllerTestCase.setUp(self)
    self.controller.on("GET", "/api/v1/health", {"status": "UP", "version": "0.1.0", "active": True})
    self.controller.on("GET", "/api/v1/policies", [{"service": "billing"}, {"service": "audit"}])
    self.controller.on("POST", "/api/v1/backups/billing/run", {"cutId": "billing-20261125T130000000Z"}, status=202)
    self.controller.on("POST", "/api/v1/backups/audit/run", {"cutId": "audit-20261125T130000000Z"}, status=202)

  def backup(self, overrides=None):
    return self.run_cmd("run_backup_now", self.config(overrides, fixture="custom_command"))

  def runs(self):
    return [path for method, path, _ in self.controller.requests if method == "POST"]

  def test_one_service(self):
    self.backup({"/commandParams/service": "billing"})
    self.assertEqual(["/api/v1/backups/billing/run"], self.runs())
    self.assertEqual({"billing": "billing-20261125T130000000Z"}, Script.structuredOut["tandem_cuts"])

  def test_every_policy_when_no_service_is_given(self):
    self.backup()
    self.assertEqual(["/api/v1/backups/billing/run", "/api/v1/backups/audit/run"], self.runs())
    self.assertEqual(2, len(Script.structuredOut["tandem_cuts"]))

  def test_one_failure_fails_the_command_after_starting_the_others(self):
    self.controller.on("POST", "/api/v1/backups/billing/run",
                       {"error": "policy billing is already running cut billing-20261125T125900000Z"}, status=409)
    with self.assertRaises(Fail) as caught:
      self.backup()
    self.assertIn("could not start 1 of 2 backups", str(caught.exception))
    self.assertIn("already running cut billing-20261125T125900000Z", str(caught.exception))
    self.assertEqual({"audit": "audit-20261125T130000000Z"}, Script.structuredOut["tandem_cuts"])

  def test_no_policies_is_not_an_error(self):
    self.controller.on("GET", "/api/v1/policies", [])
    self.backup()
    self.assertTrue(any("no backup policy is defined" in m for m in Logger.messages("WARNING")))

  def test_accepted_without_cut_id_is_an_error(self):
    self.controller.on("POST", "/api/v1/backups/billing/run", {}, status=202)
    with self.assertRaises(Fail) as caught:
      self.backup({"/commandParams/service": "billing"})
    self.assertIn("returned no cutId", str(caught.exception))


class Reconfigure(ControllerTestCase):
  """RECONFIGURE ("Refresh configs"): save_configs, then reload_configs when the server names it."""

  REPORT = {"source": "/etc/tandem/conf/tandem-site.xml", "created": ["billing"], "updated": ["ads"],
            "unchanged": [], "deleted": [], "kept": ["adhoc"], "rejected": [], "restartNeeded": [], "tookMs": 41}

  def reconfigure(self, action="reload_configs", overrides=None):
    values = {"tandem-site/tandem.policies": '[{"service": "billing", "datasets": ["hdfs:/b"], "schedules": ["every:1h"]}]'}
    values.update(overrides or {})
    if action is not None:
      values["/commandParams/reconfigureAction"] = action
    return self.run_cmd("reconfigure", self.config(values))

  def test_rewrites_tandem_site_and_asks_the_running_controller_to_reload(self):
    self.write_pid(os.getpid())
    self.controller.on("POST", "/api/v1/config/reload", self.REPORT)
    env = self.reconfigure()
    site = by_name(env, "XmlConfig", "tandem-site.xml")
    self.assertIn('"service": "billing"', site["configurations"]["tandem.policies"])
    self.assertEqual([("POST", "/api/v1/config/reload", None)], self.controller.requests)
    self.assertEqual(self.REPORT, Script.structuredOut["tandem_reload"])
    self.assertEqual([], env.of_type("Execute"), "no restart: the process is left running")
    self.assertTrue(any("created ['billing'], updated ['ads']" in m for m in Logger.messages("INFO")),
                    Logger.messages("INFO"))
    self.assertTrue(any("['adhoc'] are not in tandem.policies and were kept" in m for m in Logger.messages("INFO")))

  def test_a_rejected_policy_fails_the_command_with_the_controllers_reason(self):
    self.write_pid(os.getpid())
    reason = ("declared policies NOT applied, nothing changed: policy billing is invalid: table billing:orders "
              "does not exist on primary cluster")
    self.controller.on("POST", "/api/v1/config/reload", dict(self.REPORT, error=reason, created=[], updated=[],
                                                             rejected=[{"service": "billing", "error": reason}]),
                       status=400)
    with self.assertRaises(Fail) as caught:
      self.reconfigure()
    self.assertIn("did not apply the new configuration", str(caught.exception))
    self.assertIn("policy billing is invalid: table billing:orders does not exist", str(caught.exception))

  def test_keys_that_need_a_restart_are_reported(self):
    self.write_pid(os.getpid())
    self.controller.on("POST", "/api/v1/config/reload", dict(self.REPORT, restartNeeded=["tandem.scheduler.tick.ms"]))
    self.reconfigure()
    self.assertTrue(any("tandem.scheduler.tick.ms changed but take effect only after a restart" in m
                        for m in Logger.messages("WARNING")), Logger.messages("WARNING"))

  def test_a_stopped_controller_only_gets_the_file(self):
    self.write_pid(dead_pid())
    env = self.reconfigure()
    by_name(env, "XmlConfig", "tandem-site.xml")
    self.assertEqual([], self.controller.requests)
    self.assertTrue(any("applies /etc/tandem/conf/tandem-site.xml when it starts" in m for m in Logger.messages("INFO")))

  def test_an_unreachable_controller_fails_the_command(self):
    self.write_pid(os.getpid())
    config = self.config({"/commandParams/reconfigureAction": "reload_configs",
                          "tandem-site/tandem.controller.http.port": str(harness.closed_port())})
    with self.assertRaises(Fail) as caught:
      self.run_cmd("reconfigure", config)
    self.assertIn("cannot reach the Tandem controller", str(caught.exception))

  def test_without_a_reload_action_only_the_files_are_written(self):
    self.write_pid(os.getpid())
    env = self.reconfigure(action=None)
    by_name(env, "XmlConfig", "tandem-site.xml")
    self.assertEqual([], self.controller.requests)


class ScriptConventions(unittest.TestCase):
  """What Ambari's Script.execute relies on: lower-cased command names as methods."""

  def test_every_command_is_a_method(self):
    import tandem_controller
    for command in ("INSTALL", "CONFIGURE", "START", "STOP", "STATUS", "SWITCH_IDENTITY", "RUN_BACKUP_NOW",
                    "RECONFIGURE", "SAVE_CONFIGS", "RELOAD_CONFIGS"):
      self.assertTrue(callable(getattr(tandem_controller.TandemController, command.lower(), None)), command)
    controller = tandem_controller.TandemController()
    self.assertTrue(hasattr(controller, "get_pid_files"))


if __name__ == "__main__":
  unittest.main()
