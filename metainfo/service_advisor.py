#!/usr/bin/env ambari-python-wrap
"""
Tandem's service advisor.

Recommends what the primary's HBase and HDFS need to take part in consistent cuts (the region
observer, the NameNode plugin and the identity-guard attribute provider, chained in front of
whatever provider was configured before, e.g. Ranger's) and validates tandem-site, above all
the policies JSON, with messages that name the policy and the fix.

The recommendation and validation logic is plain functions over dicts, so it runs and is tested
without Ambari. Ambari's stack advisor loads this file with imp/importlib and instantiates the
first class whose name matches "TANDEM.*?ServiceAdvisor"; the base class comes from
stacks/service_advisor.py, found like the stack's own service advisors find it, and falls back
to object when that file is not there (unit tests).

Written to run on Python 3 (Ambari 3.0) and on Python 2.7 (Ambari 2.7).
"""
import json
import os
import re
import sys
import traceback

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))

SERVICE_NAME = "TANDEM"
CONTROLLER = "TANDEM_CONTROLLER"
CLIENT = "TANDEM_CLIENT"

REGION_OBSERVER = "io.tandem.hbase.TandemRegionObserver"
GUARD_OBSERVER = "io.tandem.hbase.TandemGuardObserver"
# The identity guard runs on BOTH clusters and needs the controller's ZooKeeper and this
# cluster's name as the identity record spells it.
GUARD_QUORUM = "tandem.guard.zk.quorum"
GUARD_ROOT = "tandem.guard.zk.root"
GUARD_CLUSTER = "tandem.cluster.name"
GUARD_BYPASS = "tandem.guard.bypass.users"
# Who may change Tandem's znodes: the same ids on both sides (the credentials are each side's own,
# so they are never copied from tandem-site).
ZK_ACL_IDS = ("tandem.zk.acl.controller", "tandem.zk.acl.participants")
ATTRIBUTE_PROVIDER = "io.tandem.hdfs.TandemAttributeProvider"
NAMENODE_PLUGIN = "io.tandem.hdfs.TandemNameNodePlugin"

# The cut: the NameNode plugin watches the primary's HBase ZooKeeper for cuts (it has no default),
# the RegionServers their own quorum unless told; both under tandem-site's cut root.
CUT_QUORUM = "tandem.cut.zookeeper.quorum"
CUT_ROOT = "tandem.cut.zk.root"
CUT_ROOT_DEFAULT = "/tandem/cuts"
HBASE_ZK_QUORUM = "hbase.zookeeper.quorum"
HBASE_ZK_PORT = "hbase.zookeeper.property.clientPort"
HBASE_ZK_PORT_DEFAULT = "2181"

HBASE_REGION_CLASSES = "hbase.coprocessor.user.region.classes"
HDFS_PROVIDER = "dfs.namenode.inode.attributes.provider.class"
HDFS_CHAINED_PROVIDER = "tandem.hdfs.chained.attributes.provider.class"
HDFS_PLUGINS = "dfs.namenode.plugins"
# HDFS-11402: snapshots hold files open for write at their length at the snapshot. Without it the
# NameNode plugin refuses a cut's snapshots (a snapshot's view of an open file would grow past the cut).
HDFS_CAPTURE_OPEN_FILES = "dfs.namenode.snapshot.capture.openfiles"

# Hosts running these components load Tandem classes, so they need TANDEM_CLIENT's jars:
# a RegionServer that cannot load a configured coprocessor aborts.
COMPONENTS_NEEDING_CLIENT = ("NAMENODE", "HBASE_MASTER", "HBASE_REGIONSERVER")

try:
  STRING_TYPES = (str, unicode)  # noqa: F821  (Python 2.7)
except NameError:
  STRING_TYPES = (str,)


def _parent_advisor_candidates():
  """Where stacks/service_advisor.py may be, nearest first.

  The service lives in common-services/TANDEM/0.1.0, reached through a symlink into the
  staged mpack, so the stacks directory is searched above both the path Ambari used and the
  resolved one.
  """
  if os.environ.get("BASE_SERVICE_ADVISOR"):
    yield os.environ["BASE_SERVICE_ADVISOR"]
  for start in (SCRIPT_DIR, os.path.dirname(os.path.realpath(__file__))):
    directory = start
    while True:
      yield os.path.join(directory, "stacks", "service_advisor.py")
      parent = os.path.dirname(directory)
      if parent == directory:
        break
      directory = parent


def _load_module(name, path):
  try:
    import importlib.util as loader
  except ImportError:
    loader = None
  if loader is None or not hasattr(loader, "module_from_spec"):
    import imp  # Python 2.7
    with open(path, "rb") as handle:
      return imp.load_module(name, handle, path, (".py", "rb", imp.PY_SOURCE))
  spec = loader.spec_from_file_location(name, path)
  module = loader.module_from_spec(spec)
  sys.modules[name] = module
  try:
    spec.loader.exec_module(module)
  except Exception:
    del sys.modules[name]
    raise
  return module


