"""
The six SCRIPT alerts against a real HTTP server serving recorded controller status JSON.

An alert must answer (state, [text]) fast and never raise: every broken answer from the
controller (refused, 500, not JSON, fields missing or of the wrong type, too slow) is UNKNOWN
with a text that says what is wrong.
"""
import inspect
import json
import os
import sys
import time
import unittest

from package.tests import harness
from package.tests.harness import FakeController

ALERT_FILES = ("alert_primary_faulty.py", "alert_rpo.py", "alert_last_cut_failed.py", "alert_fence.py",
               "alert_clock_skew.py", "alert_secondary_capacity.py", "alert_drill.py")


class AlertCase(unittest.TestCase):
  alert_file = None

  def setUp(self):
    self.controller = FakeController().start()
    self.addCleanup(self.controller.stop)
    if self.alert_file:
      self.alert = harness.load_alert(self.alert_file)

  def serve(self, status, code=200):
    if isinstance(status, str):
      status = harness.status_fixture(status)
    self.controller.on("GET", "/api/v1/status", body=status, status=code)
    return status

  def run_alert(self, alert=None, overrides=None, parameters=None, host_name="127.0.0.1", port=None):
    alert = alert or self.alert
    values = {"tandem-site/tandem.controller.http.port": str(port or self.controller.port),
              "tandem-site/tandem.controller.http.bind-host": "0.0.0.0"}
    values.update(overrides or {})
    configurations = harness.alert_configurations(alert, values)
    result = alert.execute(configurations, {"connection.timeout": 2.0} if parameters is None else parameters, host_name)
    self.assertIsInstance(result, tuple, "an alert returns (state, [text])")
    self.assertEqual(2, len(result))
    state, texts = result
    self.assertIn(state, ("OK", "WARNING", "CRITICAL", "UNKNOWN"))
    self.assertIsInstance(texts, list)
    self.assertEqual(1, len(texts))
    self.assertIsInstance(texts[0], str)
    self.assertTrue(texts[0].strip(), "the admin always gets a text")
    return state, texts[0]


