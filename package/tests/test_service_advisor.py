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

  def test_zookeeper_acl_ids_follow_tandem_site_but_credentials_never_do(self):
    services = {"services": [], "changed-configurations": [], "configurations": {
      "hbase-site": {"properties": {"tandem.zk.auth": "digest:hbase-guard:pw"}},
      "hdfs-site": {"properties": {"tandem.zk.acl.participants": "sasl:old"}},
      "tandem-site": {"properties": {"tandem.zk.acl.controller": "sasl:tandem",
                                     "tandem.zk.acl.participants": "sasl:hbase,sasl:hdfs",
                                     "tandem.zk.auth": "digest:tandem:controller-secret"}},
      "tandem-env": {"properties": {}}}}
    configurations = {}
    self.advisor.getServiceConfigurationRecommendations(configurations, {}, services, {"items": []})
    for site in ("hbase-site", "hdfs-site"):
      props = configurations[site]["properties"]
      self.assertEqual("sasl:tandem", props["tandem.zk.acl.controller"])
      self.assertEqual("sasl:hbase,sasl:hdfs", props["tandem.zk.acl.participants"])
      self.assertNotIn("tandem.zk.auth", props, "the controller's credentials stay in tandem-site")
    # Cleared in tandem-site: cleared where it was set, not added where it never was.
    services["configurations"]["tandem-site"]["properties"] = {}
    configurations = {}
    self.advisor.getServiceConfigurationRecommendations(configurations, {}, services, {"items": []})
    self.assertEqual("", configurations["hdfs-site"]["properties"]["tandem.zk.acl.participants"])
    self.assertNotIn("tandem.zk.acl.controller", configurations["hbase-site"]["properties"])

  def test_attribute_provider_chains_rangers(self):
    hdfs = self.recommend(hdfs_site={"dfs.namenode.inode.attributes.provider.class": RANGER})["hdfs-site"]["properties"]
    self.assertEqual("io.tandem.hdfs.TandemAttributeProvider", hdfs["dfs.namenode.inode.attributes.provider.class"])
    self.assertEqual(RANGER, hdfs["tandem.hdfs.chained.attributes.provider.class"])
    self.assertEqual("io.tandem.hdfs.TandemNameNodePlugin", hdfs["dfs.namenode.plugins"])

  def test_attribute_provider_without_a_previous_one(self):
    hdfs = self.recommend(hdfs_site={"dfs.namenode.plugins": "org.example.Plugin"})["hdfs-site"]["properties"]
    self.assertEqual("io.tandem.hdfs.TandemAttributeProvider", hdfs["dfs.namenode.inode.attributes.provider.class"])
    self.assertNotIn("tandem.hdfs.chained.attributes.provider.class", hdfs,
                     "an empty chained provider is never recommended (a NameNode used to fail on it)")
    self.assertEqual("org.example.Plugin,io.tandem.hdfs.TandemNameNodePlugin", hdfs["dfs.namenode.plugins"])

  def test_open_files_are_captured_where_the_namenode_plugin_is(self):
    hdfs = self.recommend(hdfs_site={})["hdfs-site"]["properties"]
    self.assertEqual("true", hdfs["dfs.namenode.snapshot.capture.openfiles"])
    again = self.recommend(hdfs_site={"dfs.namenode.snapshot.capture.openfiles": "false"})["hdfs-site"]["properties"]
    self.assertEqual("true", again["dfs.namenode.snapshot.capture.openfiles"], "a false value is turned on")
    hbase_only = self.recommend(hbase_site={})
    self.assertNotIn("hdfs-site", hbase_only, "no hdfs-site recommendation without hdfs-site")

  def test_open_file_capture_the_admin_is_changing_is_left_alone(self):
    hdfs = self.recommend(hdfs_site={"dfs.namenode.snapshot.capture.openfiles": "false"},
                          changed=[{"type": "hdfs-site", "name": "dfs.namenode.snapshot.capture.openfiles"}])
    self.assertNotIn("dfs.namenode.snapshot.capture.openfiles", hdfs.get("hdfs-site", {}).get("properties", {}))

  def test_a_blank_previous_provider_is_not_chained(self):
    hdfs = self.recommend(hdfs_site={"dfs.namenode.inode.attributes.provider.class": "  "})["hdfs-site"]["properties"]
    self.assertEqual("io.tandem.hdfs.TandemAttributeProvider", hdfs["dfs.namenode.inode.attributes.provider.class"])
    self.assertNotIn("tandem.hdfs.chained.attributes.provider.class", hdfs)

  def test_no_recommended_value_is_empty(self):
    services = {"services": [], "changed-configurations": [], "configurations": {
      "hbase-site": {"properties": {}}, "hdfs-site": {"properties": {}},
      "tandem-site": {"properties": {}}, "tandem-env": {"properties": {}}}}
    configurations = {}
    self.advisor.getServiceConfigurationRecommendations(configurations, {}, services, {"items": []})
    for site in ("hbase-site", "hdfs-site"):
      for name, value in configurations[site]["properties"].items():
        self.assertTrue(value.strip(), "{0}/{1} is recommended empty".format(site, name))

  def test_cut_quorum_from_hbase_zookeeper_on_both_sites(self):
    result = self.recommend(hbase_site={"hbase.zookeeper.quorum": "zk1.example.com, zk2.example.com:2281,zk3",
                                        "hbase.zookeeper.property.clientPort": "2182"}, hdfs_site={})
    expected = "zk1.example.com:2182,zk2.example.com:2281,zk3:2182"
    self.assertEqual(expected, result["hdfs-site"]["properties"]["tandem.cut.zookeeper.quorum"])
    self.assertEqual(expected, result["hbase-site"]["properties"]["tandem.cut.zookeeper.quorum"])

  def test_cut_quorum_default_port(self):
    self.assertEqual("zk1:2181", self.module.hbase_cut_quorum({"hbase.zookeeper.quorum": "zk1"}))
    self.assertEqual("", self.module.hbase_cut_quorum({}))

  def test_cut_quorum_follows_an_earlier_advisors_hbase_quorum(self):
    result = self.recommend(hbase_site={"hbase.zookeeper.quorum": "old"}, hdfs_site={},
                            recommended={"hbase-site": {"properties": {"hbase.zookeeper.quorum": "new1,new2"}}})
    self.assertEqual("new1:2181,new2:2181", result["hdfs-site"]["properties"]["tandem.cut.zookeeper.quorum"])

  def test_without_hbase_no_cut_quorum(self):
    self.assertNotIn("tandem.cut.zookeeper.quorum", self.recommend(hdfs_site={})["hdfs-site"]["properties"])

  def services_with_cut_root(self, root, hdfs_site=None):
    return {"services": [], "changed-configurations": [], "configurations": {
      "hbase-site": {"properties": {"hbase.zookeeper.quorum": "zk1"}}, "hdfs-site": {"properties": hdfs_site or {}},
      "tandem-site": {"properties": {"tandem.cut.zk.root": root}}}}

  def test_non_default_cut_root_goes_to_both_sites(self):
    configurations = {}
    self.advisor.getServiceConfigurationRecommendations(configurations, {}, self.services_with_cut_root("/dr/cuts"), {})
    for site in ("hbase-site", "hdfs-site"):
      self.assertEqual("/dr/cuts", configurations[site]["properties"]["tandem.cut.zk.root"])

  def test_default_cut_root_is_left_to_the_servers_default(self):
    configurations = {}
    self.advisor.getServiceConfigurationRecommendations(configurations, {}, self.services_with_cut_root("/tandem/cuts"), {})
    self.assertNotIn("tandem.cut.zk.root", configurations["hdfs-site"]["properties"])
    # ...unless a site still holds another root from before.
    configurations = {}
    self.advisor.getServiceConfigurationRecommendations(
      configurations, {}, self.services_with_cut_root("/tandem/cuts", {"tandem.cut.zk.root": "/old"}), {})
    self.assertEqual("/tandem/cuts", configurations["hdfs-site"]["properties"]["tandem.cut.zk.root"])

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
                      "datasets": ["hbase:billing:orders", "hbase:billing_archive:*", "hdfs:/data/billing/events"],
                      "schedules": ["every:1h", "cron:0 2 * * *", "once:2026-12-01T02:00:00Z"],
                      "mode": "push", "retain": 7, "rpoSeconds": 7200, "users": ["alice"], "groups": ["billing"]}

  def setUp(self):
    self.module = load_advisor()

  def problems(self, policies):
    # The example's one-off is in December 2026: check as of June 2026, like the corpus.
    now = self.module.PolicyChecker(self.module.load_policy_rules()[0]).instant("2026-06-01T10:00:00Z")
    return self.module.policy_problems(policies if isinstance(policies, str) else json.dumps(policies), now=now)

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
    self.assertEqual([], self.problems(""), "a blank value is no policies, as the controller reads it")

  def test_each_required_field_is_named(self):
    for field, expected in (("service", 'policy <unnamed>: service name "null" must match'),
                            ("datasets", "policy billing: no data sets"),
                            ("schedules", "policy billing: no schedule")):
      with self.subTest(field=field):
        policy = dict(self.CONTRACT_EXAMPLE)
        del policy[field]
        problems = self.problems([policy])
        self.assertTrue(any(p.startswith(expected) for p in problems), problems)

  def test_mode_is_optional_as_for_the_controller(self):
    policy = dict(self.CONTRACT_EXAMPLE)
    del policy["mode"]
    self.assertEqual([], self.problems([policy]))

  def test_bad_values_are_named(self):
    policy = dict(self.CONTRACT_EXAMPLE, mode="ship", datasets=["s3://bucket/x", "hdfs:/ok"],
                  schedules=["every:soon", "cron:* *", "once:tomorrow", "weekly"], retain=0)
    problems = self.problems([policy])
    for expected in ('policy billing: unknown transfer mode "ship": expected push or pull',
                     'policy billing: bad data set "s3://bucket/x": expected hdfs:/path, hbase:namespace:table',
                     'policy billing: bad schedule "every:soon": expected every:<n>[s|m|h|d]',
                     'policy billing: bad cron "* *": expected 5 fields',
                     'policy billing: bad schedule "once:tomorrow": "tomorrow" is not an ISO-8601 instant',
                     'policy billing: bad schedule "weekly": expected once:<ISO instant>',
                     "policy billing: retain must be at least 1"):
      self.assertIn(expected, [p[:len(expected)] for p in problems])
    self.assertIn('policy billing is not a policy: "users" must be a list',
                  self.problems([dict(self.CONTRACT_EXAMPLE, users="alice")])[0])

  def test_duplicate_service(self):
    problems = self.problems([self.CONTRACT_EXAMPLE, self.CONTRACT_EXAMPLE])
    self.assertEqual(["policy billing is declared more than once; keep one policy per service"], problems)

  def test_the_four_the_controller_refuses(self):
    for dataset in ("hbase:billing", "hbase:my-ns:orders", "hdfs:/", "hdfs:/data/../etc"):
      with self.subTest(dataset=dataset):
        problems = self.problems([dict(self.CONTRACT_EXAMPLE, datasets=[dataset])])
        self.assertEqual(1, len(problems), problems)
        self.assertIn('bad data set "{0}"'.format(dataset), problems[0])

  def test_policies_reach_the_validation_items(self):
    advisor = self.module.TandemServiceAdvisor()
    site = dict(harness.stack_defaults()["tandem-site"], **{"tandem.policies": json.dumps([{"service": "x"}])})
    items = advisor.getServiceConfigurationsValidationItems({"tandem-site": {"properties": site}}, {}, {}, {})
    self.assertEqual({"tandem.policies"}, set(i["config-name"] for i in items))
    self.assertEqual(2, len(items), "no data sets, no schedule")

  def test_missing_rules_file_is_a_validation_item_not_a_crash(self):
    site = dict(harness.stack_defaults()["tandem-site"], **{"tandem.policies": json.dumps([self.CONTRACT_EXAMPLE])})
    problems = self.module.tandem_site_problems(site, rules_path="/nonexistent/policy-rules.json")
    self.assertEqual(1, len(problems))
    name, level, message = problems[0]
    self.assertEqual(("tandem.policies", "WARN"), (name, level))
    self.assertIn("/nonexistent/policy-rules.json", message)
    self.assertIn("cannot check tandem.policies", message)

  def test_the_rules_ship_next_to_the_advisor(self):
    self.assertTrue(os.path.isfile(os.path.join(harness.METAINFO, "policy-rules.json")))
    rules, why = self.module.load_policy_rules()
    self.assertIsNone(why)
    for pattern in (rules["service"]["pattern"], rules["datasets"]["hdfs_segment"], rules["instant"]["pattern"],
                    rules["principal"]["pattern"], rules["schedules"]["cron"]["separator"]):
      re.compile(pattern)