def _service_advisor_base():
  loaded = sys.modules.get("service_advisor")
  if loaded is not None and hasattr(loaded, "ServiceAdvisor"):
    return loaded.ServiceAdvisor
  for path in _parent_advisor_candidates():
    if os.path.isfile(path):
      try:
        return _load_module("service_advisor", path).ServiceAdvisor
      except Exception:
        traceback.print_exc()
        print("Failed to load parent service advisor " + path)
  return object


ServiceAdvisorBase = _service_advisor_base()


# ---------------------------------------------------------------------------------------------
# Recommendations
# ---------------------------------------------------------------------------------------------

def append_class(class_list, class_name):
  """Returns the comma-separated class list with class_name appended unless already present."""
  classes = [c.strip() for c in (class_list or "").split(",") if c.strip()]
  if class_name not in classes:
    classes.append(class_name)
  return ",".join(classes)


def _properties(configurations, config_type):
  if not configurations or config_type not in configurations:
    return None
  return configurations[config_type].get("properties")


def _current(configurations, services, config_type, name):
  """The value the recommendation builds on: what earlier advisors recommended, else the cluster's."""
  recommended = _properties(configurations, config_type) or {}
  if name in recommended:
    return recommended[name]
  existing = _properties(services.get("configurations"), config_type) or {}
  return existing.get(name)


def _changed_by_user(services, config_type, name):
  for changed in services.get("changed-configurations") or []:
    if changed.get("type") == config_type and changed.get("name") == name:
      return True
  return False


def _put(configurations, services, config_type, name, value):
  """Like Ambari's putProperty: never overrides a value the user is changing right now."""
  if _changed_by_user(services, config_type, name):
    return
  site = configurations.setdefault(config_type, {})
  site.setdefault("properties", {})[name] = str(value)


def _classes(class_list):
  return [c.strip() for c in (class_list or "").split(",") if c.strip()]


def hbase_cut_quorum(hbase_site):
  """The HBase ZooKeeper quorum as a connect string, host:port,...; "" when hbase-site names none.

  Hosts in hbase.zookeeper.quorum that already carry :port keep it; the others get
  hbase.zookeeper.property.clientPort (default 2181), which is how HBase itself reads them."""
  hbase_site = hbase_site or {}
  port = str(hbase_site.get(HBASE_ZK_PORT) or "").strip() or HBASE_ZK_PORT_DEFAULT
  hosts = []
  for host in (hbase_site.get(HBASE_ZK_QUORUM) or "").split(","):
    host = host.strip()
    if host:
      hosts.append(host if ":" in host else "{0}:{1}".format(host, port))
  return ",".join(hosts)


def _hbase_site_view(configurations, services):
  """hbase-site as it will be: the cluster's values under what earlier advisors recommended."""
  merged = dict(_properties(services.get("configurations"), "hbase-site") or {})
  merged.update(_properties(configurations, "hbase-site") or {})
  return merged


def recommend_cluster_hooks(configurations, services):
  """Adds the observers, the NameNode plugin, the chained attribute provider, and the settings
  the guard and the cut need, on whichever of hbase-site and hdfs-site this cluster has."""
  service_configs = services.get("configurations") or {}
  has_hbase = "hbase-site" in service_configs or "hbase-site" in configurations
  quorum = hbase_cut_quorum(_hbase_site_view(configurations, services)) if has_hbase else ""
  if has_hbase:
    current = _current(configurations, services, "hbase-site", HBASE_REGION_CLASSES)
    _put(configurations, services, "hbase-site", HBASE_REGION_CLASSES,
         append_class(append_class(current, REGION_OBSERVER), GUARD_OBSERVER))
    recommend_guard(configurations, services, "hbase-site")
    recommend_cut(configurations, services, "hbase-site", quorum)
  if "hdfs-site" in service_configs or "hdfs-site" in configurations:
    plugins = _current(configurations, services, "hdfs-site", HDFS_PLUGINS)
    _put(configurations, services, "hdfs-site", HDFS_PLUGINS, append_class(plugins, NAMENODE_PLUGIN))
    _put(configurations, services, "hdfs-site", HDFS_CAPTURE_OPEN_FILES, "true")
    provider = (_current(configurations, services, "hdfs-site", HDFS_PROVIDER) or "").strip()
    if provider != ATTRIBUTE_PROVIDER:
      # Ours answers first and hands every other decision to the provider it replaced. With none
      # before, the chained key is left out: Tandem's provider then uses HDFS's own attributes.
      _put(configurations, services, "hdfs-site", HDFS_PROVIDER, ATTRIBUTE_PROVIDER)
      if provider:
        _put(configurations, services, "hdfs-site", HDFS_CHAINED_PROVIDER, provider)
    recommend_guard(configurations, services, "hdfs-site")
    recommend_cut(configurations, services, "hdfs-site", quorum)


def recommend_cut(configurations, services, config_type, quorum):
  """The cut's quorum (the primary's HBase ZooKeeper) and, when tandem-site moves it, its root."""
  if quorum:
    _put(configurations, services, config_type, CUT_QUORUM, quorum)
  site = _properties(services.get("configurations"), "tandem-site") or {}
  root = str(site.get(CUT_ROOT) or "").strip()
  if root:
    current = _current(configurations, services, config_type, CUT_ROOT)
    if root != CUT_ROOT_DEFAULT or (current is not None and current.strip() not in ("", root)):
      _put(configurations, services, config_type, CUT_ROOT, root)


