"""The alerts against a controller with tandem.controller.http.policy=HTTPS_ONLY (a real HTTPS server)."""
import unittest

from package.tests import harness


class AlertsOverHttps(unittest.TestCase):

  def setUp(self):
    self.controller, self.cert = harness.https_controller(self)
    self.controller.on("GET", "/api/v1/status", body=harness.status_fixture("healthy"))
    self.alert = harness.load_alert("alert_rpo.py")

  def run_alert(self, ca_file):
    values = {"tandem-site/tandem.controller.http.port": str(self.controller.port),
              "tandem-site/tandem.controller.http.bind-host": "localhost",
              "tandem-site/tandem.controller.http.policy": "HTTPS_ONLY",
              "tandem-site/tandem.controller.ssl.ca.file": ca_file}
    configurations = harness.alert_configurations(self.alert, values)
    return self.alert.execute(configurations, {"connection.timeout": 2.0}, "localhost")

  def test_the_alert_reads_the_status_over_https_trusting_the_configured_ca(self):
    state, texts = self.run_alert(self.cert)
    self.assertNotEqual("UNKNOWN", state, texts)
    self.assertEqual(1, len(self.controller.requests))

  def test_an_untrusted_certificate_is_unknown_and_says_why(self):
    state, texts = self.run_alert("")
    self.assertEqual("UNKNOWN", state)
    self.assertIn("https://localhost:", texts[0])
    self.assertEqual([], self.controller.requests)


if __name__ == "__main__":
  unittest.main()