class EveryAlertNeverRaises(AlertCase):
  """The failure modes every alert shares: each becomes UNKNOWN (or OK on a standby) with a clear text."""

  def test_the_status_is_read_as_the_service_user(self):
    for alert in self.each():
      self.serve("healthy")
      self.run_alert(alert, overrides={"tandem-env/tandem_user": "svc_tandem"})
      self.assertEqual("svc_tandem", self.controller.users[-1], alert.__name__)

  def each(self):
    for file_name in ALERT_FILES:
      with self.subTest(alert=file_name):
        yield harness.load_alert(file_name)

  def test_connection_refused_is_unknown(self):
    port = harness.closed_port()
    for alert in self.each():
      state, text = self.run_alert(alert, port=port)
      self.assertEqual("UNKNOWN", state)
      self.assertIn("cannot reach the Tandem controller at http://127.0.0.1:{0}/api/v1/status".format(port), text)

  def test_http_500_is_unknown_with_the_controllers_error(self):
    self.serve({"error": "catalog /tandem/catalog is unreadable on secondary dr-b: check its HDFS"}, code=500)
    for alert in self.each():
      state, text = self.run_alert(alert)
      self.assertEqual("UNKNOWN", state)
      self.assertIn("HTTP 500", text)
      self.assertIn("catalog /tandem/catalog is unreadable", text)

  def test_http_error_without_json_body_is_unknown(self):
    self.controller.on("GET", "/api/v1/status", raw=b"<html>Bad Gateway</html>", status=502)
    for alert in self.each():
      state, text = self.run_alert(alert)
      self.assertEqual("UNKNOWN", state)
      self.assertIn("HTTP 502", text)

  def test_bad_json_is_unknown(self):
    self.controller.on("GET", "/api/v1/status", raw=b"{\"controller\": {\"active\": tru")
    for alert in self.each():
      state, text = self.run_alert(alert)
      self.assertEqual("UNKNOWN", state)
      self.assertIn("not JSON", text)

  def test_json_that_is_not_an_object_is_unknown(self):
    self.serve([1, 2, 3])
    for alert in self.each():
      state, text = self.run_alert(alert)
      self.assertEqual("UNKNOWN", state)
      self.assertIn("not a JSON object", text)

  def test_empty_status_is_unknown(self):
    self.serve({})
    for alert in self.each():
      state, text = self.run_alert(alert)
      self.assertEqual("UNKNOWN", state, text)
      self.assertIn("has no", text)

  def test_freshly_started_controller_with_null_fields_is_unknown(self):
    self.serve("starting")
    for alert in self.each():
      state, text = self.run_alert(alert)
      self.assertEqual("UNKNOWN", state, text)

  def test_fields_of_the_wrong_type_are_unknown(self):
    self.serve({"controller": {"active": True}, "clusters": "prod-a", "primaryFaulty": "yes",
                "services": {"billing": 1}, "secondaryCapacity": [1]})
    for alert in self.each():
      state, text = self.run_alert(alert)
      self.assertEqual("UNKNOWN", state, text)
      self.assertIn("which is not a", text)

  def test_garbage_inside_lists_never_raises(self):
    status = harness.status_fixture("healthy")
    status["services"].append({"service": "x", "rpoSeconds": "soon", "lastCut": "none",
                               "newestCompleteAgeSeconds": [], "running": 7})
    status["clusters"].append({"name": "odd", "skewMs": "far"})
    self.serve(status)
    for alert in self.each():
      state, text = self.run_alert(alert)
      self.assertIn(state, ("OK", "UNKNOWN"), text)

  def test_standby_controller_leaves_reporting_to_the_active_one(self):
    self.serve("standby")
    for alert in self.each():
      state, text = self.run_alert(alert)
      self.assertEqual("OK", state)
      self.assertIn("standby", text)

  def test_slow_controller_is_unknown_within_the_timeout(self):
    self.controller.on("GET", "/api/v1/status", body=harness.status_fixture("healthy"), delay=3.0)
    for alert in self.each():
      started = time.time()
      state, text = self.run_alert(alert, parameters={"connection.timeout": 0.3})
      self.assertEqual("UNKNOWN", state)
      self.assertLess(time.time() - started, 2.0, "an alert must return fast")

  def test_no_configurations_at_all_is_unknown_not_an_exception(self):
    port = harness.closed_port()
    for alert in self.each():
      state, texts = alert.execute({}, {}, "127.0.0.1")
      self.assertEqual("UNKNOWN", state)
      state, texts = alert.execute(None, None, None)
      self.assertEqual("UNKNOWN", state)
      state, texts = alert.execute({"{{tandem-site/tandem.controller.http.port}}": "not-a-port"}, {}, "h")
      self.assertEqual("UNKNOWN", state)
      self.assertIn("not a port number", texts[0])
      state, texts = alert.execute({"{{tandem-site/tandem.controller.http.port}}": str(port)},
                                   {"connection.timeout": "fast"}, "127.0.0.1")
      self.assertEqual("UNKNOWN", state)
      self.assertIn("connection.timeout", texts[0])

  def test_bind_host_wins_over_the_agents_host_name(self):
    self.serve("healthy")
    for alert in self.each():
      state, _ = self.run_alert(alert, overrides={"tandem-site/tandem.controller.http.bind-host": "127.0.0.1"},
                                host_name="no-such-host.invalid")
      self.assertNotEqual("UNKNOWN", state)

  def test_signature_and_tokens_are_what_the_agent_calls(self):
    for alert in self.each():
      self.assertEqual(["configurations", "parameters", "host_name"],
                       list(inspect.signature(alert.execute).parameters))
      tokens = alert.get_tokens()
      self.assertIsInstance(tokens, tuple)
      self.assertIn("{{tandem-site/tandem.controller.http.port}}", tokens)
      for token in tokens:
        self.assertRegex(token, r"^\{\{[a-z0-9-]+/[A-Za-z0-9_.\-]+\}\}$")

  def test_loads_like_the_agent_without_the_alerts_directory_on_sys_path(self):
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p) != harness.ALERTS]
    sys.modules.pop("tandem_status_client", None)
    try:
      for file_name in ALERT_FILES:
        module = harness.load_alert(file_name)
        self.assertTrue(callable(module.execute))
    finally:
      sys.path[:] = saved