def recommend_guard(configurations, services, config_type):
  """The identity guard's settings, from tandem-site and tandem-env (the same on HBase and HDFS)."""
  site = _properties(services.get("configurations"), "tandem-site") or {}
  env = _properties(services.get("configurations"), "tandem-env") or {}
  quorum = site.get("tandem.controller.zk.quorum")
  if quorum:
    _put(configurations, services, config_type, GUARD_QUORUM, quorum)
  root = site.get("tandem.controller.zk.root")
  if root:
    _put(configurations, services, config_type, GUARD_ROOT, root)
  local = env.get("tandem_local_cluster")
  if local in ("primary", "secondary"):
    name = site.get("tandem.%s.name" % local)
    if name:
      _put(configurations, services, config_type, GUARD_CLUSTER, name)
  user = env.get("tandem_user")
  if user:
    _put(configurations, services, config_type, GUARD_BYPASS, user)
  for key in ZK_ACL_IDS:
    ids = str(site.get(key) or "").strip()
    current = _current(configurations, services, config_type, key)
    if ids or (current is not None and current.strip()):
      _put(configurations, services, config_type, key, ids)


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

POLICY_RULES_FILE = os.path.join(SCRIPT_DIR, "policy-rules.json")
POLICY_EXAMPLE = ('{"service":"billing","datasets":["hbase:billing:orders","hdfs:/data/billing/events"],'
                  '"schedules":["every:1h"],"mode":"push","rpoSeconds":7200}')
# Java's String.trim(): every character up to U+0020.
_JAVA_TRIM = "".join(chr(c) for c in range(0x21))


def _is_int(value):
  try:
    int(str(value).strip())
    return True
  except (TypeError, ValueError):
    return False


def _is_number(value):
  try:
    float(str(value).strip())
    return True
  except (TypeError, ValueError):
    return False


def load_policy_rules(path=None):
  """(rules, None), or (None, why) when metainfo/policy-rules.json cannot be read."""
  path = path or POLICY_RULES_FILE
  try:
    with open(path) as handle:
      return json.load(handle), None
  except (IOError, OSError, ValueError) as error:
    return None, "cannot check tandem.policies: the policy rules {0} are missing or unreadable ({1}); " \
                 "reinstall the management pack. The controller still checks every policy when it applies them".format(path, error)


