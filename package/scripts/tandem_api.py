"""
The agent scripts' client of the Tandem controller's REST API (JSON in and out).

Every failure is a ControllerError whose message names the URL and what to do, so the scripts
turn it into an Ambari Fail unchanged. No resource_management import: this module is plain
Python and is tested against a real HTTP server.

Every call authenticates as configure() said (docs/security.md): in simple mode it adds
user.name=<the service user>; in kerberos mode it runs curl --negotiate with a ticket kinit'd from
the controller's keytab into a private cache (Ambari's curl_krb_request sends one header only, and
the API needs two on a body: X-XSRF-HEADER and Content-Type). Every call carries X-XSRF-HEADER,
which the API requires on anything that changes state.

Written to run on Python 3 (Ambari 3.0) and on Python 2.7 (Ambari 2.7).
"""
import json
import os
import socket
import ssl
import subprocess
import tempfile

try:
  from urllib.request import Request, urlopen
  from urllib.error import HTTPError, URLError
  from urllib.parse import quote
except ImportError:  # Python 2.7
  from urllib2 import Request, urlopen, HTTPError, URLError  # noqa: F401
  from urllib import quote  # noqa: F401

HEALTH = "/api/v1/health"
STATUS = "/api/v1/status"
POLICIES = "/api/v1/policies"
CONFIG_RELOAD = "/api/v1/config/reload"
TERMINAL_CUT_STATES = ("COMPLETE", "FAILED", "ABORTED")
CSRF_HEADER = "X-XSRF-HEADER"

# Who the scripts are to the API; set by configure() from params.
_AUTH = {"user": "tandem", "principal": None, "keytab": None, "kinit": "kinit", "cafile": None}


def configure(user, kerberos=False, principal=None, keytab=None, kinit="kinit", cafile=None):
  """Simple mode: calls carry user.name=user. Kerberos: SPNEGO as principal (from keytab).
  HTTPS calls trust the CA in cafile (PEM, tandem.controller.ssl.ca.file), else the host's CA bundle."""
  _AUTH.update({"user": user, "principal": principal if kerberos else None, "keytab": keytab, "kinit": kinit or "kinit",
                "cafile": cafile or None})


def scheme(policy):
  """http or https, by tandem.controller.http.policy (HTTP_ONLY or HTTPS_ONLY)."""
  return "https" if str(policy or "").strip().upper() == "HTTPS_ONLY" else "http"


def tls_context(url):
  """The certificate check of an https URL (the configured CA, else the host's); None for http."""
  if not url.startswith("https:"):
    return None
  try:
    return ssl.create_default_context(cafile=_AUTH["cafile"])
  except (IOError, OSError, ssl.SSLError) as error:
    raise ControllerError("tandem.controller.ssl.ca.file {0} cannot be read as a PEM CA certificate ({1}); fix it in "
                          "Ambari".format(_AUTH["cafile"], error))


class ControllerError(Exception):
  """The controller could not be reached or refused the request; the message says which and why."""

  def __init__(self, message, status=None):
    Exception.__init__(self, message)
    self.status = status


def controller_url(host, port, policy="HTTP_ONLY"):
  return "{0}://{1}:{2}".format(scheme(policy), host, port)


def call(base_url, method, path, body=None, timeout=10.0):
  """Sends one request and returns (HTTP status, parsed JSON body or None)."""
  url = base_url.rstrip("/") + path
  if _AUTH["principal"]:
    return _negotiate(url, method, body, timeout)
  url += ("&" if "?" in url else "?") + "user.name=" + quote(_AUTH["user"] or "tandem", safe="")
  data = None
  headers = {"Accept": "application/json", CSRF_HEADER: "ambari"}
  if body is not None:
    data = json.dumps(body).encode("utf-8")
    headers["Content-Type"] = "application/json"
  request = Request(url, data=data, headers=headers)
  request.get_method = lambda: method
  context = tls_context(url)
  try:
    response = urlopen(request, timeout=timeout, context=context) if context else urlopen(request, timeout=timeout)
    try:
      status, raw = response.getcode(), response.read()
    finally:
      response.close()
  except HTTPError as error:
    raw = error.read()
    raise ControllerError("{0} {1} answered HTTP {2}: {3}".format(method, url, error.code, _error_text(raw)),
                          status=error.code)
  except (URLError, socket.timeout, socket.error, IOError) as error:
    reason = getattr(error, "reason", error)
    if "CERTIFICATE" in str(reason).upper():
      raise ControllerError("the Tandem controller at {0} has a certificate this host does not trust ({1}); set "
                            "tandem.controller.ssl.ca.file to the CA that signed it".format(url, reason))
    raise ControllerError("cannot reach the Tandem controller at {0} ({1}); check that TANDEM_CONTROLLER is "
                          "started and that tandem.controller.http.port is right".format(url, reason))
  if not raw or not raw.strip():
    return status, None
  try:
    return status, json.loads(raw.decode("utf-8"))
  except ValueError:
    raise ControllerError("{0} {1} answered with a body that is not JSON: {2!r}".format(method, url, raw[:200]))


