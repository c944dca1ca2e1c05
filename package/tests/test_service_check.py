"""
The service check: a tiny real backup through the active controller's REST API, against a real
HTTP server that plays the controller (policy PUT, run, polling the cut, policy DELETE).
"""
import json
import os
import shutil
import sys
import tempfile
import unittest

from package.tests import harness
from package.tests.harness import FakeController

from resource_management.core.exceptions import Fail
from resource_management.core.logger import Logger

POLICY = "/api/v1/policies/ambari-service-check"
RUN = "/api/v1/backups/ambari-service-check/run"
CUT_ID = "ambari-service-check-20261125T130000000Z"
CUT = "/api/v1/backups/ambari-service-check/" + CUT_ID


class ServiceCheck(unittest.TestCase):

  def setUp(self):
    self.tmp = tempfile.mkdtemp(prefix="tandem-test-")
    self.addCleanup(shutil.rmtree, self.tmp, True)
    self.basedir = harness.package_dir(self.tmp)
    self.controller = FakeController().start()
    self.addCleanup(self.controller.stop)
    self.controller.on("GET", "/api/v1/health", {"status": "UP", "version": "0.1.0", "active": True})
    self.controller.on("PUT", POLICY, {"service": "ambari-service-check"})
    self.controller.on("POST", RUN, {"cutId": CUT_ID}, status=202)
    self.controller.on("DELETE", POLICY, None, status=204)

  def check(self, overrides=None, timeout=5):
    values = {"tandem-site/tandem.controller.http.port": str(self.controller.port),
              "/clusterHostInfo/tandem_controller_hosts": ["127.0.0.1"]}
    values.update(overrides or {})

    def fast(params):
      params.poll_interval_s = 0.01
      params.service_check_timeout_s = timeout
    return harness.run_command("service_check", "TandemServiceCheck", "service_check",
                               harness.command("service_check_command", values), self.basedir, fast)

  def cut_states(self, *states, **extra):
    self.controller.on_sequence("GET", CUT, [{"body": dict({"id": CUT_ID, "state": s}, **extra)} for s in states])

  def calls(self):
    return [(method, path) for method, path, _ in self.controller.requests if path != "/api/v1/health"]

  def test_complete_cut_passes_and_removes_the_policy(self):
    self.cut_states("RUNNING", "RUNNING", "COMPLETE")
    self.check()
    self.assertEqual([("PUT", POLICY), ("POST", RUN), ("GET", CUT), ("GET", CUT), ("GET", CUT), ("DELETE", POLICY)],
                     self.calls())
    policy = [body for method, path, body in self.controller.requests if method == "PUT"][0]
    self.assertEqual({"service": "ambari-service-check", "datasets": ["hdfs:/tmp/tandem-service-check"],
                      "schedules": ["once:2099-01-01T00:00:00Z"], "mode": "push", "retain": 1}, policy)
    self.assertTrue(any("is COMPLETE" in m for m in Logger.messages("INFO")))

  def test_the_check_policy_passes_the_advisors_validation(self):
    sys.path.insert(0, harness.METAINFO)
    try:
      import service_advisor
    finally:
      sys.path.remove(harness.METAINFO)
    self.cut_states("COMPLETE")
    self.check()
    policy = [body for method, path, body in self.controller.requests if method == "PUT"][0]
    self.assertEqual([], service_advisor.policy_problems(json.dumps([policy])))

  def test_failed_cut_fails_with_the_reason_and_still_removes_the_policy(self):
    self.cut_states("RUNNING", "FAILED", reason="hdfs:/tmp/tandem-service-check does not exist on primary prod-a")
    with self.assertRaises(Fail) as caught:
      self.check()
    self.assertIn("ended FAILED: hdfs:/tmp/tandem-service-check does not exist on primary prod-a",
                  str(caught.exception))
    self.assertEqual(("DELETE", POLICY), self.calls()[-1])

  def test_aborted_cut_fails(self):
    self.cut_states("ABORTED", reason="cut " + CUT_ID + " was aborted by its write fence on primary cluster prod-a: "
                    "rs1.example.com,16020,1764057600000: lease of 30000 ms expired before the cut was done")
    with self.assertRaises(Fail) as caught:
      self.check()
    self.assertIn("ended ABORTED: cut " + CUT_ID + " was aborted by its write fence", str(caught.exception))
    self.assertEqual(("DELETE", POLICY), self.calls()[-1])

  def test_a_cut_that_never_ends_times_out(self):
    self.cut_states("RUNNING")
    with self.assertRaises(Fail) as caught:
      self.check(timeout=0.2)
    self.assertIn("still RUNNING after 0.2 s", str(caught.exception))
    self.assertEqual(("DELETE", POLICY), self.calls()[-1])

  def test_refused_policy_fails_before_any_backup(self):
    self.controller.on("PUT", POLICY, {"error": "data set hdfs:/tmp/tandem-service-check: directory does not "
                                                "exist on primary prod-a; create it"}, status=400)
    with self.assertRaises(Fail) as caught:
      self.check()
    self.assertIn("HTTP 400: data set hdfs:/tmp/tandem-service-check", str(caught.exception))
    self.assertEqual([("PUT", POLICY)], self.calls())

  def test_no_controller_reachable(self):
    with self.assertRaises(Fail) as caught:
      self.check({"tandem-site/tandem.controller.http.port": str(harness.closed_port())})
    self.assertIn("no active Tandem controller", str(caught.exception))
    self.assertIn("cannot reach", str(caught.exception))

  def test_no_controller_host_at_all(self):
    with self.assertRaises(Fail) as caught:
      self.check({"/clusterHostInfo/tandem_controller_hosts": []})
    self.assertIn("no TANDEM_CONTROLLER host", str(caught.exception))

  def test_on_the_primary_the_check_directory_is_created_as_hdfs(self):
    self.cut_states("COMPLETE")
    env = self.check({"tandem-env/tandem_local_cluster": "primary"})
    executes = env.of_type("Execute")
    self.assertEqual(1, len(executes))
    self.assertEqual("hdfs", executes[0]["user"])
    self.assertIn("hdfs dfs -mkdir -p /tmp/tandem-service-check", executes[0].command)
    self.assertIn("hdfs dfsadmin -allowSnapshot /tmp/tandem-service-check", executes[0].command)

  def test_on_a_secure_primary_hdfs_kinits_first(self):
    self.cut_states("COMPLETE")
    env = self.check({"tandem-env/tandem_local_cluster": "primary", "cluster-env/security_enabled": "true"})
    kinit = env.of_type("Execute")[0]
    self.assertRegex(kinit.command, r"kinit -kt /etc/security/keytabs/hdfs.headless.keytab hdfs-c1@EXAMPLE.COM$")

  def test_on_the_secondary_nothing_is_created(self):
    self.cut_states("COMPLETE")
    env = self.check()
    self.assertEqual([], env.of_type("Execute"))
    self.assertTrue(any("must exist on the primary cluster primary" in m for m in Logger.messages("INFO")))


if __name__ == "__main__":
  unittest.main()