class PolicyChecker(object):
  """The controller's policy checks (core's PolicyValidator), driven only by policy-rules.json,
  which core's PolicyRules generates from the validator's own patterns and bounds."""

  def __init__(self, rules):
    self.rules = rules

  @staticmethod
  def whole(pattern, text):
    # re.fullmatch is Python 3 only; \Z is the very end in Python (Java's \z).
    return re.match("(?:" + pattern + r")\Z", text) is not None

  # --- reading fields the way the controller's JSON reader (Jackson) does ---------------------

  @staticmethod
  def _text(value):
    if value is None or isinstance(value, STRING_TYPES):
      return value
    if isinstance(value, bool):
      return "true" if value else "false"
    if isinstance(value, (int, float)):
      return str(value)
    raise ValueError("expected text, got {0}".format(json.dumps(value)))

  def _read(self, kind, name, value):
    if value is None:
      return None
    if kind == "string":
      return self._text(value)
    if kind == "string-list":
      if not isinstance(value, list):
        raise ValueError("\"{0}\" must be a list, got {1}".format(name, json.dumps(value)))
      return [self._text(v) for v in value]
    bound = self.rules[name]["max"] if name in self.rules else (2 ** 31 - 1 if kind == "integer" else 2 ** 63 - 1)
    if isinstance(value, bool) or isinstance(value, (list, dict)):
      raise ValueError("\"{0}\" must be a whole number, got {1}".format(name, json.dumps(value)))
    if isinstance(value, float):
      number = int(value) if value == value and abs(value) != float("inf") else None
    elif isinstance(value, STRING_TYPES):
      text = value.strip()
      if text == "":
        return None
      number = int(text) if re.match(r"[+-]?[0-9]+\Z", text) else None
    else:
      number = int(value)
    if number is None:
      raise ValueError("\"{0}\" must be a whole number, got {1}".format(name, json.dumps(value)))
    if not -bound - 1 <= number <= bound:
      raise ValueError("\"{0}\" {1} is out of range".format(name, number))
    return number

  def read_spec(self, node):
    if not isinstance(node, dict):
      raise ValueError("expected a JSON object like {0}".format(POLICY_EXAMPLE))
    fields = self.rules["fields"]
    for key in node:
      if key not in fields:
        raise ValueError("unknown field \"{0}\" (known: {1})".format(key, ", ".join(fields)))
    return dict((key, self._read(kind, key, node.get(key))) for key, kind in fields.items())

  # --- data sets ----------------------------------------------------------------------------

  def dataset(self, text):
    """(kind, namespace, name), or raises ValueError with the controller's message."""
    r = self.rules["datasets"]
    if text is None or text.strip() == "":
      raise ValueError("empty data set: expected hdfs:/path, hbase:namespace:table or hbase:namespace:*")
    t = text.strip(_JAVA_TRIM)
    if t.startswith(r["hdfs_prefix"]):
      path = t[len(r["hdfs_prefix"]):]
      norm = path.rstrip("/")
      if not path.startswith("/") or norm == "":
        raise ValueError("bad data set \"{0}\": an HDFS data set needs an absolute path below /, e.g. hdfs:/data/billing".format(text))
      for seg in norm[1:].split("/"):
        if not self.whole(r["hdfs_segment"], seg) or seg in r["hdfs_forbidden_segments"]:
          raise ValueError("bad data set \"{0}\": path segment \"{1}\" is not allowed".format(text, seg))
      for reserved in r["hdfs_reserved_at_or_under"]:
        if norm == reserved or norm.startswith(reserved + "/") or reserved.startswith(norm + "/"):
          raise ValueError("data set hdfs:{0} is reserved: {1} (and everything at, under or above it) belongs to "
                           "HDFS, HBase or Tandem itself".format(norm, reserved))
      for reserved in r["hdfs_reserved_at_or_above"]:
        if norm == reserved or reserved.startswith(norm + "/"):
          raise ValueError("data set hdfs:{0} is reserved: {1} is shared by all users; name a directory below it".format(
            norm, reserved))
      return ("hdfs", None, norm)
    if t.startswith(r["hbase_prefix"]):
      parts = t[len(r["hbase_prefix"]):].split(":")
      if len(parts) != r["hbase_parts"]:
        raise ValueError("bad data set \"{0}\": expected hbase:namespace:table or hbase:namespace:* "
                         "(use hbase:default:t for the default namespace)".format(text))
      if not self.whole(r["hbase_namespace"], parts[0]):
        raise ValueError("bad data set \"{0}\": \"{1}\" is not a valid HBase namespace (letters, digits and _ only)".format(text, parts[0]))
      if parts[1] == r["hbase_whole_namespace"]:
        return ("namespace", parts[0], parts[0])
      if not self.whole(r["hbase_qualifier"], parts[1]):
        raise ValueError("bad data set \"{0}\": \"{1}\" is not a valid HBase table name".format(text, parts[1]))
      return ("table", parts[0], parts[1])
    raise ValueError("bad data set \"{0}\": expected hdfs:/path, hbase:namespace:table or hbase:namespace:*".format(text))

  @staticmethod
  def overlaps(a, b):
    if a[0] == "hdfs" or b[0] == "hdfs":
      if a[0] != b[0]:
        return False
      return a[2] == b[2] or a[2].startswith(b[2] + "/") or b[2].startswith(a[2] + "/")
    if a[1] != b[1]:
      return False
    return a[0] == "namespace" or b[0] == "namespace" or a[2] == b[2]

  @staticmethod
  def show(ds):
    return "hdfs:" + ds[2] if ds[0] == "hdfs" else "hbase:{0}:{1}".format(ds[1], "*" if ds[0] == "namespace" else ds[2])

  # --- instants and schedules ---------------------------------------------------------------

  def instant(self, text):
    """Seconds since the epoch (a float), or raises ValueError."""
    match = re.match("(?:" + self.rules["instant"]["pattern"] + r")\Z", text or "")
    if not match:
      raise ValueError("\"{0}\" is not an ISO-8601 instant like 2026-12-01T02:00:00Z".format(text))
    year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days_in_month = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    if day > days_in_month:
      raise ValueError("\"{0}\" is not an ISO-8601 instant: {1:04d}-{2:02d} has no day {3}".format(text, year, month, day))
    # Days from 1970-01-01 (proleptic Gregorian, as java.time).
    y = year - (1 if month <= 2 else 0)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    seconds = days * 86400 + int(text[11:13]) * 3600 + int(text[14:16]) * 60 + int(text[17:19])
    rest = text[19:]
    if rest.startswith("."):
      digits = re.match(r"\.([0-9]+)", rest).group(1)
      seconds += int(digits) / float(10 ** len(digits))
      rest = rest[1 + len(digits):]
    if rest != "Z":
      sign = 1 if rest[0] == "+" else -1
      seconds -= sign * (int(rest[1:3]) * 3600 + int(rest[4:6]) * 60)
    return seconds

  def cron(self, expr):
    """Raises ValueError with the controller's message unless expr is a valid 5-field cron expression."""
    r = self.rules["schedules"]["cron"]
    stripped = expr.strip(r["trim"])
    parts = re.split(r["separator"], stripped) if stripped else []
    text = " ".join(parts)
    fields = r["fields"]
    if len(parts) != len(fields):
      raise ValueError("bad cron \"{0}\": expected {1} fields ({2}), got {3}".format(
        text, len(fields), " ".join(f["label"] for f in fields), len(parts)))
    masks = [self._cron_field(text, field, part, r) for field, part in zip(fields, parts)]
    if r["day_of_week_seven_is_sunday"] and masks[4] & (1 << 7):
      masks[4] = (masks[4] & ~(1 << 7)) | 1
    dom_star, dow_star = parts[2].startswith("*"), parts[4].startswith("*")
    if dom_star or dow_star:
      first_day = min(d for d in range(64) if masks[2] >> d & 1)
      if not any(masks[3] >> m & 1 and first_day <= r["longest_month"][m] for m in range(1, 13)):
        raise ValueError("bad cron \"{0}\": never fires: day-of-month field \"{1}\" has no day that exists in month field \"{2}\"".format(
          text, parts[2], parts[3]))

  def _cron_field(self, expr, field, field_text, r):
    def bad(part, problem):
      subject = "{0} field \"{1}\" ".format(field["label"], field_text) if part == field_text else \
        "{0} field \"{1}\": \"{2}\" ".format(field["label"], field_text, part)
      return ValueError("bad cron \"{0}\": {1}{2}".format(expr, subject, problem))

    def digits(s):
      return re.match(r"[0-9]+\Z", s) is not None

    def value(element, s):
      if s == "":
        raise bad(element, "is malformed (missing a number)")
      if s.upper() in field["names"]:
        return field["first_name_value"] + field["names"].index(s.upper())
      if not digits(s):
        hint = "" if not field["names"] else " or {0} name ({1}-{2})".format(
          "month" if field["label"] == "month" else "day", field["names"][0], field["names"][-1])
        raise bad(s, "is not a number" + hint)
      v = int(s) if len(s) <= r["max_digits"] else 2 ** 31 - 1
      if not field["min"] <= v <= field["max"]:
        raise bad(s, "is out of range {0}-{1}".format(field["min"], field["max"]))
      return v

    mask = 0
    for element in field_text.split(","):
      if element == "":
        raise bad(field_text, "has an empty list element")
      rng, slash, step_text = element.partition("/")
      step = 1
      if slash:
        span = field["max"] - field["min"] + 1
        if not (digits(step_text) and len(step_text) <= r["max_digits"] and 1 <= int(step_text) <= span):
          raise bad(step_text, "is not a valid step (expected 1-{0})".format(span))
        step = int(step_text)
      if rng == "*":
        lo, hi = field["min"], field["max"]
      elif "-" not in rng:
        if slash:
          raise bad(element, "has a step without a range (write a-b/n or */n)")
        lo = hi = value(element, rng)
      else:
        low, _, high = rng.partition("-")
        lo, hi = value(element, low), value(element, high)
        if lo > hi:
          raise bad(rng, "is a backwards range ({0} > {1})".format(lo, hi))
      for v in range(lo, hi + 1, step):
        mask |= 1 << v
    return mask

  def schedule(self, text):
    """("once", epoch seconds) or (kind, None); raises ValueError with the controller's message."""
    r = self.rules["schedules"]
    trim = r["cron"]["trim"]
    s = text.strip(trim)
    if s.startswith("once:"):
      body = s[len("once:"):].strip(trim)
      try:
        return ("once", self.instant(body))
      except ValueError:
        raise ValueError("bad schedule \"{0}\": \"{1}\" is not an ISO-8601 instant (e.g. 2026-12-01T02:00:00Z)".format(s, body))
    if s.startswith("every:"):
      body = s[len("every:"):].strip(trim)
      every = r["every"]
      unit, number = (body[-1], body[:-1]) if body else ("", "")
      if unit not in every["units"] or not self.whole(every["number"], number):
        raise ValueError("bad schedule \"{0}\": expected every:<n>[s|m|h|d] with a whole number n, e.g. every:15m".format(s))
      seconds = int(number) * every["units"][unit]
      if int(number) > every["max_seconds"] or seconds > every["max_seconds"]:
        raise ValueError("bad schedule \"{0}\": interval {1} is too large".format(s, body))
      if seconds < every["min_seconds"]:
        raise ValueError("bad schedule \"{0}\": interval {1} is below the minimum of 1 minute (every:1m)".format(s, body))
      return ("every", None)
    if s.startswith("cron:"):
      self.cron(s[len("cron:"):])
      return ("cron", None)
    raise ValueError("bad schedule \"{0}\": expected once:<ISO instant>, every:<n>[s|m|h|d] or cron:<5-field expression>".format(s))

  # --- one policy, then the list ------------------------------------------------------------

  def policy(self, spec, now):
    """(data sets, problems) of one read policy."""
    problems = []
    service = spec["service"]
    if service is None or not self.whole(self.rules["service"]["pattern"], service):
      problems.append("service name \"{0}\" must match {1}".format(
        "null" if service is None else service, self.rules["service"]["pattern"]))
    datasets = []
    if not spec["datasets"]:
      problems.append("no data sets: name at least one hdfs:/path, hbase:namespace:table or hbase:namespace:*")
    else:
      for text in spec["datasets"]:
        try:
          ds = self.dataset(text)
        except ValueError as error:
          problems.append(str(error))
          continue
        for seen in datasets:
          if self.overlaps(seen, ds):
            problems.append("data sets {0} and {1} overlap (nested directories or a table inside a listed namespace): keep one".format(
              self.show(seen), self.show(ds)))
        datasets.append(ds)
    if spec["createdAt"] is not None:
      try:
        self.instant(spec["createdAt"])
      except ValueError:
        problems.append("createdAt \"{0}\" is not an ISO-8601 instant".format(spec["createdAt"]))
    if not spec["schedules"]:
      problems.append("no schedule: give at least one of once:<ISO instant>, every:<n>[s|m|h|d], cron:<5-field expression>")
    else:
      for text in spec["schedules"]:
        if text is None:
          problems.append("empty schedule: give once:<ISO instant>, every:<n>[s|m|h|d] or cron:<5-field expression>")
          continue
        try:
          kind, at = self.schedule(text)
        except ValueError as error:
          problems.append(str(error))
          continue
        if kind == "once" and at <= now and spec["createdAt"] is None:
          problems.append("schedule \"{0}\" is in the past".format(text.strip(self.rules["schedules"]["cron"]["trim"])))
    mode = spec["mode"]
    if mode is not None and mode.strip(_JAVA_TRIM).lower() not in self.rules["mode"]["values"]:
      problems.append("unknown transfer mode \"{0}\": expected {1}".format(mode, " or ".join(self.rules["mode"]["values"])))
    retain = spec["retain"] if spec["retain"] is not None else self.rules["retain"]["default"]
    if retain < self.rules["retain"]["min"]:
      problems.append("retain must be at least 1 (the newest cut is the base of the next incremental copy), got {0}".format(retain))
    if spec["rpoSeconds"] is not None and spec["rpoSeconds"] < self.rules["rpoSeconds"]["min"]:
      problems.append("rpoSeconds must be positive, got {0}".format(spec["rpoSeconds"]))
    elif spec["rpoSeconds"] is not None and spec["rpoSeconds"] > self.rules["rpoSeconds"]["largest"]:
      problems.append("rpoSeconds {0} is too large: at most {1} (732 days)".format(spec["rpoSeconds"],
                                                                              self.rules["rpoSeconds"]["largest"]))
    for what, key in (("user", "users"), ("group", "groups")):
      for name in spec[key] or []:
        if name is None or not self.whole(self.rules["principal"]["pattern"], name):
          problems.append("{0} name \"{1}\" is not valid".format(what, "null" if name is None else name))
    return datasets, problems

  @staticmethod
  def _name(node, index):
    service = node.get("service") if isinstance(node, dict) else None
    if service is None:
      return "#{0} (no service)".format(index)
    if isinstance(service, (dict, list)):
      return ""
    return PolicyChecker._text(service)

  def problems(self, policies, now):
    """Every problem of a declared list, as the controller finds them short of the live primary."""
    problems = []
    valid = []
    named = set()
    for index, node in enumerate(policies):
      name = self._name(node, index + 1)
      if name in named:
        problems.append("policy {0} is declared more than once; keep one policy per service".format(name))
        valid = [v for v in valid if v[0] != name]
        continue
      named.add(name)
      try:
        spec = self.read_spec(node)
      except ValueError as error:
        problems.append("policy {0} is not a policy: {1}".format(name, error))
        continue
      datasets, found = self.policy(spec, now)
      if found:
        label = spec["service"] if spec["service"] and spec["service"].strip() else "<unnamed>"
        problems.extend("policy {0}: {1}".format(label, p) for p in found)
      else:
        valid.append((spec["service"], datasets))
    for service, datasets in valid:
      conflict = next(("data set {0} of service {1} overlaps {2} of service {3}: a data set belongs to one service only".format(
        self.show(mine), service, self.show(theirs), other)
        for other, others in valid if other != service
        for mine in datasets for theirs in others if self.overlaps(mine, theirs)), None)
      if conflict:
        problems.append(conflict)
    return problems


