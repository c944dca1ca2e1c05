"""
What every Tandem alert shares: read the controller's GET /api/v1/status on this host with a
short timeout and turn it into an alert result.

The contract with the agent: an alert returns (state, [text]) fast and never raises. Every
failure (connection refused, timeout, HTTP error, a body that is not JSON, a missing or wrongly
typed field) becomes UNKNOWN with a text that says what is wrong and where. A standby
controller reports OK and leaves the reporting to the active one, so each problem is raised
once. The agent loads alert scripts with imp.load_source, so each alert puts this directory
on sys.path before importing this module; its name is prefixed to keep it apart from other
services' modules in the agent's one process (which caches it: restart the agent after
replacing the management pack).

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
except ImportError:  # Python 2.7
  from urllib2 import Request, urlopen, HTTPError, URLError

OK = "OK"
WARNING = "WARNING"
CRITICAL = "CRITICAL"
UNKNOWN = "UNKNOWN"
SEVERITY = {OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3}

PORT_KEY = "{{tandem-site/tandem.controller.http.port}}"
BIND_HOST_KEY = "{{tandem-site/tandem.controller.http.bind-host}}"
# Who the alert is to the API (docs/security.md): in simple mode the service user as user.name, in
# kerberos mode the controller's own principal and keytab through SPNEGO (curl --negotiate).
USER_KEY = "{{tandem-env/tandem_user}}"
AUTH_KEY = "{{tandem-site/tandem.controller.http.authentication}}"
PRINCIPAL_KEY = "{{tandem-site/tandem.kerberos.principal}}"
KEYTAB_KEY = "{{tandem-site/tandem.kerberos.keytab}}"
POLICY_KEY = "{{tandem-site/tandem.controller.http.policy}}"
CA_FILE_KEY = "{{tandem-site/tandem.controller.ssl.ca.file}}"
DEFAULT_PORT = 21880
STATUS_PATH = "/api/v1/status"
TIMEOUT_PARAMETER = "connection.timeout"
DEFAULT_TIMEOUT = 5.0

try:
  STRING_TYPES = (str, unicode)  # noqa: F821  (Python 2.7)
  NUMBER_TYPES = (int, long, float)  # noqa: F821
except NameError:
  STRING_TYPES = (str,)
  NUMBER_TYPES = (int, float)


class StatusProblem(Exception):
  """The status cannot be judged; the message is the UNKNOWN text."""


def tokens(*extra):
  """The {{type/property}} keys every Tandem alert needs, plus its own."""
  return (PORT_KEY, BIND_HOST_KEY, USER_KEY, AUTH_KEY, PRINCIPAL_KEY, KEYTAB_KEY, POLICY_KEY, CA_FILE_KEY) + tuple(extra)


def number(mapping, key, default, what="value"):
  """A number from the configurations or parameters, or the default when it is absent or blank."""
  value = (mapping or {}).get(key)
  if value is None or (isinstance(value, STRING_TYPES) and not value.strip()):
    return float(default)
  try:
    return float(value)
  except (TypeError, ValueError):
    raise StatusProblem("{0} {1} is {2!r}, not a number; fix it in Ambari".format(what, key, value))


def status_url(configurations, host_name):
  configurations = configurations or {}
  port = configurations.get(PORT_KEY) or DEFAULT_PORT
  try:
    port = int(str(port).strip())
  except ValueError:
    raise StatusProblem("tandem.controller.http.port is {0!r}, not a port number".format(port))
  bind_host = str(configurations.get(BIND_HOST_KEY) or "").strip()
  host = host_name if bind_host in ("", "0.0.0.0", "::") else bind_host
  https = str(configurations.get(POLICY_KEY) or "").strip().upper() == "HTTPS_ONLY"
  url = "{0}://{1}:{2}{3}".format("https" if https else "http", host or "localhost", port, STATUS_PATH)
  if not kerberos(configurations):
    url += "?user.name=" + str(configurations.get(USER_KEY) or "tandem").strip()
  return url


def ca_file(configurations):
  """The PEM CA the alerts trust for an HTTPS_ONLY controller (tandem.controller.ssl.ca.file), or None."""
  return str((configurations or {}).get(CA_FILE_KEY) or "").strip() or None


def kerberos(configurations):
  return str((configurations or {}).get(AUTH_KEY) or "simple").strip().lower() == "kerberos"


def negotiate_get(url, timeout, configurations, host_name):
  """GET with SPNEGO: kinit from the controller's keytab into a private ticket cache, then curl --negotiate."""
  principal = str(configurations.get(PRINCIPAL_KEY) or "").replace("_HOST", (host_name or "").lower())
  keytab = str(configurations.get(KEYTAB_KEY) or "")
  if not principal or not keytab:
    raise StatusProblem("tandem.controller.http.authentication is kerberos but tandem.kerberos.principal or "
                        "tandem.kerberos.keytab is empty; the alert has no identity to call the API with")
  env = dict(os.environ, KRB5CCNAME="FILE:" + os.path.join(tempfile.gettempdir(), "tandem-alert-krb5cc-{0}".format(os.getuid())))
  try:
    subprocess.check_output(["kinit", "-kt", keytab, principal], env=env, stderr=subprocess.STDOUT)
    command = ["curl", "-s", "--negotiate", "-u", ":", "-H", "Accept: application/json",
               "--max-time", str(int(timeout) + 1), "-w", "\n%{http_code}", url]
    if url.startswith("https:") and ca_file(configurations):
      command[-3:-3] = ["--cacert", ca_file(configurations)]
    out = subprocess.check_output(command, env=env)
  except (OSError, subprocess.CalledProcessError) as error:
    raise StatusProblem("cannot call the Tandem controller at {0} with Kerberos ({1})".format(url, error))
  body, _, code = out.decode("utf-8", "replace").rpartition("\n")
  if code.strip() != "200":
    detail = ""
    try:
      detail = ": " + json.loads(body)["error"]
    except Exception:
      pass
    raise StatusProblem("the Tandem controller at {0} answered HTTP {1}{2}".format(url, code.strip(), detail))
  return body.encode("utf-8")


