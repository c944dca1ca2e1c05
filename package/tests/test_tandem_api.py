"""The scripts' REST client against a real HTTP server: answers, errors and finding the active controller."""
import os
import tempfile
import unittest

from package.tests import harness
from package.tests.harness import FakeController

import tandem_api
from tandem_api import ControllerError


class Call(unittest.TestCase):

  def setUp(self):
    self.controller = FakeController().start()
    self.addCleanup(self.controller.stop)

  def test_get_parses_json(self):
    self.controller.on("GET", "/api/v1/health", {"status": "UP", "active": True})
    self.assertEqual((200, {"status": "UP", "active": True}),
                     tandem_api.call(self.controller.url, "GET", "/api/v1/health"))

  def test_body_is_sent_as_json(self):
    self.controller.on("PUT", "/api/v1/policies/billing", {"ok": True})
    tandem_api.call(self.controller.url + "/", "PUT", "/api/v1/policies/billing", {"service": "billing"})
    self.assertEqual([("PUT", "/api/v1/policies/billing", {"service": "billing"})], self.controller.requests)

  def test_every_call_names_the_configured_user(self):
    self.addCleanup(tandem_api.configure, "tandem")
    tandem_api.configure("svc_tandem")
    self.controller.on("POST", "/api/v1/backups/billing/run", {"cutId": "billing-20261201T000000000Z"})
    self.controller.on("PUT", "/api/v1/policies/billing", {"ok": True})
    self.controller.on("GET", "/api/v1/policies", [])
    tandem_api.run_backup(self.controller.url, "billing")
    tandem_api.call(self.controller.url, "PUT", "/api/v1/policies/billing", {"service": "billing"})
    tandem_api.policy_services(self.controller.url)
    self.assertEqual(["svc_tandem"] * 3, self.controller.users)

  def test_a_refusal_names_the_status(self):
    # The controller refuses a caller outside tandem.admin.acl with 403 and the user and key in one line.
    self.controller.on("DELETE", "/api/v1/policies/billing",
                       {"error": "user tandem may not DELETE /api/v1/policies/billing: not in tandem.admin.acl"}, status=403)
    with self.assertRaises(ControllerError) as caught:
      tandem_api.call(self.controller.url, "DELETE", "/api/v1/policies/billing")
    self.assertEqual(403, caught.exception.status)
    self.assertIn("tandem.admin.acl", str(caught.exception))

  def test_accepted_and_empty_bodies(self):
    self.controller.on("DELETE", "/api/v1/policies/billing", None, status=204, raw=b"")
    self.assertEqual((204, None), tandem_api.call(self.controller.url, "DELETE", "/api/v1/policies/billing"))

  def test_error_json_becomes_the_message(self):
    self.controller.on("GET", "/api/v1/policies/nope", {"error": "policy nope does not exist; create it with PUT"},
                       status=404)
    with self.assertRaises(ControllerError) as caught:
      tandem_api.get(self.controller.url, "/api/v1/policies/nope")
    self.assertEqual(404, caught.exception.status)
    self.assertIn("answered HTTP 404: policy nope does not exist; create it with PUT", str(caught.exception))

  def test_error_without_json(self):
    self.controller.on("GET", "/x", raw=b"Internal Server Error", status=500)
    with self.assertRaises(ControllerError) as caught:
      tandem_api.get(self.controller.url, "/x")
    self.assertIn("HTTP 500: Internal Server Error", str(caught.exception))

  def test_body_that_is_not_json(self):
    self.controller.on("GET", "/x", raw=b"<html>")
    with self.assertRaises(ControllerError) as caught:
      tandem_api.get(self.controller.url, "/x")
    self.assertIn("not JSON", str(caught.exception))

  def test_connection_refused_names_the_url_and_the_fix(self):
    url = "http://127.0.0.1:{0}".format(harness.closed_port())
    with self.assertRaises(ControllerError) as caught:
      tandem_api.get(url, "/api/v1/health")
    self.assertIn("cannot reach the Tandem controller at " + url + "/api/v1/health", str(caught.exception))
    self.assertIn("tandem.controller.http.port", str(caught.exception))

  def test_timeout(self):
    self.controller.on("GET", "/slow", {"x": 1}, delay=2.0)
    with self.assertRaises(ControllerError):
      tandem_api.get(self.controller.url, "/slow", timeout=0.2)

  def test_service_names_are_quoted_in_paths(self):
    self.controller.on("POST", "/api/v1/backups/a%2Fb%20c/run", {"cutId": "c1"}, status=202)
    self.assertEqual("c1", tandem_api.run_backup(self.controller.url, "a/b c"))

  def test_run_backup_without_cut_id(self):
    self.controller.on("POST", "/api/v1/backups/billing/run", {"accepted": True}, status=202)
    with self.assertRaises(ControllerError):
      tandem_api.run_backup(self.controller.url, "billing")

  def test_policy_services(self):
    self.controller.on("GET", "/api/v1/policies", [{"service": "billing"}, {"nope": 1}, "x", {"service": "audit"}])
    self.assertEqual(["billing", "audit"], tandem_api.policy_services(self.controller.url))
    self.controller.on("GET", "/api/v1/policies", {"policies": []})
    with self.assertRaises(ControllerError):
      tandem_api.policy_services(self.controller.url)

  def test_cut_needs_a_state(self):
    self.controller.on("GET", "/api/v1/backups/billing/c1", {"id": "c1"})
    with self.assertRaises(ControllerError):
      tandem_api.cut(self.controller.url, "billing", "c1")
    self.controller.on("GET", "/api/v1/backups/billing/c1", {"id": "c1", "state": "RUNNING"})
    self.assertEqual("RUNNING", tandem_api.cut(self.controller.url, "billing", "c1")["state"])