def policy_problems(policies_json, now=None, rules=None):
  """Every problem of the tandem.policies value, each naming the policy and the fix, decided by
  the controller's own rules (metainfo/policy-rules.json). now: epoch seconds (default: now)."""
  if rules is None:
    rules, why = load_policy_rules()
    if rules is None:
      return [why]
  try:
    policies = json.loads(policies_json if policies_json is not None and policies_json.strip() else "[]")
  except ValueError as error:
    return ["tandem.policies is not valid JSON ({0}); it must be a JSON list of policies like [{1}]".format(
      error, POLICY_EXAMPLE)]
  if not isinstance(policies, list):
    return ["tandem.policies must be a JSON list of policies like [{0}]".format(POLICY_EXAMPLE)]
  if now is None:
    import time
    now = time.time()
  return PolicyChecker(rules).problems(policies, now)


def tandem_site_problems(site, rules_path=None):
  """(property, level, message) for every problem of tandem-site's properties."""
  problems = []

  def positive_int(name):
    if name not in site:
      return
    if not _is_int(site[name]) or int(str(site[name]).strip()) <= 0:
      problems.append((name, "ERROR", "{0} is {1!r}; it must be a whole number greater than 0".format(name, site[name])))

  for name in ("tandem.clock.max-skew.ms", "tandem.fence.lease.ms", "tandem.fence.alert.ms",
               "tandem.transfer.mappers", "tandem.transfer.bandwidth.mb", "tandem.scheduler.tick.ms",
               "tandem.watch.interval.ms", "tandem.watch.failure.threshold"):
    positive_int(name)

  if "tandem.controller.http.port" in site:
    port = site["tandem.controller.http.port"]
    if not _is_int(port) or not 1 <= int(str(port).strip()) <= 65535:
      problems.append(("tandem.controller.http.port", "ERROR",
                       "tandem.controller.http.port is {0!r}; it must be a port between 1 and 65535".format(port)))
    elif int(str(port).strip()) < 1024:
      problems.append(("tandem.controller.http.port", "WARN",
                       "tandem.controller.http.port {0} is below 1024, which only root may bind; the controller runs as the Tandem user".format(port)))

  lease, alert = site.get("tandem.fence.lease.ms"), site.get("tandem.fence.alert.ms")
  if _is_int(lease) and _is_int(alert) and int(alert) >= int(lease) > 0:
    problems.append(("tandem.fence.alert.ms", "WARN",
                     "tandem.fence.alert.ms ({0}) is not below tandem.fence.lease.ms ({1}): a fence is aborted by its lease before the alert can warn".format(alert, lease)))

  if "tandem.rpo.warning.fraction" in site:
    fraction = site["tandem.rpo.warning.fraction"]
    if not _is_number(fraction) or not 0 < float(fraction) <= 1:
      problems.append(("tandem.rpo.warning.fraction", "ERROR",
                       "tandem.rpo.warning.fraction is {0!r}; it must be a number above 0 and at most 1".format(fraction)))

  if "tandem.failover.automatic.delay.s" in site:
    delay = site["tandem.failover.automatic.delay.s"]
    if not _is_int(delay) or int(str(delay).strip()) < 0:
      problems.append(("tandem.failover.automatic.delay.s", "ERROR",
                       "tandem.failover.automatic.delay.s is {0!r}; it must be a whole number of seconds, 0 or more".format(delay)))

  for name, allowed in (("tandem.transfer.mode.default", ("push", "pull")),
                        ("tandem.mapreduce.framework", ("local", "yarn")),
                        ("tandem.failover.automatic", ("true", "false"))):
    if name in site and str(site[name]).strip() not in allowed:
      problems.append((name, "ERROR", "{0} is {1!r}; it must be one of {2}".format(name, site[name], ", ".join(allowed))))

  primary, secondary = site.get("tandem.primary.name"), site.get("tandem.secondary.name")
  if primary is not None and primary == secondary:
    problems.append(("tandem.secondary.name", "ERROR",
                     "tandem.primary.name and tandem.secondary.name are both {0!r}; give the two clusters different names".format(primary)))
  primary_dir, secondary_dir = site.get("tandem.primary.conf.dir"), site.get("tandem.secondary.conf.dir")
  if primary_dir is not None and primary_dir == secondary_dir:
    problems.append(("tandem.secondary.conf.dir", "ERROR",
                     "tandem.primary.conf.dir and tandem.secondary.conf.dir are both {0}; each cluster needs its own directory".format(primary_dir)))

  if "tandem.policies" in site:
    rules, why = load_policy_rules(rules_path)
    if rules is None:
      problems.append(("tandem.policies", "WARN", why))
    else:
      problems.extend(("tandem.policies", "ERROR", p) for p in policy_problems(site["tandem.policies"], rules=rules))
  return problems