def fetch_status(url, timeout, configurations=None, host_name=None):
  """The parsed status JSON object; StatusProblem with an UNKNOWN text on any failure."""
  if kerberos(configurations):
    return _parse(url, negotiate_get(url, timeout, configurations, host_name))
  try:
    request = Request(url, headers={"Accept": "application/json"})
    if url.startswith("https:"):
      context = ssl.create_default_context(cafile=ca_file(configurations))
      response = urlopen(request, timeout=timeout, context=context)
    else:
      response = urlopen(request, timeout=timeout)
    try:
      raw = response.read()
    finally:
      response.close()
  except HTTPError as error:
    detail = ""
    try:
      detail = ": " + json.loads(error.read().decode("utf-8"))["error"]
    except Exception:
      pass
    raise StatusProblem("the Tandem controller at {0} answered HTTP {1}{2}".format(url, error.code, detail))
  except (URLError, socket.timeout, socket.error, IOError) as error:
    raise StatusProblem("cannot reach the Tandem controller at {0} ({1}); is TANDEM_CONTROLLER running on this host?".format(
      url, getattr(error, "reason", error)))
  return _parse(url, raw)


def _parse(url, raw):
  try:
    status = json.loads(raw.decode("utf-8"))
  except ValueError:
    raise StatusProblem("the Tandem controller at {0} returned a status that is not JSON: {1!r}".format(url, raw[:120]))
  if not isinstance(status, dict):
    raise StatusProblem("the Tandem controller at {0} returned a status that is not a JSON object".format(url))
  return status


def field(mapping, key, what, kinds=None):
  """mapping[key], or StatusProblem naming what is missing. kinds limits the accepted types."""
  if not isinstance(mapping, dict) or mapping.get(key) is None:
    raise StatusProblem("the controller's status has no {0} yet ({1})".format(what, key))
  value = mapping[key]
  if kinds is not None and (not isinstance(value, kinds) or isinstance(value, bool) and bool not in kinds):
    raise StatusProblem("the controller's status has {0} {1} = {2!r}, which is not a {3}".format(
      what, key, value, "/".join(k.__name__ for k in kinds)))
  return value


def optional_number(mapping, key, what):
  """mapping[key] as a float, None when absent or null; StatusProblem when it is not a number."""
  if not isinstance(mapping, dict) or mapping.get(key) is None:
    return None
  return float(field(mapping, key, what, NUMBER_TYPES))


def cluster_named(status, role):
  """The cluster entry with this role (PRIMARY or SECONDARY), or an empty dict."""
  for cluster in status.get("clusters") or []:
    if isinstance(cluster, dict) and cluster.get("role") == role:
      return cluster
  return {}


def services(status):
  """The per-service list (possibly empty); StatusProblem when the controller does not report it."""
  entries = field(status, "services", "list of services", (list,))
  return [entry for entry in entries if isinstance(entry, dict)]


def worst(findings):
  """(state, text) from a list of (state, text): the worst state and the non-OK texts first."""
  if not findings:
    return OK, ""
  findings = sorted(findings, key=lambda f: -SEVERITY[f[0]])
  state = findings[0][0]
  shown = [text for s, text in findings if s != OK] if state != OK else [text for _, text in findings]
  return state, "; ".join(shown)


def run_alert(configurations, parameters, host_name, evaluate):
  """Fetches the status and applies evaluate(status, configurations, parameters) -> (state, text).

  Never raises: any problem, expected or not, becomes UNKNOWN.
  """
  try:
    timeout = number(parameters, TIMEOUT_PARAMETER, DEFAULT_TIMEOUT, "alert parameter")
    url = status_url(configurations, host_name)
    status = fetch_status(url, timeout, configurations, host_name)
    controller = status.get("controller")
    if isinstance(controller, dict) and controller.get("active") is False:
      return OK, ["standby Tandem controller on {0}: the active controller ({1}) reports this alert".format(
        host_name, controller.get("host") or "elsewhere")]
    state, text = evaluate(status, configurations or {}, parameters or {})
    return state, [text]
  except StatusProblem as problem:
    return UNKNOWN, [str(problem)]
  except Exception as error:  # a status shape nobody foresaw must not break the agent
    return UNKNOWN, ["the Tandem alert could not judge the controller's status: {0}: {1}".format(
      type(error).__name__, error)]


def duration(seconds):
  """3725 -> '1h 02m 05s'."""
  seconds = int(round(seconds))
  hours, rest = divmod(seconds, 3600)
  minutes, secs = divmod(rest, 60)
  if hours:
    return "{0}h {1:02d}m {2:02d}s".format(hours, minutes, secs)
  if minutes:
    return "{0}m {1:02d}s".format(minutes, secs)
  return "{0}s".format(secs)


def size(num_bytes):
  """1536 -> '1.5 KB'."""
  value = float(num_bytes)
  for unit in ("B", "KB", "MB", "GB", "TB"):
    if abs(value) < 1024 or unit == "TB":
      return "{0:.0f} {1}".format(value, unit) if unit == "B" else "{0:.1f} {1}".format(value, unit)
    value /= 1024.0