class PrimaryFaultyAlert(AlertCase):
  alert_file = "alert_primary_faulty.py"

  def test_healthy_primary_is_ok(self):
    self.serve("healthy")
    state, text = self.run_alert()
    self.assertEqual("OK", state)
    self.assertEqual("primary cluster prod-a is healthy (identity epoch 3)", text)

  def test_faulty_primary_is_critical_and_says_how_to_switch(self):
    self.serve("primary_faulty")
    state, text = self.run_alert()
    self.assertEqual("CRITICAL", state)
    self.assertTrue(text.startswith(
      "primary cluster prod-a is faulty since 2026-11-25T12:41:05Z: confirm the switch with "
      "`tandem identity switch --to dr-b --confirm` or the SWITCH_IDENTITY action"), text)
    self.assertIn("NameNode nn1.example.com:8020 unreachable", text)

  def test_faulty_without_cluster_details_falls_back_to_configured_names(self):
    self.serve({"controller": {"active": True}, "primaryFaulty": True, "clusters": []})
    state, text = self.run_alert(overrides={"tandem-site/tandem.primary.name": "east",
                                            "tandem-site/tandem.secondary.name": "west"})
    self.assertEqual("CRITICAL", state)
    self.assertEqual("primary cluster east is faulty since an unknown time: confirm the switch with "
                     "`tandem identity switch --to west --confirm` or the SWITCH_IDENTITY action", text)

  def test_no_verdict_yet_is_unknown(self):
    status = harness.status_fixture("healthy")
    del status["primaryFaulty"]
    self.serve(status)
    state, text = self.run_alert()
    self.assertEqual("UNKNOWN", state)
    self.assertIn("primaryFaulty", text)


class RpoAlert(AlertCase):
  alert_file = "alert_rpo.py"

  def test_all_within_rpo_is_ok(self):
    self.serve("healthy")
    state, text = self.run_alert()
    self.assertEqual("OK", state)
    self.assertIn("billing: newest complete cut is 5m 00s old (RPO 2h 00m 00s)", text)

  def test_breach_is_critical_naming_service_and_age(self):
    self.serve("troubled")
    state, text = self.run_alert()
    self.assertEqual("CRITICAL", state)
    self.assertIn("billing: newest complete cut is 3h 05m 00s old, over its RPO of 2h 00m 00s", text)
    self.assertIn("audit: newest complete cut is 50m 00s old, 83% of its RPO", text)
    self.assertNotIn("crm", text, "services within their RPO are not listed when something is wrong")

  def test_warning_fraction_comes_from_tandem_site(self):
    status = harness.status_fixture("troubled")
    status["services"] = [s for s in status["services"] if s["service"] == "audit"]
    self.serve(status)
    self.assertEqual("WARNING", self.run_alert()[0])
    self.assertEqual("OK", self.run_alert(overrides={"tandem-site/tandem.rpo.warning.fraction": "0.9"})[0])
    state, text = self.run_alert(overrides={"tandem-site/tandem.rpo.warning.fraction": "most"})
    self.assertEqual("UNKNOWN", state)
    self.assertIn("tandem.rpo.warning.fraction", text)

  def test_no_complete_cut_yet_is_unknown_for_that_service(self):
    status = harness.status_fixture("healthy")
    status["services"][0]["newestCompleteAgeSeconds"] = None
    self.serve(status)
    state, text = self.run_alert()
    self.assertEqual("UNKNOWN", state)
    self.assertIn("billing: no complete cut yet", text)

  def test_service_without_rpo_is_ok(self):
    status = harness.status_fixture("healthy")
    for service in status["services"]:
      service["rpoSeconds"] = None
    self.serve(status)
    self.assertEqual(("OK", "billing: no RPO set; audit: no RPO set"), self.run_alert())

  def test_no_policies_is_ok(self):
    self.serve("no_policies")
    self.assertEqual(("OK", "no backup policies are defined"), self.run_alert())