def cluster_hook_problems(hbase_site, hdfs_site):
  """(config type, property, message) for every setting Tandem's server-side parts need that is
  missing; the list docs/ambari.md gives under "Service advisor"."""
  problems = []

  def blank(site, name):
    return not str(site.get(name) or "").strip()

  def guard(config_type, site):
    if blank(site, GUARD_QUORUM):
      problems.append((config_type, GUARD_QUORUM,
                       "{0} is not set: the identity guard is off, so this cluster never refuses application writes"
                       " when it is not primary; set it to tandem-site's tandem.controller.zk.quorum".format(GUARD_QUORUM)))
    if blank(site, GUARD_CLUSTER):
      problems.append((config_type, GUARD_CLUSTER,
                       "{0} is not set: the identity guard takes this cluster for never primary and refuses application"
                       " writes to protected data sets; set it to this cluster's Tandem name (tandem.primary.name or"
                       " tandem.secondary.name)".format(GUARD_CLUSTER)))
    if blank(site, GUARD_BYPASS):
      problems.append((config_type, GUARD_BYPASS,
                       "{0} is not set: on the cluster that is not primary the guard also refuses Tandem's own writes"
                       " (restores, user sync); set it to tandem-env's tandem_user".format(GUARD_BYPASS)))

  if hbase_site is not None:
    classes = _classes(hbase_site.get(HBASE_REGION_CLASSES))
    if REGION_OBSERVER not in classes:
      problems.append(("hbase-site", HBASE_REGION_CLASSES,
                       "{0} lacks {1}: HBase writes are not fenced during cuts, so cuts of this cluster fail at the arm"
                       " deadline".format(HBASE_REGION_CLASSES, REGION_OBSERVER)))
    if GUARD_OBSERVER not in classes:
      problems.append(("hbase-site", HBASE_REGION_CLASSES,
                       "{0} lacks {1}: this cluster's RegionServers do not refuse application writes when it is not"
                       " primary".format(HBASE_REGION_CLASSES, GUARD_OBSERVER)))
    guard("hbase-site", hbase_site)
  if hdfs_site is not None:
    if NAMENODE_PLUGIN not in _classes(hdfs_site.get(HDFS_PLUGINS)):
      problems.append(("hdfs-site", HDFS_PLUGINS,
                       "{0} lacks {1}: the NameNode cannot snapshot a cut's directories at one instant".format(
                         HDFS_PLUGINS, NAMENODE_PLUGIN)))
    if str(hdfs_site.get(HDFS_CAPTURE_OPEN_FILES) or "").strip().lower() != "true":
      problems.append(("hdfs-site", HDFS_CAPTURE_OPEN_FILES,
                       "{0} is not true: the NameNode plugin refuses every cut's directory snapshots, since a snapshot"
                       " would show files open for write growing past the cut's instant; set it to true and restart"
                       " the NameNodes".format(HDFS_CAPTURE_OPEN_FILES)))
    if (hdfs_site.get(HDFS_PROVIDER) or "").strip() != ATTRIBUTE_PROVIDER:
      problems.append(("hdfs-site", HDFS_PROVIDER,
                       "{0} is not {1}: this cluster does not refuse application writes when it is not primary".format(
                         HDFS_PROVIDER, ATTRIBUTE_PROVIDER)))
    if blank(hdfs_site, CUT_QUORUM):
      problems.append(("hdfs-site", CUT_QUORUM,
                       "{0} is not set: the NameNode plugin cannot see cuts, so every fenced cut with HDFS directories"
                       " fails after tandem.cut.hdfs.timeout.ms; set it to the primary's HBase ZooKeeper quorum"
                       " (host:port,...)".format(CUT_QUORUM)))
    guard("hdfs-site", hdfs_site)
  return problems