class FindActiveController(unittest.TestCase):

  def setUp(self):
    self.servers = [FakeController().start() for _ in range(3)]
    for server in self.servers:
      self.addCleanup(server.stop)

  def test_skips_unreachable_and_standby_controllers(self):
    down = "http://127.0.0.1:{0}".format(harness.closed_port())
    standby, active, other = self.servers
    standby.on("GET", "/api/v1/health", {"status": "UP", "active": False})
    active.on("GET", "/api/v1/health", {"status": "UP", "active": True})
    other.on("GET", "/api/v1/health", {"status": "UP", "active": True})
    self.assertEqual(active.url, tandem_api.find_active_controller([down, standby.url, active.url, other.url]))

  def test_none_active_lists_what_each_said(self):
    starting, standby, broken = self.servers
    starting.on("GET", "/api/v1/health", {"status": "STARTING"})
    standby.on("GET", "/api/v1/health", {"status": "UP", "active": False})
    broken.on("GET", "/api/v1/health", {"error": "boom"}, status=500)
    with self.assertRaises(ControllerError) as caught:
      tandem_api.find_active_controller([starting.url, standby.url, broken.url])
    message = str(caught.exception)
    self.assertIn(starting.url + " is STARTING", message)
    self.assertIn(standby.url + " is UP (standby)", message)
    self.assertIn("HTTP 500: boom", message)

  def test_no_hosts(self):
    with self.assertRaises(ControllerError) as caught:
      tandem_api.find_active_controller([])
    self.assertIn("add a Tandem Controller", str(caught.exception))


if __name__ == "__main__":
  unittest.main()