class LastCutFailedAlert(AlertCase):
  alert_file = "alert_last_cut_failed.py"

  def test_completed_cuts_are_ok(self):
    self.serve("healthy")
    state, text = self.run_alert()
    self.assertEqual("OK", state)
    self.assertIn("billing: last cut billing-20261125T120000000Z is COMPLETE", text)

  def test_failed_cut_is_critical_with_service_cut_and_reason(self):
    self.serve("troubled")
    state, text = self.run_alert()
    self.assertEqual("CRITICAL", state)
    self.assertIn("billing: last cut billing-20261125T110000000Z FAILED at 2026-11-25T11:00:02Z: "
                  "service billing: table billing:orders does not exist on prod-a cluster", text)
    self.assertIn("RUN_BACKUP_NOW", text)
    self.assertNotIn("audit", text, "ABORTED cuts are the fence alert's business")

  def test_no_cut_yet_is_ok(self):
    status = harness.status_fixture("healthy")
    for service in status["services"]:
      service["lastCut"] = None
    self.serve(status)
    self.assertEqual(("OK", "no cut has run yet"), self.run_alert())

  def test_cut_without_state_is_unknown(self):
    status = harness.status_fixture("healthy")
    del status["services"][0]["lastCut"]["state"]
    self.serve(status)
    state, text = self.run_alert()
    self.assertEqual("UNKNOWN", state)
    self.assertIn("state of cut billing-20261125T120000000Z", text)


class DrillAlert(AlertCase):
  alert_file = "alert_drill.py"

  def test_recent_passed_drills_are_ok(self):
    self.serve("healthy")
    state, text = self.run_alert()
    self.assertEqual("OK", state, text)
    self.assertIn("billing: last restore drill drill-20261125T120500000Z PASSED, 55m 00s ago", text)

  def test_failed_drill_is_critical_naming_cut_and_object(self):
    self.serve("troubled")
    state, text = self.run_alert()
    self.assertEqual("CRITICAL", state, text)
    self.assertIn("billing: restore drill drill-20261125T103000000Z of cut billing-20261125T095500000Z FAILED: "
                  "table billing:orders restored from dr-b differs", text)
    self.assertIn("tandem drill run billing", text)
    self.assertIn("audit: last restore drill drill-20261122T120000000Z (PASSED) started 73h 00m 00s ago, over "
                  "48h 00m 00s", text)
    self.assertNotIn("crm", text, "a service not drilled is OK and not listed when something is wrong")

  def test_old_drill_is_a_warning_at_twice_the_interval_or_the_parameter(self):
    status = harness.status_fixture("troubled")
    status["services"] = [s for s in status["services"] if s["service"] == "audit"]
    self.serve(status)
    self.assertEqual("WARNING", self.run_alert()[0])
    self.assertEqual("OK", self.run_alert(parameters={"connection.timeout": 2.0, "drill.max.age.hours": 100})[0])
    state, text = self.run_alert(parameters={"connection.timeout": 2.0, "drill.max.age.hours": "weekly"})
    self.assertEqual("UNKNOWN", state)
    self.assertIn("drill.max.age.hours", text)

  def test_drills_off_is_ok_and_says_so(self):
    status = harness.status_fixture("healthy")
    for service in status["services"]:
      service["drill"] = {"intervalHours": 0, "last": None}
    self.serve(status)
    state, text = self.run_alert()
    self.assertEqual("OK", state)
    self.assertIn("billing: restore drills are off", text)
    self.assertNotIn("UNKNOWN", text)

  def test_drilled_service_without_a_drill_yet_is_ok(self):
    self.serve("primary_faulty")
    self.assertEqual(("OK", "billing: no restore drill yet; the first runs after its first complete cut"),
                     self.run_alert())

  def test_no_policies_is_ok(self):
    self.serve("no_policies")
    self.assertEqual(("OK", "no backup policies are defined"), self.run_alert())

  def test_drill_without_state_is_unknown(self):
    status = harness.status_fixture("healthy")
    del status["services"][0]["drill"]["last"]["state"]
    self.serve(status)
    state, text = self.run_alert()
    self.assertEqual("UNKNOWN", state)
    self.assertIn("state of drill drill-20261125T120500000Z", text)