def _validation_item(level, message, config_type, config_name):
  # The shape of DefaultStackAdvisor.toConfigurationValidationProblems' items.
  return {"type": "configuration", "level": level, "message": message,
          "config-type": config_type, "config-name": config_name}


# ---------------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------------

def _component_hosts(services, component_name):
  for service in services.get("services") or []:
    for component in service.get("components") or []:
      info = component.get("StackServiceComponents", {})
      if info.get("component_name") == component_name:
        return list(info.get("hostnames") or [])
  return []


def colocate_client(hosts_components_map):
  """Puts TANDEM_CLIENT on every host that runs a NameNode, HBase Master or RegionServer."""
  for host_name, components in hosts_components_map.items():
    names = set(c.get("name") for c in components)
    if names.intersection(COMPONENTS_NEEDING_CLIENT) and CLIENT not in names:
      components.append({"name": CLIENT})


def client_layout_problems(services):
  client_hosts = set(_component_hosts(services, CLIENT))
  problems = []
  for component in COMPONENTS_NEEDING_CLIENT:
    for host in _component_hosts(services, component):
      if host not in client_hosts:
        problems.append({"type": "host-component", "level": "ERROR", "component-name": CLIENT, "host": host,
                         "message": "{0} on {1} loads Tandem classes; install Tandem Client on {1}".format(component, host)})
  return problems


