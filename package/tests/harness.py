"""
What the tests share: the repository's paths, the resource_management stand-in on sys.path,
Ambari-like command JSON built from the fixtures and the configuration XMLs' defaults, a way
to run one command of one script, a real HTTP server playing the controller, and a loader that
loads alert scripts the way the agent does.
"""
import copy
import hashlib
import importlib
import io
import importlib.util
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
METAINFO = os.path.join(REPO_ROOT, "metainfo")
PACKAGE = os.path.join(REPO_ROOT, "package")
SCRIPTS = os.path.join(PACKAGE, "scripts")
ALERTS = os.path.join(PACKAGE, "alerts")
TEMPLATES = os.path.join(PACKAGE, "templates")
STUBS = os.path.join(PACKAGE, "tests", "stubs")
FIXTURES = os.path.join(PACKAGE, "tests", "fixtures")

for _path in (SCRIPTS, STUBS):
  if _path not in sys.path:
    sys.path.insert(0, _path)

from resource_management.core.environment import Environment  # noqa: E402
from resource_management.core.logger import Logger  # noqa: E402
from resource_management.libraries.script.script import Script  # noqa: E402


# ---------------------------------------------------------------------------------------------
# Configurations and commands
# ---------------------------------------------------------------------------------------------

def stack_defaults():
  """{config type: {property: default value}} from metainfo/configuration/*.xml, as Ambari installs them."""
  defaults = {}
  directory = os.path.join(METAINFO, "configuration")
  for file_name in sorted(os.listdir(directory)):
    if file_name.endswith(".xml"):
      properties = {}
      for prop in ET.parse(os.path.join(directory, file_name)).getroot().findall("property"):
        properties[prop.findtext("name")] = prop.findtext("value") or ""
      defaults[file_name[:-len(".xml")]] = properties
  return defaults


def fixture(*parts):
  with open(os.path.join(FIXTURES, *parts)) as handle:
    return json.load(handle)


def _set_path(document, path, value):
  keys = [k for k in path.split("/") if k]
  for key in keys[:-1]:
    document = document.setdefault(key, {})
  document[keys[-1]] = value


def command(name, overrides=None, defaults=True):
  """A command JSON: fixtures/<name>.json with Tandem's configuration defaults filled in.

  overrides maps "type/property" (a configuration) or "/a/b" (any path) to a value.
  """
  config = fixture(name + ".json")
  configurations = config.setdefault("configurations", {})
  for config_type, properties in (stack_defaults().items() if defaults else ()):
    merged = dict(properties)
    merged.update(configurations.get(config_type, {}))
    configurations[config_type] = merged
  for key, value in (overrides or {}).items():
    if key.startswith("/"):
      _set_path(config, key, value)
    else:
      config_type, prop = key.split("/", 1)
      configurations.setdefault(config_type, {})[prop] = value
  return config


SERVER_JARS = ("tandem-hbase-coprocessor-0.1.0-SNAPSHOT.jar", "tandem-hdfs-extension-0.1.0-SNAPSHOT.jar")
CONTROLLER_JARS = ("tandem-ambari-service-0.1.0-SNAPSHOT.jar", "tandem-core-0.1.0-SNAPSHOT.jar",
                   "curator-framework-5.7.1.jar", "hadoop-mapreduce-client-common-3.3.5.jar")
CONTROLLER_ARCHIVE_PATH = "mpacks/tandem-ambari-mpack-0.1.0-SNAPSHOT/controller/tandem-controller-0.1.0-SNAPSHOT.tar.gz"


def _fake_jar(path, name):
  with open(path, "wb") as handle:
    handle.write(b"PK\x03\x04 " + name.encode())


def controller_archive(path, jars=CONTROLLER_JARS, extra=()):
  """A tandem-controller tarball like the build's: lib/<jar> for each jar (plus extra (name, bytes) entries)."""
  with tarfile.open(path, "w:gz") as tar:
    for name in jars:
      data = b"PK\x03\x04 " + name.encode()
      info = tarfile.TarInfo("lib/" + name)
      info.size = len(data)
      tar.addfile(info, io.BytesIO(data))
    for name, data in extra:
      info = tarfile.TarInfo(name)
      info.size = len(data)
      tar.addfile(info, io.BytesIO(data))
  with open(path, "rb") as handle:
    data = handle.read()
  return len(data), hashlib.sha256(data).hexdigest()


