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
ATTRIBUTE_PROVIDER = "io.tandem.hdfs.TandemAttributeProvider"
NAMENODE_PLUGIN = "io.tandem.hdfs.TandemNameNodePlugin"

HBASE_REGION_CLASSES = "hbase.coprocessor.user.region.classes"
HDFS_PROVIDER = "dfs.namenode.inode.attributes.provider.class"
HDFS_CHAINED_PROVIDER = "tandem.hdfs.chained.attributes.provider.class"
HDFS_PLUGINS = "dfs.namenode.plugins"

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


def recommend_cluster_hooks(configurations, services):
  """Adds the region observer, the NameNode plugin and the chained attribute provider."""
  service_configs = services.get("configurations") or {}
  if "hbase-site" in service_configs or "hbase-site" in configurations:
    current = _current(configurations, services, "hbase-site", HBASE_REGION_CLASSES)
    _put(configurations, services, "hbase-site", HBASE_REGION_CLASSES,
         append_class(append_class(current, REGION_OBSERVER), GUARD_OBSERVER))
    recommend_guard(configurations, services, "hbase-site")
  if "hdfs-site" in service_configs or "hdfs-site" in configurations:
    plugins = _current(configurations, services, "hdfs-site", HDFS_PLUGINS)
    _put(configurations, services, "hdfs-site", HDFS_PLUGINS, append_class(plugins, NAMENODE_PLUGIN))
    provider = (_current(configurations, services, "hdfs-site", HDFS_PROVIDER) or "").strip()
    if provider != ATTRIBUTE_PROVIDER:
      # Ours answers first and hands every other decision to the provider it replaced.
      _put(configurations, services, "hdfs-site", HDFS_PROVIDER, ATTRIBUTE_PROVIDER)
      _put(configurations, services, "hdfs-site", HDFS_CHAINED_PROVIDER, provider)
    elif _current(configurations, services, "hdfs-site", HDFS_CHAINED_PROVIDER) is None:
      _put(configurations, services, "hdfs-site", HDFS_CHAINED_PROVIDER, "")
    recommend_guard(configurations, services, "hdfs-site")


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


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