class FenceAlert(AlertCase):
  alert_file = "alert_fence.py"

  def test_short_fences_are_ok(self):
    self.serve("healthy")
    state, text = self.run_alert()
    self.assertEqual("OK", state)
    self.assertIn("billing: cut billing-20261125T120000000Z held writes for 120 ms", text)

  def test_aborted_cut_is_critical(self):
    self.serve("troubled")
    state, text = self.run_alert()
    self.assertEqual("CRITICAL", state)
    self.assertIn("audit: cut audit-20261125T120000000Z was ABORTED by its write fence (cut "
                  "audit-20261125T120000000Z was aborted by its write fence on primary cluster prod-a: "
                  "rs3.example.com,16020,1764057600000: lease of 30000 ms expired before the cut was done", text)
    self.assertIn("check the logs of the RegionServers it names", text)
    self.assertIn("crm: cut crm-20261125T000000000Z held writes for 2500 ms (alert above 2000 ms)", text)

  def test_long_fence_is_a_warning_at_the_configured_threshold(self):
    status = harness.status_fixture("healthy")
    status["services"][1]["lastCut"]["fenceWindowMs"] = 2500
    self.serve(status)
    state, text = self.run_alert()
    self.assertEqual("WARNING", state)
    self.assertEqual("audit: cut audit-20261125T020000000Z held writes for 2500 ms (alert above 2000 ms)", text)
    self.assertEqual("OK", self.run_alert(overrides={"tandem-site/tandem.fence.alert.ms": "3000"})[0])

  def test_fence_longer_than_its_lease_is_critical(self):
    status = harness.status_fixture("healthy")
    status["services"][0]["lastCut"]["fenceWindowMs"] = 45000
    self.serve(status)
    state, text = self.run_alert()
    self.assertEqual("CRITICAL", state)
    self.assertIn("longer than the 30000 ms fence lease", text)

  def test_unmeasured_window_is_ignored(self):
    status = harness.status_fixture("healthy")
    for service in status["services"]:
      service["lastCut"]["fenceWindowMs"] = None
    self.serve(status)
    self.assertEqual(("OK", "no fenced cut has run yet"), self.run_alert())


class ClockSkewAlert(AlertCase):
  alert_file = "alert_clock_skew.py"

  def test_small_skew_is_ok(self):
    self.serve("healthy")
    self.assertEqual(("OK", "cluster prod-a: 4 ms; cluster dr-b: -7 ms"), self.run_alert())

  def test_skew_over_the_maximum_is_critical(self):
    self.serve("troubled")
    state, text = self.run_alert()
    self.assertEqual("CRITICAL", state)
    self.assertIn("cluster prod-a's clock is 812 ms off the controller's, more than tandem.clock.max-skew.ms "
                  "(500 ms): cuts are refused", text)
    self.assertIn("cluster dr-b's clock is 450 ms off the controller's, 90% of the 500 ms limit", text)

  def test_warning_share_is_an_alert_parameter(self):
    status = harness.status_fixture("troubled")
    status["clusters"][0]["skewMs"] = 10
    self.serve(status)
    self.assertEqual("WARNING", self.run_alert()[0])
    self.assertEqual("OK", self.run_alert(parameters={"skew.warning.percent": "95"})[0])
    self.assertEqual("CRITICAL", self.run_alert(overrides={"tandem-site/tandem.clock.max-skew.ms": "400"})[0])

  def test_unmeasured_skew_is_unknown(self):
    self.serve("primary_faulty")
    state, text = self.run_alert()
    self.assertEqual("UNKNOWN", state)
    self.assertIn("cluster prod-a: clock skew not measured yet", text)

  def test_no_clusters_is_unknown(self):
    status = harness.status_fixture("healthy")
    status["clusters"] = []
    self.serve(status)
    self.assertEqual(("UNKNOWN", "the controller reports no clusters yet"), self.run_alert())