def _negotiate(url, method, body, timeout):
  """One call with SPNEGO through curl, the ticket kinit'd from the keytab into this process's own cache."""
  env = dict(os.environ, KRB5CCNAME="FILE:" + os.path.join(tempfile.gettempdir(), "tandem-api-krb5cc-{0}".format(os.getpid())))
  command = ["curl", "-s", "--negotiate", "-u", ":", "-X", method, "-H", "Accept: application/json",
             "-H", CSRF_HEADER + ": ambari", "--max-time", str(int(timeout) + 1), "-w", "\n%{http_code}", url]
  if body is not None:
    command[-3:-3] = ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
  if url.startswith("https:") and _AUTH["cafile"]:
    command[-3:-3] = ["--cacert", _AUTH["cafile"]]
  try:
    subprocess.check_output([_AUTH["kinit"], "-kt", _AUTH["keytab"], _AUTH["principal"]], env=env, stderr=subprocess.STDOUT)
    out = subprocess.check_output(command, env=env)
  except (OSError, subprocess.CalledProcessError) as error:
    raise ControllerError("cannot call the Tandem controller at {0} with Kerberos as {1} ({2}); check "
                          "tandem.kerberos.principal and tandem.kerberos.keytab".format(url, _AUTH["principal"], error))
  raw, _, code = out.rpartition(b"\n")
  status = int(code.strip()) if code.strip().isdigit() else 0
  if status >= 400 or status == 0:
    raise ControllerError("{0} {1} answered HTTP {2}: {3}".format(method, url, status, _error_text(raw)), status=status)
  if not raw.strip():
    return status, None
  try:
    return status, json.loads(raw.decode("utf-8"))
  except ValueError:
    raise ControllerError("{0} {1} answered with a body that is not JSON: {2!r}".format(method, url, raw[:200]))


def _error_text(raw):
  try:
    return json.loads(raw.decode("utf-8"))["error"]
  except Exception:
    text = raw.decode("utf-8", "replace").strip() if raw else ""
    return text[:300] or "(no body)"


def get(base_url, path, timeout=10.0):
  return call(base_url, "GET", path, timeout=timeout)[1]


def find_active_controller(base_urls, timeout=10.0):
  """The first controller whose health says UP and active; the other controllers are standbys."""
  if not base_urls:
    raise ControllerError("no TANDEM_CONTROLLER host is known to Ambari; add a Tandem Controller to the cluster")
  findings = []
  for base_url in base_urls:
    try:
      health = get(base_url, HEALTH, timeout) or {}
    except ControllerError as error:
      findings.append(str(error))
      continue
    if health.get("status") == "UP" and health.get("active") is True:
      return base_url
    findings.append("{0} is {1}{2}".format(base_url, health.get("status", "in an unknown state"),
                                           " (standby)" if health.get("active") is False else ""))
  raise ControllerError("no active Tandem controller: " + "; ".join(findings))


def run_backup(base_url, service, timeout=10.0):
  """Starts a cut of one policy now; returns its cut id."""
  answer = call(base_url, "POST", "/api/v1/backups/{0}/run".format(quote(service, safe="")), timeout=timeout)[1]
  if not isinstance(answer, dict) or not answer.get("cutId"):
    raise ControllerError("the controller accepted the backup of {0} but returned no cutId: {1!r}".format(service, answer))
  return answer["cutId"]


def policy_services(base_url, timeout=10.0):
  policies = get(base_url, POLICIES, timeout)
  if not isinstance(policies, list):
    raise ControllerError("GET {0}{1} did not return a list of policies: {2!r}".format(base_url, POLICIES, policies))
  return [p["service"] for p in policies if isinstance(p, dict) and p.get("service")]


def cut(base_url, service, cut_id, timeout=10.0):
  manifest = get(base_url, "/api/v1/backups/{0}/{1}".format(quote(service, safe=""), quote(cut_id, safe="")), timeout)
  if not isinstance(manifest, dict) or "state" not in manifest:
    raise ControllerError("the manifest of cut {0} of {1} has no state: {2!r}".format(cut_id, service, manifest))
  return manifest


def reload_config(base_url, timeout=90.0):
  """Makes that controller re-read its tandem-site.xml and apply the declared policies; returns its report.

  A set with an invalid policy is refused as a whole (HTTP 400) and raises ControllerError whose
  message names every rejected policy and why.
  """
  report = call(base_url, "POST", CONFIG_RELOAD, timeout=timeout)[1]
  if not isinstance(report, dict):
    raise ControllerError("POST {0}{1} did not return a reload report: {2!r}".format(base_url, CONFIG_RELOAD, report))
  return report