def package_dir(root, server_jars=SERVER_JARS, archive_info=None):
  """A package directory like the agent's cache: the real templates, files/server with these jars and
  files/controller-archive.json (archive_info, else one naming CONTROLLER_ARCHIVE_PATH without checksum)."""
  base = os.path.join(root, "package")
  shutil.copytree(TEMPLATES, os.path.join(base, "templates"))
  server = os.path.join(base, "files", "server")
  os.makedirs(server)
  for jar in server_jars:
    _fake_jar(os.path.join(server, jar), jar)
  write_archive_info(base, archive_info or {"name": os.path.basename(CONTROLLER_ARCHIVE_PATH),
                                            "path": CONTROLLER_ARCHIVE_PATH, "version": "0.1.0-SNAPSHOT"})
  return base


def write_archive_info(base, info):
  with open(os.path.join(base, "files", "controller-archive.json"), "w") as handle:
    json.dump(info, handle)


class ResourceServer(object):
  """The Ambari server's resources over real HTTP: GET <url>/<path> serves files under root/<path>."""

  def __init__(self, root):
    self.root = root
    self.requests = []
    self._server = None

  def start(self):
    outer = self

    class Handler(SimpleHTTPRequestHandler):
      def __init__(self, *args, **kwargs):
        SimpleHTTPRequestHandler.__init__(self, *args, directory=outer.root, **kwargs)

      def translate_path(self, path):
        outer.requests.append(path)
        if path.startswith("/resources/"):
          path = path[len("/resources"):]
        return SimpleHTTPRequestHandler.translate_path(self, path)

      def log_message(self, *args):
        pass

    self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    self._server.daemon_threads = True
    threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return self

  @property
  def url(self):
    """What the command's /ambariLevelParams/jdk_location holds."""
    return "http://127.0.0.1:{0}/resources".format(self._server.server_address[1])

  def stop(self):
    if self._server is not None:
      self._server.shutdown()
      self._server.server_close()
      self._server = None


def run_command(module_name, class_name, method, config, basedir=None, patch_params=None):
  """Runs one command the way the agent does: fresh params, an Environment, the script's method.

  Returns the Environment, whose resource_list holds every resource the command declared.
  """
  Script.config = config
  Script.structuredOut = {}
  Logger.reset()
  for stale in ("params", "status_params"):
    sys.modules.pop(stale, None)
  module = importlib.import_module(module_name)
  env = Environment(basedir=basedir or PACKAGE, tmp_dir=tempfile.gettempdir())
  with env:
    if patch_params is not None:
      import params
      patch_params(params)
    getattr(getattr(module, class_name)(), method)(env)
  return env


# ---------------------------------------------------------------------------------------------
# A controller over real HTTP
# ---------------------------------------------------------------------------------------------

def self_signed_cert(directory):
  """(certfile, keyfile) of a new self-signed certificate for localhost, made with openssl."""
  cert, key = os.path.join(directory, "controller.pem"), os.path.join(directory, "controller.key")
  subprocess.check_call(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                         "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", cert],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
  return cert, key


def https_controller(test):
  """A started HTTPS FakeController with a new self-signed certificate, both removed after `test`:
  (controller, certfile)."""
  directory = tempfile.mkdtemp()
  test.addCleanup(shutil.rmtree, directory)
  cert, key = self_signed_cert(directory)
  controller = FakeController().start(tls=(cert, key))
  test.addCleanup(controller.stop)
  return controller, cert


