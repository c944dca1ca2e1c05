"""
The service advisor: importable without Ambari, found by Ambari's class-name rule, its base
class found the way Ambari lays out resources/, and its recommendations and validations.
"""
import contextlib
import copy
import io
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
import unittest

from package.tests import harness

ADVISOR = os.path.join(harness.METAINFO, "service_advisor.py")
RANGER = "org.apache.ranger.authorization.hadoop.RangerHdfsAuthorizer"
ACCESS_CONTROLLER = "org.apache.hadoop.hbase.security.access.AccessController"

FAKE_PARENT = '''
class ServiceAdvisor(object):
  def __init__(self, *args, **kwargs):
    self.cardinalitiesDict = {}
    self.mastersWithMultipleInstances = set()
    self.loaded_from = __file__
'''


def load_advisor(path=ADVISOR):
  """Loads the advisor like Ambari's stack advisor: a module from a file path."""
  sys.modules.pop("service_advisor", None)
  spec = importlib.util.spec_from_file_location("service_advisor_impl_under_test", path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  sys.modules.pop("service_advisor", None)
  return module


class Loading(unittest.TestCase):

  def setUp(self):
    self.tmp = tempfile.mkdtemp(prefix="tandem-advisor-")
    self.addCleanup(shutil.rmtree, self.tmp, True)
    self.saved_env = os.environ.pop("BASE_SERVICE_ADVISOR", None)
    self.addCleanup(self.restore_env)

  def restore_env(self):
    os.environ.pop("BASE_SERVICE_ADVISOR", None)
    if self.saved_env is not None:
      os.environ["BASE_SERVICE_ADVISOR"] = self.saved_env

  def test_imports_without_ambari_on_object(self):
    module = load_advisor()
    self.assertIs(object, module.ServiceAdvisorBase)
    module.TandemServiceAdvisor()

  def test_class_is_the_one_ambari_picks(self):
    # stacks/stack_advisor.py instantiateServiceAdvisor: the first attribute in dir() order that
    # matches "<SERVICE>.*?ServiceAdvisor" (re.IGNORECASE, re.match), instantiated without arguments.
    module = load_advisor()
    pattern = re.compile("%s.*?ServiceAdvisor" % "TANDEM", re.IGNORECASE)
    picked = [name for name in dir(module) if not name.startswith("__") and pattern.match(name)]
    self.assertEqual("TandemServiceAdvisor", picked[0])
    getattr(module, picked[0])()

  def test_base_from_the_environment_variable(self):
    parent = os.path.join(self.tmp, "parent.py")
    with open(parent, "w") as handle:
      handle.write(FAKE_PARENT)
    os.environ["BASE_SERVICE_ADVISOR"] = parent
    module = load_advisor()
    self.assertEqual("ServiceAdvisor", module.ServiceAdvisorBase.__name__)
    advisor = module.TandemServiceAdvisor()
    self.assertEqual({"min": 1}, advisor.cardinalitiesDict["TANDEM_CONTROLLER"])
    self.assertIn("TANDEM_CONTROLLER", advisor.mastersWithMultipleInstances)

  def test_base_found_from_common_services_through_the_mpack_symlink(self):
    # install-mpack stages the mpack in resources/mpacks/<name>-<version> and symlinks
    # resources/common-services/TANDEM/0.1.0 to it; the base is resources/stacks/service_advisor.py.
    resources = os.path.join(self.tmp, "resources")
    os.makedirs(os.path.join(resources, "stacks"))
    with open(os.path.join(resources, "stacks", "service_advisor.py"), "w") as handle:
      handle.write(FAKE_PARENT)
    staged = os.path.join(resources, "mpacks", "tandem-ambari-mpack-0.1.0", "common-services", "TANDEM", "0.1.0")
    os.makedirs(staged)
    shutil.copy(ADVISOR, staged)
    os.makedirs(os.path.join(resources, "common-services", "TANDEM"))
    linked = os.path.join(resources, "common-services", "TANDEM", "0.1.0")
    os.symlink(staged, linked)
    for path in (os.path.join(linked, "service_advisor.py"), os.path.join(staged, "service_advisor.py")):
      with self.subTest(path=path):
        module = load_advisor(path)
        self.assertEqual(os.path.join(resources, "stacks", "service_advisor.py"),
                         module.TandemServiceAdvisor().loaded_from)

  def test_broken_parent_falls_back_to_object(self):
    parent = os.path.join(self.tmp, "parent.py")
    with open(parent, "w") as handle:
      handle.write("from stack_advisor import DefaultStackAdvisor\n")
    os.environ["BASE_SERVICE_ADVISOR"] = parent
    printed, traced = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(traced):
      module = load_advisor()
    self.assertIs(object, module.ServiceAdvisorBase)
    self.assertNotIn("service_advisor", sys.modules)
    self.assertIn("Failed to load parent service advisor " + parent, printed.getvalue())
    self.assertIn("No module named 'stack_advisor'", traced.getvalue())


class Recommendations(unittest.TestCase):

  def setUp(self):
    self.module = load_advisor()
    self.advisor = self.module.TandemServiceAdvisor()

  def recommend(self, hbase_site=None, hdfs_site=None, recommended=None, changed=()):
    services = {"services": [], "configurations": {}, "changed-configurations": list(changed)}
    if hbase_site is not None:
      services["configurations"]["hbase-site"] = {"properties": hbase_site}
    if hdfs_site is not None:
      services["configurations"]["hdfs-site"] = {"properties": hdfs_site}
    configurations = copy.deepcopy(recommended or {})
    self.advisor.getServiceConfigurationRecommendations(configurations, {}, services, {"items": []})
    return configurations

  def test_region_observer_is_added_keeping_existing_classes(self):
    result = self.recommend(hbase_site={"hbase.coprocessor.user.region.classes": ACCESS_CONTROLLER + ", "})
    self.assertEqual(ACCESS_CONTROLLER + ",io.tandem.hbase.TandemRegionObserver,io.tandem.hbase.TandemGuardObserver",
                     result["hbase-site"]["properties"]["hbase.coprocessor.user.region.classes"])

  def test_region_observer_alone_and_never_twice(self):
    both = "io.tandem.hbase.TandemRegionObserver,io.tandem.hbase.TandemGuardObserver"
    self.assertEqual(both,
                     self.recommend(hbase_site={})["hbase-site"]["properties"]["hbase.coprocessor.user.region.classes"])
    again = self.recommend(hbase_site={"hbase.coprocessor.user.region.classes": both})
    self.assertEqual(both,
                     again["hbase-site"]["properties"]["hbase.coprocessor.user.region.classes"])

  def test_builds_on_what_an_earlier_advisor_recommended(self):
    result = self.recommend(hbase_site={}, recommended={
      "hbase-site": {"properties": {"hbase.coprocessor.user.region.classes": "com.example.Audit"}}})
    self.assertEqual("com.example.Audit,io.tandem.hbase.TandemRegionObserver,io.tandem.hbase.TandemGuardObserver",
                     result["hbase-site"]["properties"]["hbase.coprocessor.user.region.classes"])

  def test_guard_settings_follow_tandem_site_and_env(self):
    services = {"services": [], "changed-configurations": [], "configurations": {
      "hbase-site": {"properties": {}}, "hdfs-site": {"properties": {}},
      "tandem-site": {"properties": {"tandem.controller.zk.quorum": "zk1:2181,zk2:2181",
                                     "tandem.controller.zk.root": "/tandem", "tandem.secondary.name": "dr"}},
      "tandem-env": {"properties": {"tandem_local_cluster": "secondary", "tandem_user": "tandem"}}}}
    configurations = {}
    self.advisor.getServiceConfigurationRecommendations(configurations, {}, services, {"items": []})
    for site in ("hbase-site", "hdfs-site"):
      props = configurations[site]["properties"]
      self.assertEqual("zk1:2181,zk2:2181", props["tandem.guard.zk.quorum"])
      self.assertEqual("/tandem", props["tandem.guard.zk.root"])
      self.assertEqual("dr", props["tandem.cluster.name"], "the guard knows this cluster by the record's name")
      self.assertEqual("tandem", props["tandem.guard.bypass.users"])

  def test_attribute_provider_chains_rangers(self):
    hdfs = self.recommend(hdfs_site={"dfs.namenode.inode.attributes.provider.class": RANGER})["hdfs-site"]["properties"]
    self.assertEqual("io.tandem.hdfs.TandemAttributeProvider", hdfs["dfs.namenode.inode.attributes.provider.class"])
    self.assertEqual(RANGER, hdfs["tandem.hdfs.chained.attributes.provider.class"])
    self.assertEqual("io.tandem.hdfs.TandemNameNodePlugin", hdfs["dfs.namenode.plugins"])

  def test_attribute_provider_without_a_previous_one(self):
    hdfs = self.recommend(hdfs_site={"dfs.namenode.plugins": "org.example.Plugin"})["hdfs-site"]["properties"]
    self.assertEqual("io.tandem.hdfs.TandemAttributeProvider", hdfs["dfs.namenode.inode.attributes.provider.class"])
    self.assertEqual("", hdfs["tandem.hdfs.chained.attributes.provider.class"])
    self.assertEqual("org.example.Plugin,io.tandem.hdfs.TandemNameNodePlugin", hdfs["dfs.namenode.plugins"])

  def test_already_ours_keeps_the_chained_provider(self):
    hdfs = self.recommend(hdfs_site={"dfs.namenode.inode.attributes.provider.class": "io.tandem.hdfs.TandemAttributeProvider",
                                     "tandem.hdfs.chained.attributes.provider.class": RANGER})
    properties = hdfs["hdfs-site"]["properties"]
    self.assertNotIn("tandem.hdfs.chained.attributes.provider.class", properties)
    self.assertNotIn("dfs.namenode.inode.attributes.provider.class", properties)

  def test_a_value_the_user_is_changing_is_left_alone(self):
    result = self.recommend(hbase_site={"hbase.coprocessor.user.region.classes": ""},
                            changed=[{"type": "hbase-site", "name": "hbase.coprocessor.user.region.classes"}])
    self.assertNotIn("hbase.coprocessor.user.region.classes", result.get("hbase-site", {}).get("properties", {}))

  def test_without_hbase_or_hdfs_configs_nothing_is_recommended(self):
    self.assertEqual({}, self.recommend())


class Validation(unittest.TestCase):

  def setUp(self):
    self.module = load_advisor()
    self.advisor = self.module.TandemServiceAdvisor()
    self.site = dict(harness.stack_defaults()["tandem-site"])

  def items(self, site=None, hbase_site=None, hdfs_site=None):
    configurations = {"tandem-site": {"properties": self.site if site is None else site}}
    if hbase_site is not None:
      configurations["hbase-site"] = {"properties": hbase_site}
    if hdfs_site is not None:
      configurations["hdfs-site"] = {"properties": hdfs_site}
    return self.advisor.getServiceConfigurationsValidationItems(configurations, {}, {}, {})

  def problems(self, **changes):
    site = dict(self.site)
    site.update(changes)
    return [(i["config-name"], i["level"], i["message"]) for i in self.items(site)]

  def test_the_shipped_defaults_are_valid(self):
    self.assertEqual([], self.items())

  def test_item_shape_is_ambaris(self):
    self.site["tandem.clock.max-skew.ms"] = "0"
    self.assertEqual([{"type": "configuration", "level": "ERROR", "config-type": "tandem-site",
                       "config-name": "tandem.clock.max-skew.ms",
                       "message": "tandem.clock.max-skew.ms is '0'; it must be a whole number greater than 0"}],
                     self.items())

  def test_skew_and_lease_must_be_positive(self):
    for name, value in (("tandem.clock.max-skew.ms", "-1"), ("tandem.fence.lease.ms", "0"),
                        ("tandem.fence.lease.ms", "30s"), ("tandem.transfer.mappers", "")):
      with self.subTest(name=name, value=value):
        self.assertIn((name, "ERROR"), [(n, l) for n, l, _ in self.problems(**{name: value})])

  def test_port_range(self):
    self.assertEqual("ERROR", self.problems(**{"tandem.controller.http.port": "70000"})[0][1])
    self.assertEqual("ERROR", self.problems(**{"tandem.controller.http.port": "0"})[0][1])
    self.assertEqual("ERROR", self.problems(**{"tandem.controller.http.port": "http"})[0][1])
    self.assertEqual("WARN", self.problems(**{"tandem.controller.http.port": "80"})[0][1])
    self.assertEqual([], self.problems(**{"tandem.controller.http.port": "65535"}))

  def test_alert_threshold_not_below_lease_warns(self):
    problems = self.problems(**{"tandem.fence.alert.ms": "30000"})
    self.assertEqual([("tandem.fence.alert.ms", "WARN")], [(n, l) for n, l, _ in problems])

  def test_same_name_or_dir_for_both_clusters(self):
    self.assertEqual("tandem.secondary.name", self.problems(**{"tandem.secondary.name": "primary"})[0][0])
    self.assertEqual("tandem.secondary.conf.dir",
                     self.problems(**{"tandem.secondary.conf.dir": "/etc/tandem/conf/primary"})[0][0])

  def test_enumerations_and_fraction(self):
    self.assertTrue(self.problems(**{"tandem.transfer.mode.default": "ship"}))
    self.assertTrue(self.problems(**{"tandem.mapreduce.framework": "spark"}))
    self.assertTrue(self.problems(**{"tandem.failover.automatic": "maybe"}))
    self.assertTrue(self.problems(**{"tandem.rpo.warning.fraction": "1.5"}))
    self.assertTrue(self.problems(**{"tandem.failover.automatic.delay.s": "-1"}))
    self.assertEqual([], self.problems(**{"tandem.rpo.warning.fraction": "1"}))


class PolicyValidation(unittest.TestCase):
  CONTRACT_EXAMPLE = {"service": "billing",
                      "datasets": ["hbase:billing:orders", "hbase:billing:*", "hdfs:/data/billing/events"],
                      "schedules": ["every:1h", "cron:0 2 * * *", "once:2026-12-01T02:00:00Z"],
                      "mode": "push", "retain": 7, "rpoSeconds": 7200, "users": ["alice"], "groups": ["billing"]}

  def setUp(self):
    self.module = load_advisor()

  def problems(self, policies):
    return self.module.policy_problems(policies if isinstance(policies, str) else json.dumps(policies))

  def test_the_contracts_example_is_valid(self):
    self.assertEqual([], self.problems([self.CONTRACT_EXAMPLE]))
    self.assertEqual([], self.problems([]))

  def test_not_json(self):
    problems = self.problems("[{service: billing}]")
    self.assertEqual(1, len(problems))
    self.assertIn("tandem.policies is not valid JSON", problems[0])
    self.assertIn('"service":"billing"', problems[0], "the message shows a valid policy")

  def test_not_a_list(self):
    self.assertIn("must be a JSON list", self.problems(self.CONTRACT_EXAMPLE)[0])
    self.assertIn("is not valid JSON", self.problems("")[0])

  def test_each_required_field_is_named(self):
    for field, expected in (("service", 'policy #1 has no valid "service"'),
                            ("datasets", 'policy billing has no "datasets"'),
                            ("schedules", 'policy billing has no "schedules"'),
                            ("mode", 'policy billing has "mode" null; set "mode" to "push" or "pull"')):
      with self.subTest(field=field):
        policy = dict(self.CONTRACT_EXAMPLE)
        del policy[field]
        problems = self.problems([policy])
        self.assertTrue(any(p.startswith(expected) for p in problems), problems)

  def test_bad_values_are_named(self):
    policy = dict(self.CONTRACT_EXAMPLE, mode="ship", datasets=["s3://bucket/x", "hdfs:/ok"],
                  schedules=["every:soon", "cron:* *", "once:tomorrow", "weekly"], rpoSeconds="2h", retain=0,
                  users="alice")
    problems = self.problems([policy])
    for expected in ('policy billing has "mode" "ship"',
                     "policy billing: data set s3://bucket/x must be hbase:<namespace>:<table|*> or hdfs:/<directory>",
                     "policy billing: schedule every:soon is not every:<number><s|m|h|d>",
                     "policy billing: schedule cron:* * is not cron:<5 fields>",
                     "policy billing: schedule once:tomorrow is not once:<ISO-8601 instant>",
                     "policy billing: schedule weekly must start with every:, cron: or once:",
                     'policy billing has rpoSeconds "2h"; it must be a positive whole number',
                     "policy billing has retain 0; it must be a positive whole number",
                     "policy billing has users that is not a list of names"):
      self.assertIn(expected, [p[:len(expected)] for p in problems])

  def test_duplicate_service(self):
    problems = self.problems([self.CONTRACT_EXAMPLE, self.CONTRACT_EXAMPLE])
    self.assertEqual(["policy billing is defined twice; keep one policy per service"], problems)

  def test_policies_reach_the_validation_items(self):
    advisor = self.module.TandemServiceAdvisor()
    site = dict(harness.stack_defaults()["tandem-site"], **{"tandem.policies": json.dumps([{"service": "x"}])})
    items = advisor.getServiceConfigurationsValidationItems({"tandem-site": {"properties": site}}, {}, {}, {})
    self.assertEqual({"tandem.policies"}, set(i["config-name"] for i in items))
    self.assertEqual(3, len(items))


class ClusterHooksAndLayout(unittest.TestCase):

  def setUp(self):
    self.module = load_advisor()
    self.advisor = self.module.TandemServiceAdvisor()

  def test_missing_hooks_warn(self):
    items = self.advisor.getServiceConfigurationsValidationItems(
      {"hbase-site": {"properties": {}}, "hdfs-site": {"properties": {"dfs.namenode.inode.attributes.provider.class": RANGER}}},
      {}, {}, {})
    self.assertEqual([("hbase-site", "hbase.coprocessor.user.region.classes"), ("hdfs-site", "dfs.namenode.plugins"),
                      ("hdfs-site", "dfs.namenode.inode.attributes.provider.class")],
                     [(i["config-type"], i["config-name"]) for i in items])
    self.assertEqual({"WARN"}, set(i["level"] for i in items))

  def test_recommended_hooks_validate(self):
    services = {"configurations": {"hbase-site": {"properties": {}}, "hdfs-site": {"properties": {}}}}
    recommended = {}
    self.advisor.getServiceConfigurationRecommendations(recommended, {}, services, {})
    self.assertEqual([], self.advisor.getServiceConfigurationsValidationItems(recommended, {}, services, {}))

  def test_client_goes_where_tandem_classes_are_loaded(self):
    layout = {"nn1": [{"name": "NAMENODE"}], "rs1": [{"name": "HBASE_REGIONSERVER"}, {"name": "DATANODE"}],
              "ctl1": [{"name": "TANDEM_CONTROLLER"}], "rs2": [{"name": "HBASE_REGIONSERVER"}, {"name": "TANDEM_CLIENT"}]}
    self.advisor.colocateService(layout, [])
    self.assertIn({"name": "TANDEM_CLIENT"}, layout["nn1"])
    self.assertIn({"name": "TANDEM_CLIENT"}, layout["rs1"])
    self.assertNotIn({"name": "TANDEM_CLIENT"}, layout["ctl1"])
    self.assertEqual(1, layout["rs2"].count({"name": "TANDEM_CLIENT"}))

  def test_regionserver_without_client_is_a_layout_error(self):
    def component(name, hosts):
      return {"StackServiceComponents": {"component_name": name, "hostnames": hosts}}
    services = {"services": [
      {"StackServices": {"service_name": "HBASE"}, "components": [component("HBASE_REGIONSERVER", ["rs1", "rs2"])]},
      {"StackServices": {"service_name": "TANDEM"}, "components": [component("TANDEM_CLIENT", ["rs1"])]}]}
    items = self.advisor.getServiceComponentLayoutValidations(services, {"items": []})
    self.assertEqual([("ERROR", "TANDEM_CLIENT", "rs2")], [(i["level"], i["component-name"], i["host"]) for i in items])
    self.assertEqual("host-component", items[0]["type"])


if __name__ == "__main__":
  unittest.main()