class KerberosCall(unittest.TestCase):
  """Kerberos mode: kinit from the keytab into a private cache, then curl --negotiate with both headers.

  kinit and curl are stand-ins on PATH that record what they were given (no KDC here); ApiSpnegoIT
  tests the controller's side against a real one.
  """

  def setUp(self):
    import json
    import os
    import sys
    import tempfile
    self.dir = tempfile.mkdtemp(prefix="tandem-krb-")
    self.log = os.path.join(self.dir, "calls.jsonl")
    for name, answer in (("kinit", ""), ("curl", '{"cutId": "billing-20261201T000000000Z"}\n202')):
      path = os.path.join(self.dir, name)
      with open(path, "w") as script:
        script.write("#!{0}\nimport json, os, sys\n"
                     "open({1!r}, 'a').write(json.dumps([sys.argv[0].rsplit('/', 1)[-1], sys.argv[1:], "
                     "os.environ.get('KRB5CCNAME')]) + '\\n')\n"
                     "sys.stdout.write({2!r})\n".format(sys.executable, self.log, answer))
      os.chmod(path, 0o755)
    self.old_path = os.environ["PATH"]
    os.environ["PATH"] = self.dir + os.pathsep + self.old_path
    self.addCleanup(os.environ.__setitem__, "PATH", self.old_path)
    self.addCleanup(tandem_api.configure, "tandem")
    tandem_api.configure("tandem", kerberos=True, principal="tandem/ctl1@EXAMPLE.COM",
                         keytab="/etc/security/keytabs/tandem.service.keytab", kinit=os.path.join(self.dir, "kinit"))
    self.json = json

  def calls(self):
    with open(self.log) as f:
      return [self.json.loads(line) for line in f]

  def test_a_post_with_a_body_negotiates_with_both_headers(self):
    status, answer = tandem_api.call("http://ctl1:21880", "POST", "/api/v1/identity/switch", {"to": "secondary"})
    self.assertEqual((202, {"cutId": "billing-20261201T000000000Z"}), (status, answer))
    (kinit, kinit_args, kinit_cache), (curl, curl_args, curl_cache) = self.calls()
    self.assertEqual(["-kt", "/etc/security/keytabs/tandem.service.keytab", "tandem/ctl1@EXAMPLE.COM"], kinit_args)
    self.assertTrue(kinit_cache.startswith("FILE:") and kinit_cache == curl_cache, "one private ticket cache")
    self.assertIn("--negotiate", curl_args)
    self.assertIn("X-XSRF-HEADER: ambari", curl_args)
    self.assertIn("Content-Type: application/json", curl_args)
    self.assertEqual('{"to": "secondary"}', curl_args[curl_args.index("--data-binary") + 1])
    self.assertEqual("http://ctl1:21880/api/v1/identity/switch", curl_args[-1], "no user.name in kerberos mode")


class Https(unittest.TestCase):
  """tandem.controller.http.policy=HTTPS_ONLY: the scripts check the certificate against the configured CA."""

  def setUp(self):
    self.controller, self.cert = harness.https_controller(self)
    self.controller.on("GET", "/api/v1/status", {"services": []})
    self.addCleanup(tandem_api.configure, "tandem")

  def test_the_policy_picks_the_scheme(self):
    self.assertEqual("https://c1:8765", tandem_api.controller_url("c1", 8765, " https_only "))
    self.assertEqual("http://c1:8765", tandem_api.controller_url("c1", 8765, "HTTP_ONLY"))
    self.assertEqual("http://c1:8765", tandem_api.controller_url("c1", 8765))

  def test_a_call_trusts_the_configured_ca(self):
    tandem_api.configure("tandem", cafile=self.cert)
    self.assertTrue(self.controller.url.startswith("https://"))
    self.assertEqual((200, {"services": []}), tandem_api.call(self.controller.url, "GET", "/api/v1/status"))
    self.assertEqual(["tandem"], self.controller.users)

  def test_an_untrusted_certificate_is_refused_naming_the_setting(self):
    tandem_api.configure("tandem")
    with self.assertRaises(ControllerError) as caught:
      tandem_api.call(self.controller.url, "GET", "/api/v1/status")
    self.assertIn("tandem.controller.ssl.ca.file", str(caught.exception))
    self.assertEqual([], self.controller.requests, "nothing was sent to a server the scripts do not trust")

  def test_an_unreadable_ca_file_is_named(self):
    missing = os.path.join(tempfile.gettempdir(), "no-such-ca.pem")
    tandem_api.configure("tandem", cafile=missing)
    with self.assertRaises(ControllerError) as caught:
      tandem_api.call(self.controller.url, "GET", "/api/v1/status")
    self.assertIn(missing, str(caught.exception))