class FakeController(object):
  """A real HTTP server on 127.0.0.1 answering like the Tandem controller, from recorded answers.

  on(method, path, ...) sets the answer; a list of answers is served in order, the last one
  repeatedly. Every request is kept in .requests as (method, path, parsed body), the path without
  user.name, which goes to .users. Like the controller in simple mode (docs/security.md) it answers 401
  without user.name (but for GET /api/v1/health), 400 to a mutating request without X-XSRF-HEADER and
  415 to a body that is not application/json.
  """

  def __init__(self):
    self.routes = {}
    self.requests = []
    self.users = []
    self._lock = threading.Lock()
    self._server = None

  def on(self, method, path, body=None, status=200, raw=None, delay=0.0):
    self.routes[(method, path)] = [{"body": body, "status": status, "raw": raw, "delay": delay}]
    return self

  def on_sequence(self, method, path, answers):
    self.routes[(method, path)] = [dict({"status": 200, "raw": None, "delay": 0.0, "body": None}, **a) for a in answers]
    return self

  def _answer(self, method, path):
    with self._lock:
      answers = self.routes.get((method, path))
      if not answers:
        return {"status": 404, "body": {"error": "no route " + method + " " + path}, "raw": None, "delay": 0.0}
      return answers.pop(0) if len(answers) > 1 else answers[0]

  def start(self, tls=None):
    """tls: (certfile, keyfile) to answer HTTPS (see self_signed_cert), else plain HTTP."""
    controller = self
    self._scheme = "https" if tls else "http"

    class Handler(BaseHTTPRequestHandler):
      def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        try:
          parsed = json.loads(raw_body.decode("utf-8")) if raw_body else None
        except ValueError:
          parsed = raw_body
        path, _, query = self.path.partition("?")
        params = [p for p in query.split("&") if p]
        users = [p.split("=", 1)[1] for p in params if p.startswith("user.name=")]
        rest = [p for p in params if not p.startswith("user.name=")]
        path = path + ("?" + "&".join(rest) if rest else "")
        controller.requests.append((self.command, path, parsed))
        controller.users.append(users[0] if users else None)
        answer = controller._answer(self.command, path)
        if not users and not (self.command == "GET" and path == "/api/v1/health"):
          answer = {"status": 401, "body": {"error": "authentication required"}, "raw": None, "delay": 0.0}
        elif self.command not in ("GET", "HEAD") and self.headers.get("X-XSRF-HEADER") is None:
          answer = {"status": 400, "body": {"error": "missing header X-XSRF-HEADER"}, "raw": None, "delay": 0.0}
        elif raw_body and not (self.headers.get("Content-Type") or "").startswith("application/json"):
          answer = {"status": 415, "body": {"error": "send the body as application/json"}, "raw": None, "delay": 0.0}
        if answer["delay"]:
          time.sleep(answer["delay"])
        payload = answer["raw"] if answer["raw"] is not None else json.dumps(answer["body"]).encode("utf-8")
        self.send_response(answer["status"])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

      do_GET = do_POST = do_PUT = do_DELETE = _handle

      def log_message(self, *args):
        pass

    class Server(ThreadingHTTPServer):
      daemon_threads = True

      def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that gave up is expected
          ThreadingHTTPServer.handle_error(self, request, client_address)

    self._server = Server(("127.0.0.1", 0), Handler)
    if tls:
      context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
      context.load_cert_chain(tls[0], tls[1])
      self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
    threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return self

  @property
  def port(self):
    return self._server.server_address[1]

  @property
  def url(self):
    # The test certificate is for localhost; plain HTTP keeps the address.
    host = "localhost" if getattr(self, "_scheme", "http") == "https" else "127.0.0.1"
    return "{0}://{1}:{2}".format(getattr(self, "_scheme", "http"), host, self.port)

  def stop(self):
    if self._server is not None:
      self._server.shutdown()
      self._server.server_close()
      self._server = None

  def __enter__(self):
    return self.start()

  def __exit__(self, *exc):
    self.stop()
    return False


def closed_port():
  """A port on 127.0.0.1 nothing listens on (connection refused)."""
  sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
  sock.bind(("127.0.0.1", 0))
  port = sock.getsockname()[1]
  sock.close()
  return port


# ---------------------------------------------------------------------------------------------
# Alerts
# ---------------------------------------------------------------------------------------------

def load_alert(file_name):
  """Loads an alert script as the agent does (imp.load_source: a fresh module per load, by path)."""
  path = os.path.join(ALERTS, file_name)
  name = "tandem_alert_under_test_" + file_name[:-len(".py")]
  spec = importlib.util.spec_from_file_location(name, path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def alert_configurations(module, overrides=None):
  """The configurations dict the agent builds from get_tokens(): {"{{type/prop}}": value}, absent keys left out."""
  values = stack_defaults()
  for key, value in (overrides or {}).items():
    config_type, prop = key.split("/", 1)
    values.setdefault(config_type, {})[prop] = value
  configurations = {}
  for token in module.get_tokens():
    config_type, prop = token.strip("{}").split("/", 1)
    value = values.get(config_type, {}).get(prop)
    if value is not None:
      configurations[token] = value
  return configurations


def status_fixture(name):
  return copy.deepcopy(fixture("status", name + ".json"))