class TandemServiceAdvisor(ServiceAdvisorBase):
  """Ambari entry points; each delegates to the functions above."""

  def __init__(self, *args, **kwargs):
    if ServiceAdvisorBase is not object:
      super(TandemServiceAdvisor, self).__init__(*args, **kwargs)
      if hasattr(self, "cardinalitiesDict"):
        self.cardinalitiesDict[CONTROLLER] = {"min": 1}
      if hasattr(self, "mastersWithMultipleInstances"):
        self.mastersWithMultipleInstances.add(CONTROLLER)

  def colocateService(self, hostsComponentsMap, serviceComponents):
    colocate_client(hostsComponentsMap)

  def getServiceComponentLayoutValidations(self, services, hosts):
    return client_layout_problems(services)

  def getServiceConfigurationRecommendations(self, configurations, clusterData, services, hosts):
    recommend_cluster_hooks(configurations, services)

  def getServiceConfigurationsValidationItems(self, configurations, recommendedDefaults, services, hosts):
    items = []
    site = _properties(configurations, "tandem-site")
    if site is not None:
      items.extend(_validation_item(level, message, "tandem-site", name)
                   for name, level, message in tandem_site_problems(site))
    for config_type, name, message in cluster_hook_problems(_properties(configurations, "hbase-site"),
                                                            _properties(configurations, "hdfs-site")):
      items.append(_validation_item("WARN", message, config_type, name))
    return items