EVERY_RE = re.compile(r"^every:[1-9][0-9]*[smhd]$")
ONCE_RE = re.compile(r"^once:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
HBASE_DATASET_RE = re.compile(r"^hbase:[A-Za-z0-9_.\-]+(:([A-Za-z0-9_.\-]+|\*))?$")
HDFS_DATASET_RE = re.compile(r"^hdfs:/\S*$")
SERVICE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
POLICY_EXAMPLE = ('{"service":"billing","datasets":["hbase:billing:orders","hdfs:/data/billing/events"],'
                  '"schedules":["every:1h"],"mode":"push","rpoSeconds":7200}')


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


def _schedule_problem(schedule):
  if not isinstance(schedule, STRING_TYPES):
    return "schedule {0!r} is not a string".format(schedule)
  if schedule.startswith("every:"):
    return None if EVERY_RE.match(schedule) else \
      "schedule {0} is not every:<number><s|m|h|d>, e.g. every:1h".format(schedule)
  if schedule.startswith("cron:"):
    return None if len(schedule[len("cron:"):].split()) == 5 else \
      "schedule {0} is not cron:<5 fields>, e.g. cron:0 2 * * *".format(schedule)
  if schedule.startswith("once:"):
    return None if ONCE_RE.match(schedule) else \
      "schedule {0} is not once:<ISO-8601 instant>, e.g. once:2026-12-01T02:00:00Z".format(schedule)
  return "schedule {0} must start with every:, cron: or once:".format(schedule)


def _dataset_problem(dataset):
  if not isinstance(dataset, STRING_TYPES):
    return "data set {0!r} is not a string".format(dataset)
  if HBASE_DATASET_RE.match(dataset) or HDFS_DATASET_RE.match(dataset):
    return None
  return "data set {0} must be hbase:<namespace>:<table|*> or hdfs:/<directory>".format(dataset)


def policy_problems(policies_json):
  """Every problem of the tandem.policies value, each naming the policy and the fix."""
  try:
    policies = json.loads(policies_json if policies_json is not None else "")
  except ValueError as error:
    return ["tandem.policies is not valid JSON ({0}); it must be a JSON list of policies like [{1}]".format(
      error, POLICY_EXAMPLE)]
  if not isinstance(policies, list):
    return ["tandem.policies must be a JSON list of policies like [{0}]".format(POLICY_EXAMPLE)]
  problems = []
  seen = set()
  for index, policy in enumerate(policies):
    label = "policy #{0}".format(index + 1)
    if not isinstance(policy, dict):
      problems.append("{0} is not a JSON object; write it like {1}".format(label, POLICY_EXAMPLE))
      continue
    service = policy.get("service")
    if not isinstance(service, STRING_TYPES) or not SERVICE_RE.match(service):
      problems.append("{0} has no valid \"service\" (letters, digits, '.', '_', '-'), e.g. \"service\":\"billing\"".format(label))
    else:
      label = "policy {0}".format(service)
      if service in seen:
        problems.append("{0} is defined twice; keep one policy per service".format(label))
      seen.add(service)
    datasets = policy.get("datasets")
    if not isinstance(datasets, list) or not datasets:
      problems.append("{0} has no \"datasets\"; list them, e.g. [\"hbase:billing:orders\",\"hdfs:/data/billing\"]".format(label))
    else:
      problems.extend("{0}: {1}".format(label, p) for p in map(_dataset_problem, datasets) if p)
    schedules = policy.get("schedules")
    if not isinstance(schedules, list) or not schedules:
      problems.append("{0} has no \"schedules\"; give at least one, e.g. [\"every:1h\"]".format(label))
    else:
      problems.extend("{0}: {1}".format(label, p) for p in map(_schedule_problem, schedules) if p)
    mode = policy.get("mode")
    if mode not in ("push", "pull"):
      problems.append("{0} has \"mode\" {1}; set \"mode\" to \"push\" or \"pull\"".format(label, json.dumps(mode)))
    for key in ("rpoSeconds", "retain"):
      if key in policy and (isinstance(policy[key], bool) or not isinstance(policy[key], int) or policy[key] <= 0):
        problems.append("{0} has {1} {2}; it must be a positive whole number".format(label, key, json.dumps(policy[key])))
    for key in ("users", "groups"):
      if key in policy and (not isinstance(policy[key], list) or
                            not all(isinstance(v, STRING_TYPES) for v in policy[key])):
        problems.append("{0} has {1} that is not a list of names".format(label, key))
  return problems


def tandem_site_problems(site):
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
    problems.extend(("tandem.policies", "ERROR", p) for p in policy_problems(site["tandem.policies"]))
  return problems


def cluster_hook_problems(hbase_site, hdfs_site):
  """(config type, property, message) for primary-side settings Tandem's cuts rely on."""
  problems = []
  if hbase_site is not None:
    classes = [c.strip() for c in (hbase_site.get(HBASE_REGION_CLASSES) or "").split(",")]
    if REGION_OBSERVER not in classes:
      problems.append(("hbase-site", HBASE_REGION_CLASSES,
                       "{0} lacks {1}: HBase writes are not fenced during cuts, so cuts of this cluster are not consistent".format(
                         HBASE_REGION_CLASSES, REGION_OBSERVER)))
  if hdfs_site is not None:
    plugins = [c.strip() for c in (hdfs_site.get(HDFS_PLUGINS) or "").split(",")]
    if NAMENODE_PLUGIN not in plugins:
      problems.append(("hdfs-site", HDFS_PLUGINS,
                       "{0} lacks {1}: the NameNode cannot snapshot a cut's directories at one instant".format(
                         HDFS_PLUGINS, NAMENODE_PLUGIN)))
    if (hdfs_site.get(HDFS_PROVIDER) or "").strip() != ATTRIBUTE_PROVIDER:
      problems.append(("hdfs-site", HDFS_PROVIDER,
                       "{0} is not {1}: this cluster does not refuse application writes when it is not primary".format(
                         HDFS_PROVIDER, ATTRIBUTE_PROVIDER)))
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