class PolicyCorpus(unittest.TestCase):
  """core/src/test/resources/policy-cases.json, which core's PolicyCasesTest runs through the
  controller's PolicyValidator: the advisor must reach the same verdict on every case."""
  CORPUS = os.path.join(harness.REPO_ROOT, "core", "src", "test", "resources", "policy-cases.json")

  def test_every_case_has_the_controllers_verdict(self):
    module = load_advisor()
    rules, why = module.load_policy_rules()
    self.assertIsNone(why)
    with open(self.CORPUS) as handle:
      corpus = json.load(handle)
    now = module.PolicyChecker(rules).instant(corpus["now"])
    self.assertGreaterEqual(len(corpus["cases"]), 30)
    for case in corpus["cases"]:
      with self.subTest(case=case["name"]):
        policies = case["policies"] if "policies" in case else [case["policy"]]
        problems = module.policy_problems(json.dumps(policies), now=now, rules=rules)
        self.assertEqual(case["valid"], not problems, problems)
        text = "\n".join(problems).lower()
        for word in case.get("mentions", []):
          self.assertIn(word.lower(), text)


class ClusterHooksAndLayout(unittest.TestCase):

  def setUp(self):
    self.module = load_advisor()
    self.advisor = self.module.TandemServiceAdvisor()

  FULL_SERVICES = {"services": [], "changed-configurations": [], "configurations": {
    "hbase-site": {"properties": {"hbase.zookeeper.quorum": "zk1,zk2"}}, "hdfs-site": {"properties": {}},
    "tandem-site": {"properties": {"tandem.controller.zk.quorum": "ctl-zk:2181", "tandem.controller.zk.root": "/tandem",
                                   "tandem.primary.name": "prod", "tandem.secondary.name": "dr"}},
    "tandem-env": {"properties": {"tandem_local_cluster": "primary", "tandem_user": "tandem"}}}}

  def recommended_sites(self):
    recommended = {}
    self.advisor.getServiceConfigurationRecommendations(recommended, {}, copy.deepcopy(self.FULL_SERVICES), {})
    return recommended["hbase-site"]["properties"], recommended["hdfs-site"]["properties"]

  def warnings(self, hbase_site, hdfs_site):
    items = self.advisor.getServiceConfigurationsValidationItems(
      {"hbase-site": {"properties": hbase_site}, "hdfs-site": {"properties": hdfs_site}}, {}, {}, {})
    self.assertEqual({"WARN"}, set(i["level"] for i in items) or {"WARN"})
    return [(i["config-type"], i["config-name"], i["message"]) for i in items]

  def test_missing_hooks_warn(self):
    items = self.advisor.getServiceConfigurationsValidationItems(
      {"hbase-site": {"properties": {}}, "hdfs-site": {"properties": {"dfs.namenode.inode.attributes.provider.class": RANGER}}},
      {}, {}, {})
    self.assertEqual([("hbase-site", "hbase.coprocessor.user.region.classes"),
                      ("hbase-site", "hbase.coprocessor.user.region.classes"),
                      ("hbase-site", "tandem.guard.zk.quorum"), ("hbase-site", "tandem.cluster.name"),
                      ("hbase-site", "tandem.guard.bypass.users"),
                      ("hdfs-site", "dfs.namenode.plugins"), ("hdfs-site", "dfs.namenode.snapshot.capture.openfiles"),
                      ("hdfs-site", "dfs.namenode.inode.attributes.provider.class"),
                      ("hdfs-site", "tandem.cut.zookeeper.quorum"),
                      ("hdfs-site", "tandem.guard.zk.quorum"), ("hdfs-site", "tandem.cluster.name"),
                      ("hdfs-site", "tandem.guard.bypass.users")],
                     [(i["config-type"], i["config-name"]) for i in items])
    self.assertEqual({"WARN"}, set(i["level"] for i in items))

  def test_recommended_hooks_validate(self):
    hbase, hdfs = self.recommended_sites()
    self.assertEqual([], self.warnings(hbase, hdfs))

  def test_each_missing_setting_warns_alone(self):
    # (site, property removed or changed, words the warning must say)
    cases = (("hbase-site", "hbase.coprocessor.user.region.classes", "io.tandem.hbase.TandemGuardObserver",
              "TandemRegionObserver"),
             ("hbase-site", "hbase.coprocessor.user.region.classes", "io.tandem.hbase.TandemRegionObserver",
              "TandemGuardObserver"),
             ("hdfs-site", "dfs.namenode.plugins", None, "TandemNameNodePlugin"),
             ("hdfs-site", "dfs.namenode.snapshot.capture.openfiles", None, "refuses every cut's directory snapshots"),
             ("hdfs-site", "dfs.namenode.snapshot.capture.openfiles", "false", "open for write"),
             ("hdfs-site", "dfs.namenode.inode.attributes.provider.class", RANGER, "TandemAttributeProvider"),
             ("hdfs-site", "tandem.cut.zookeeper.quorum", None, "fails after tandem.cut.hdfs.timeout.ms"),
             ("hbase-site", "tandem.guard.zk.quorum", None, "identity guard is off"),
             ("hdfs-site", "tandem.guard.zk.quorum", " ", "identity guard is off"),
             ("hbase-site", "tandem.cluster.name", None, "never primary"),
             ("hdfs-site", "tandem.cluster.name", None, "never primary"),
             ("hbase-site", "tandem.guard.bypass.users", None, "tandem_user"),
             ("hdfs-site", "tandem.guard.bypass.users", None, "tandem_user"))
    for site, name, value, words in cases:
      with self.subTest(site=site, name=name, value=value):
        hbase, hdfs = self.recommended_sites()
        target = hbase if site == "hbase-site" else hdfs
        if value is None:
          del target[name]
        else:
          target[name] = value
        warnings = self.warnings(hbase, hdfs)
        self.assertEqual([(site, name)], [(t, n) for t, n, _ in warnings])
        self.assertIn(words, warnings[0][2])

  def test_an_empty_cut_quorum_on_hbase_is_its_own_quorum(self):
    hbase, hdfs = self.recommended_sites()
    hbase["tandem.cut.zookeeper.quorum"] = ""
    self.assertEqual([], self.warnings(hbase, hdfs))

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