class SecondaryCapacityAlert(AlertCase):
  alert_file = "alert_secondary_capacity.py"

  def test_plenty_of_space_is_ok(self):
    self.serve("healthy")
    self.assertEqual(("OK", "secondary cluster dr-b has 10.0 TB free; the next cut needs about 50.0 GB"),
                     self.run_alert())

  def test_next_cut_not_fitting_is_critical(self):
    self.serve("troubled")
    state, text = self.run_alert()
    self.assertEqual("CRITICAL", state)
    self.assertTrue(text.startswith("secondary cluster dr-b has 1.0 GB free but the next cut needs about 4.5 GB"), text)

  def test_little_headroom_is_a_warning(self):
    status = harness.status_fixture("healthy")
    status["secondaryCapacity"] = {"freeBytes": 3 * 1024 ** 3, "nextCutEstimateBytes": 2 * 1024 ** 3}
    self.serve(status)
    state, text = self.run_alert()
    self.assertEqual("WARNING", state)
    self.assertIn("only 1.5 times the next cut's 2.0 GB", text)
    self.assertEqual("OK", self.run_alert(parameters={"capacity.warning.multiplier": 1.2})[0])

  def test_nothing_to_estimate_is_ok(self):
    self.serve("no_policies")
    self.assertEqual("OK", self.run_alert()[0])

  def test_free_space_unknown_is_unknown(self):
    status = harness.status_fixture("healthy")
    status["secondaryCapacity"] = {"freeBytes": None, "nextCutEstimateBytes": 5}
    self.serve(status)
    state, text = self.run_alert()
    self.assertEqual("UNKNOWN", state)
    self.assertIn("freeBytes", text)


class StatusClientFormatting(unittest.TestCase):

  def setUp(self):
    harness.load_alert("alert_rpo.py")
    import tandem_status_client
    self.client = tandem_status_client

  def test_duration(self):
    self.assertEqual("45s", self.client.duration(45))
    self.assertEqual("2m 05s", self.client.duration(125))
    self.assertEqual("26h 00m 01s", self.client.duration(93601))

  def test_size(self):
    self.assertEqual("512 B", self.client.size(512))
    self.assertEqual("1.5 KB", self.client.size(1536))
    self.assertEqual("2048.0 TB", self.client.size(2 * 1024 ** 5))

  def test_worst_orders_critical_warning_unknown_ok(self):
    c = self.client
    self.assertEqual((c.CRITICAL, "a; c"), c.worst([(c.CRITICAL, "a"), (c.OK, "b"), (c.UNKNOWN, "c")]))
    self.assertEqual((c.UNKNOWN, "c"), c.worst([(c.OK, "b"), (c.UNKNOWN, "c")]))
    self.assertEqual((c.OK, "b; d"), c.worst([(c.OK, "b"), (c.OK, "d")]))

  def test_status_of_recorded_fixtures_is_valid_json(self):
    for name in ("healthy", "primary_faulty", "troubled", "starting", "standby", "no_policies"):
      json.dumps(harness.status_fixture(name))


if __name__ == "__main__":
  unittest.main()
