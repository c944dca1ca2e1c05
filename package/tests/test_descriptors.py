"""
Lint of every Ambari descriptor, with Ambari's own rules (apache/ambari, trunk):

- configuration XML: ambari-server/src/main/resources/configuration-schema.xsd, which the server
  validates every configuration/*.xml against at start-up (StackManager.validateAllPropertyXmls-
  InFolderRecursively): a file that fails it stops ambari-server;
- metainfo.xml: the JAXB model (state/ServiceInfo, ComponentInfo, CommandScriptDefinition,
  CustomCommandDefinition) and Script.execute, which runs the method named after the command
  in lower case;
- theme.json: state/theme/* for the shape, and ambari-web's themes_mapper.js, which silently
  skips a placement whose config or subsection does not exist, keys subsections by name (so
  names must be unique) and overwrites a tab named "advanced" with its own Advanced tab;
  enhanced_configs.js lists the widget types; slider/time-interval-spinner/toggle views and
  base_unit_convert_mixin.js decide which value-attributes and units a widget needs;
- alerts.json: state/alert/* (AlertDefinition, Source types, ParameterizedSource with
  STRING/NUMERIC/PERCENT, AlertState thresholds); the agent's script_alert.py / port_alert.py;
- role_command_order.json: metadata/RoleCommandOrder ("ROLE-COMMAND[-OVERRIDE]", RoleCommand);
- quicklinks.json, kerberos.json, metrics.json, widgets.json: the stacks' own files' structure;
- mpack.json: ambari_server/setupMpacks.py (prerequisites.min_ambari_version with underscores,
  artifacts and service_versions_map) and tar_archive.get_archive_root_dir (the archive's root is
  the common prefix of its names).
"""
import ast
import glob
import hashlib
import io
import json
import os
import re
import tarfile
import unittest
import xml.etree.ElementTree as ET

from package.tests import harness

METAINFO = harness.METAINFO
PACKAGE = harness.PACKAGE
ASSEMBLY = os.path.join(harness.REPO_ROOT, "ambari-service", "src", "assembly")
SERVICE = "TANDEM"
SERVICE_VERSION = "0.1.0"
COMPONENTS = {"TANDEM_CONTROLLER": "MASTER", "TANDEM_CLIENT": "CLIENT"}
# Components of the BIGTOP 3.2.0/3.3.0 stacks Tandem may refer to (their services' metainfo.xml).
STACK_COMPONENTS = {
  "HDFS": {"NAMENODE", "DATANODE", "SECONDARY_NAMENODE", "HDFS_CLIENT", "ROUTER", "JOURNALNODE", "ZKFC"},
  "HBASE": {"HBASE_MASTER", "HBASE_REGIONSERVER", "HBASE_CLIENT"},
  "ZOOKEEPER": {"ZOOKEEPER_SERVER", "ZOOKEEPER_CLIENT"},
  "YARN": {"RESOURCEMANAGER", "NODEMANAGER", "YARN_CLIENT", "APP_TIMELINE_SERVER", "TIMELINE_READER"},
}
KNOWN_ROLES = set(COMPONENTS) | {SERVICE + "_SERVICE_CHECK"} | \
  set().union(*STACK_COMPONENTS.values()) | {s + "_SERVICE_CHECK" for s in STACK_COMPONENTS}
ROLE_COMMANDS = {"INSTALL", "UNINSTALL", "START", "RESTART", "STOP", "EXECUTE", "ABORT", "UPGRADE", "SERVICE_CHECK",
                 "CUSTOM_COMMAND", "ACTIONEXECUTE"}
BOOLEANS = {"true", "false", "1", "0"}


def read_json(*parts):
  with open(os.path.join(*parts)) as handle:
    return json.load(handle)


def config_files():
  directory = os.path.join(METAINFO, "configuration")
  return sorted(os.path.join(directory, f) for f in os.listdir(directory) if f.endswith(".xml"))


def configuration_properties():
  """{type: {name: <property> element}} of every configuration XML of the service."""
  result = {}
  for path in config_files():
    result[os.path.basename(path)[:-len(".xml")]] = dict(
      (p.findtext("name"), p) for p in ET.parse(path).getroot().findall("property"))
  return result


def value_attributes(prop):
  attributes = prop.find("value-attributes")
  return {} if attributes is None else dict((child.tag, child) for child in attributes)


def entries(prop):
  attributes = prop.find("value-attributes")
  found = [] if attributes is None else attributes.findall("entries/entry")
  return [e.findtext("value") for e in found]


class EverythingParses(unittest.TestCase):

  def test_xml(self):
    paths = [os.path.join(METAINFO, "metainfo.xml"), os.path.join(ASSEMBLY, "addon-metainfo.xml"),
             os.path.join(ASSEMBLY, "mpack.xml")] + config_files()
    for path in paths:
      with self.subTest(path=path):
        ET.parse(path)

  def test_json(self):
    paths = glob.glob(os.path.join(METAINFO, "**", "*.json"), recursive=True) + [os.path.join(ASSEMBLY, "mpack.json")]
    self.assertGreaterEqual(len(paths), 8)
    for path in paths:
      with self.subTest(path=path):
        with open(path) as handle:
          json.load(handle)

  def test_python_compiles(self):
    paths = glob.glob(os.path.join(PACKAGE, "scripts", "*.py")) + glob.glob(os.path.join(PACKAGE, "alerts", "*.py")) + \
      [os.path.join(METAINFO, "service_advisor.py")]
    for path in paths:
      with self.subTest(path=path):
        with open(path) as handle:
          compile(handle.read(), path, "exec")

  def test_agent_side_python_stays_python_2_7_friendly(self):
    # Ambari 2.7 agents and stack advisor run Python 2.7: no f-strings, no annotations, no nonlocal.
    paths = glob.glob(os.path.join(PACKAGE, "scripts", "*.py")) + glob.glob(os.path.join(PACKAGE, "alerts", "*.py")) + \
      [os.path.join(METAINFO, "service_advisor.py")]
    for path in paths:
      with open(path) as handle:
        tree = ast.parse(handle.read(), path)
      for node in ast.walk(tree):
        with self.subTest(path=path, line=getattr(node, "lineno", None)):
          self.assertNotIsInstance(node, (ast.JoinedStr, ast.Nonlocal, ast.AnnAssign))
          if isinstance(node, ast.FunctionDef):
            self.assertFalse(node.returns or any(a.annotation for a in node.args.args) or node.args.kwonlyargs)


class ConfigurationSchema(unittest.TestCase):
  """configuration-schema.xsd, plus what this project asks of every property."""
  ROOT_ATTRIBUTES = {"supports_final", "supports_deletable", "supports_adding_forbidden", "supports_do_not_extend"}
  PROPERTY_CHILDREN = {"name", "value", "description", "display-name", "filename", "deleted", "final",
                       "on-ambari-upgrade", "supported-refresh-commands", "on-stack-upgrade", "property-type",
                       "value-attributes", "depends-on", "property_depended_by", "used-by"}
  VALUE_ATTRIBUTE_CHILDREN = {"type", "maximum", "minimum", "unit", "delete", "visible", "overridable",
                              "empty-value-valid", "ui-only-property", "read-only", "editable-only-at-install",
                              "show-property-name", "increment-step", "keystore", "entries", "hidden",
                              "entries_editable", "selection-cardinality", "property-file-name",
                              "property-file-type", "user-groups"}
  BOOLEAN_VALUE_ATTRIBUTES = {"visible", "overridable", "empty-value-valid", "ui-only-property", "read-only",
                              "editable-only-at-install", "show-property-name", "keystore", "entries_editable"}
  PROPERTY_TYPES = {"PASSWORD", "USER", "GROUP", "TEXT", "ADDITIONAL_USER_PROPERTY", "NOT_MANAGED_HDFS_PATH",
                    "VALUE_FROM_PROPERTY_FILE", "KERBEROS_PRINCIPAL"}

  def each_property(self):
    for path in config_files():
      root = ET.parse(path).getroot()
      for prop in root.findall("property"):
        yield path, prop

  def test_root(self):
    for path in config_files():
      root = ET.parse(path).getroot()
      with self.subTest(path=path):
        self.assertEqual("configuration", root.tag)
        self.assertLessEqual(set(root.attrib), self.ROOT_ATTRIBUTES)
        for value in root.attrib.values():
          self.assertIn(value, BOOLEANS)
        self.assertEqual({"property"}, set(child.tag for child in root))

  def test_property_elements_follow_the_xsd(self):
    for path, prop in self.each_property():
      with self.subTest(path=path, property=prop.findtext("name")):
        tags = [child.tag for child in prop]
        self.assertLessEqual(set(tags), self.PROPERTY_CHILDREN)
        self.assertEqual(len(tags), len(set(tags)), "xs:all: each element at most once")
        self.assertLessEqual(set(prop.attrib), {"require-input"})
        upgrade = prop.find("on-ambari-upgrade")
        self.assertIsNotNone(upgrade, "on-ambari-upgrade is required (minOccurs=1)")
        self.assertLessEqual(set(upgrade.attrib), {"add", "delete", "update"})
        for value in upgrade.attrib.values():
          self.assertIn(value, BOOLEANS)
        for tag in ("deleted", "final"):
          if prop.find(tag) is not None:
            self.assertIn(prop.findtext(tag), BOOLEANS)
        for kind in (prop.findtext("property-type") or "").split():
          self.assertIn(kind, self.PROPERTY_TYPES)

  def test_value_attributes_follow_the_xsd(self):
    for path, prop in self.each_property():
      attributes = prop.find("value-attributes")
      if attributes is None:
        continue
      with self.subTest(path=path, property=prop.findtext("name")):
        tags = [child.tag for child in attributes]
        self.assertLessEqual(set(tags), self.VALUE_ATTRIBUTE_CHILDREN)
        self.assertEqual(len(tags), len(set(tags)))
        for child in attributes:
          if child.tag in self.BOOLEAN_VALUE_ATTRIBUTES:
            self.assertIn(child.text, BOOLEANS)
        for entry in attributes.findall("entries/entry"):
          self.assertLessEqual(set(c.tag for c in entry), {"value", "label", "description"})
        for group in attributes.findall("user-groups/property"):
          self.assertLessEqual(set(c.tag for c in group), {"name", "type"})

  def test_every_property_has_name_value_description_and_upgrade_behaviour(self):
    for path, prop in self.each_property():
      name = prop.findtext("name")
      with self.subTest(path=path, property=name):
        self.assertTrue(name and name.strip())
        self.assertIsNotNone(prop.find("value"), "value")
        self.assertTrue((prop.findtext("description") or "").strip(), "description")
        self.assertTrue((prop.findtext("display-name") or "").strip(), "display-name")
        # A new service: let ambari-server upgrades add properties of later versions.
        self.assertEqual("true", prop.find("on-ambari-upgrade").get("add"))

  def test_names_are_unique_per_file(self):
    for path in config_files():
      names = [p.findtext("name") for p in ET.parse(path).getroot().findall("property")]
      self.assertEqual(len(names), len(set(names)), path)

  def test_defaults_agree_with_their_value_attributes(self):
    for path, prop in self.each_property():
      name, value = prop.findtext("name"), prop.findtext("value") or ""
      attributes = value_attributes(prop)
      kind = attributes["type"].text if "type" in attributes else None
      with self.subTest(path=path, property=name):
        if not value:
          self.assertEqual("true", attributes.get("empty-value-valid", ET.Element("x")).text,
                           "an empty default needs empty-value-valid")
        if kind in ("int", "float"):
          number = int(value) if kind == "int" else float(value)
          if "minimum" in attributes:
            self.assertGreaterEqual(number, float(attributes["minimum"].text))
          if "maximum" in attributes:
            self.assertLessEqual(number, float(attributes["maximum"].text))
        if kind == "value-list":
          self.assertIn(value, entries(prop))
        if kind == "boolean":
          self.assertIn(value, ("true", "false"))

  def test_contract_keys_and_defaults(self):
    """tandem-site is the controller's contract: exactly these keys with these defaults."""
    # The controller defines its keys once (io.tandem.core.config.TandemKeys) and generates
    # docs/tandem-default.xml from them (a Java test keeps it current): Ambari must offer the same.
    generated = ET.parse(os.path.join(harness.REPO_ROOT, "docs", "tandem-default.xml")).getroot()
    expected = dict((p.find("name").text, p.find("value").text or "") for p in generated.findall("property"))
    self.assertEqual(expected, harness.stack_defaults()["tandem-site"])
    env = harness.stack_defaults()["tandem-env"]
    for key in ("tandem_user", "tandem_group", "tandem_log_dir", "tandem_pid_dir", "tandem_heapsize", "content"):
      self.assertIn(key, env)


class RefreshCommands(unittest.TestCase):
  """<supported-refresh-commands> (state/PropertyInfo, RefreshCommand): when every changed property
  names a command for a component, ConfigHelper offers "Refresh configs" instead of a restart and
  the agent's Script.reconfigure runs save_configs, then that command as a method of the script."""

  def test_refreshable_properties_name_a_real_component_and_method(self):
    import tandem_controller
    refreshable = {}
    for path in config_files():
      for prop in ET.parse(path).getroot().findall("property"):
        for command in prop.findall("supported-refresh-commands/refresh-command"):
          self.assertEqual({"componentName", "command"}, set(command.attrib))
          self.assertEqual("TANDEM_CONTROLLER", command.get("componentName"))
          self.assertTrue(callable(getattr(tandem_controller.TandemController, command.get("command"), None)))
          refreshable[prop.findtext("name")] = command.get("command")
    # Only what the running controller really re-reads (ControllerDaemon.RELOADABLE).
    self.assertEqual({"tandem.policies": "reload_configs", "tandem.policies.delete.missing": "reload_configs"},
                     refreshable)


class Metainfo(unittest.TestCase):
  SERVICE_CHILDREN = {"name", "displayName", "comment", "version", "components", "commandScript", "requiredServices",
                      "configuration-dependencies", "osSpecifics", "themes", "quickLinksConfigurations", "extends",
                      "deleted", "restartRequiredAfterChange", "widgetsFileName", "metricsFileName", "credential-store",
                      "excluded-config-types", "properties", "sso", "ldap", "serviceType", "selection", "maintainer",
                      "service_advisor_type", "supportDeleteViaUI", "kerberosEnabledTest", "monitoringService"}
  COMPONENT_CHILDREN = {"name", "displayName", "category", "cardinality", "versionAdvertised", "timelineAppid",
                        "dependencies", "commandScript", "customCommands", "configFiles", "logs", "deleted",
                        "decommissionAllowed", "reassignAllowed", "recovery_enabled", "bulkCommands",
                        "configuration-dependencies", "auto-deploy", "rollingRestartSupported", "clientsToUpdateConfigs",
                        "customFolder", "unlimitedKeyJCERequired", "componentType"}

  @classmethod
  def setUpClass(cls):
    cls.root = ET.parse(os.path.join(METAINFO, "metainfo.xml")).getroot()
    cls.service = cls.root.find("services/service")

  def test_one_service_tandem_0_1_0(self):
    self.assertEqual("2.0", self.root.findtext("schemaVersion"))
    self.assertEqual(1, len(self.root.findall("services/service")))
    self.assertEqual(SERVICE, self.service.findtext("name"))
    self.assertEqual(SERVICE_VERSION, self.service.findtext("version"))
    self.assertLessEqual(set(c.tag for c in self.service), self.SERVICE_CHILDREN)

  def test_components(self):
    components = dict((c.findtext("name"), c) for c in self.service.findall("components/component"))
    self.assertEqual(set(COMPONENTS), set(components))
    for name, component in components.items():
      with self.subTest(component=name):
        self.assertLessEqual(set(c.tag for c in component), self.COMPONENT_CHILDREN)
        self.assertEqual(COMPONENTS[name], component.findtext("category"))
        self.assertRegex(component.findtext("cardinality"), r"^(\d+|\d+\+|\d+-\d+|ALL)$")
    self.assertEqual("1+", components["TANDEM_CONTROLLER"].findtext("cardinality"))
    for dependency in self.service.findall("components/component/dependencies/dependency"):
      service, component = dependency.findtext("name").split("/")
      self.assertIn(component, STACK_COMPONENTS[service])
      self.assertIn(dependency.findtext("scope"), ("host", "cluster"))
    types = set(harness.stack_defaults())
    for config_file in self.service.findall("components/component/configFiles/configFile"):
      self.assertIn(config_file.findtext("type"), ("xml", "env", "properties", "yaml"))
      self.assertIn(config_file.findtext("dictionaryName"), types)

  def script_classes(self, script):
    """{class name: method names} of a command script, and whether it runs Script.execute()."""
    with open(os.path.join(PACKAGE, script)) as handle:
      tree = ast.parse(handle.read())
    classes = dict((n.name, set(f.name for f in n.body if isinstance(f, ast.FunctionDef)))
                   for n in tree.body if isinstance(n, ast.ClassDef)
                   and any(getattr(b, "id", None) == "Script" for b in n.bases))
    executes = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "execute"]
    self.assertEqual(1, len(classes), script)
    self.assertTrue(executes, script + " must end with <Class>().execute()")
    return list(classes.values())[0]

  def test_command_scripts_exist_and_have_the_commands(self):
    scripts = self.service.findall(".//commandScript")
    self.assertGreaterEqual(len(scripts), 5)
    for script in scripts:
      path = script.findtext("script")
      with self.subTest(script=path):
        self.assertTrue(os.path.isfile(os.path.join(PACKAGE, path)), path)
        self.assertEqual("PYTHON", script.findtext("scriptType"))
        self.assertTrue(script.findtext("timeout").isdigit())
    controller = self.script_classes("scripts/tandem_controller.py")
    self.assertLessEqual({"install", "configure", "start", "stop", "status"}, controller)
    self.assertLessEqual({"install", "configure", "status"}, self.script_classes("scripts/tandem_client.py"))
    self.assertIn("service_check", self.script_classes(self.service.findtext("commandScript/script")))

  def test_custom_commands_have_their_lower_case_methods(self):
    component = [c for c in self.service.findall("components/component")
                 if c.findtext("name") == "TANDEM_CONTROLLER"][0]
    commands = dict((c.findtext("name"), c.findtext("commandScript/script"))
                    for c in component.findall("customCommands/customCommand"))
    self.assertEqual({"SWITCH_IDENTITY", "RUN_BACKUP_NOW"}, set(commands))
    for command, script in commands.items():
      self.assertIn(command.lower(), self.script_classes(script))

  def test_required_services_and_configuration_dependencies(self):
    self.assertEqual({"HDFS", "HBASE", "ZOOKEEPER"}, set(e.text for e in self.service.findall("requiredServices/service")))
    dependencies = set(e.text for e in self.service.findall("configuration-dependencies/config-type"))
    self.assertEqual({"tandem-site", "tandem-env", "tandem-log4j", "core-site", "hdfs-site", "hbase-site"}, dependencies)
    self.assertLessEqual(set(harness.stack_defaults()), dependencies, "every own config type is listed")

  def test_os_specifics_any(self):
    self.assertEqual(["any"], [e.text for e in self.service.findall("osSpecifics/osSpecific/osFamily")])

  def test_theme_and_quicklinks_files_exist(self):
    themes = self.service.findall("themes/theme")
    self.assertEqual(1, len(themes))
    self.assertEqual("true", themes[0].findtext("default"))
    self.assertTrue(os.path.isfile(os.path.join(METAINFO, "themes", themes[0].findtext("fileName"))))
    links = self.service.findall("quickLinksConfigurations/quickLinksConfiguration")
    self.assertTrue(os.path.isfile(os.path.join(METAINFO, "quicklinks", links[0].findtext("fileName"))))

  def test_templates_used_by_scripts_exist(self):
    for path in glob.glob(os.path.join(PACKAGE, "scripts", "*.py")):
      with open(path) as handle:
        for name in re.findall(r"\bTemplate\(\"([^\"]+)\"", handle.read()):
          self.assertTrue(os.path.isfile(os.path.join(PACKAGE, "templates", name)), name)


class Theme(unittest.TestCase):
  """theme.json: the shape of state/theme/*, and what ambari-web does with it."""
  WIDGET_TYPES = {"checkbox", "combo", "directory", "directories", "list", "password", "radio-buttons", "slider",
                  "text-field", "time-interval-spinner", "toggle", "text-area", "label", "test-db-connection"}
  # base_unit_convert_mixin.js convertMapTable: a slider converts within one of these tables.
  UNIT_TABLES = ({"b", "kb", "mb", "gb", "tb", "pb"}, {"milliseconds", "seconds", "minutes", "hours", "days"})

  @classmethod
  def setUpClass(cls):
    cls.theme = read_json(METAINFO, "themes", "theme.json")
    cls.configuration = cls.theme["configuration"]
    cls.properties = configuration_properties()
    cls.tabs = [t for layout in cls.configuration["layouts"] for t in layout["tabs"]]
    cls.subsections = [s for t in cls.tabs for sec in t["layout"]["sections"] for s in sec["subsections"]]

  def prop(self, config):
    config_type, name = config.split("/", 1)
    return self.properties.get(config_type, {}).get(name)

  def test_shape(self):
    self.assertEqual("default", self.theme["name"], "only the default theme's widgets replace the plain fields")
    self.assertTrue(self.theme.get("description"))
    layouts = [l["name"] for l in self.configuration["layouts"]]
    self.assertIn(self.configuration["placement"]["configuration-layout"], layouts)

  def test_tabs(self):
    self.assertEqual(["Clusters", "Backup", "Consistency", "Failover", "Controller"],
                     [t["display-name"] for t in self.tabs])
    names = [t["name"] for t in self.tabs]
    self.assertEqual(len(names), len(set(names)))
    # themes_mapper.generateAdvancedTabs loads a tab with id <SERVICE>_advanced after the theme's
    # tabs: a theme tab named "advanced" would be replaced by it, placements and all.
    self.assertNotIn("advanced", [n.lower() for n in names])

  def test_grid_indexes_fit(self):
    for tab in self.tabs:
      rows, columns = int(tab["layout"]["tab-rows"]), int(tab["layout"]["tab-columns"])
      for section in tab["layout"]["sections"]:
        with self.subTest(section=section["name"]):
          for key in ("name", "display-name", "row-index", "column-index", "row-span", "column-span",
                      "section-columns", "section-rows", "subsections"):
            self.assertIn(key, section)
          self.assertLessEqual(int(section["row-index"]) + int(section["row-span"]), rows)
          self.assertLessEqual(int(section["column-index"]) + int(section["column-span"]), columns)
          for sub in section["subsections"]:
            self.assertLessEqual(int(sub["row-index"]) + int(sub["row-span"]), int(section["section-rows"]))
            self.assertLessEqual(int(sub["column-index"]) + int(sub["column-span"]), int(section["section-columns"]))

  def test_section_and_subsection_names_are_unique(self):
    sections = [s["name"] for t in self.tabs for s in t["layout"]["sections"]]
    self.assertEqual(len(sections), len(set(sections)))
    names = [s["name"] for s in self.subsections]
    self.assertEqual(len(names), len(set(names)), "ambari-web keys subsections by name")

  def test_every_placement_names_an_existing_property_and_subsection(self):
    subsections = set(s["name"] for s in self.subsections)
    configs = [p["config"] for p in self.configuration["placement"]["configs"]]
    self.assertEqual(len(configs), len(set(configs)), "a property is placed once")
    for placement in self.configuration["placement"]["configs"]:
      with self.subTest(config=placement["config"]):
        self.assertRegex(placement["config"], r"^[a-z0-9-]+/[^/]+$")
        self.assertIsNotNone(self.prop(placement["config"]), "no such property")
        self.assertIn(placement["subsection-name"], subsections)
    used = set(p["subsection-name"] for p in self.configuration["placement"]["configs"])
    self.assertEqual(subsections, used, "every subsection shows something")

  def test_every_widget_names_an_existing_placed_property(self):
    placed = set(p["config"] for p in self.configuration["placement"]["configs"])
    widgets = [w["config"] for w in self.configuration["widgets"]]
    self.assertEqual(len(widgets), len(set(widgets)))
    self.assertEqual(placed, set(widgets), "each placed property has one widget and each widget is placed")
    for widget in self.configuration["widgets"]:
      with self.subTest(config=widget["config"]):
        self.assertIsNotNone(self.prop(widget["config"]))
        self.assertIn(widget["widget"]["type"], self.WIDGET_TYPES)

  def units_convertible(self, from_unit, to_units):
    from_unit = from_unit.lower()
    to_units = [u.lower() for u in to_units.split(",")]
    if to_units == [from_unit]:
      return True
    return any(from_unit in table and set(to_units) <= table for table in self.UNIT_TABLES)

  def test_widgets_have_what_their_views_need(self):
    for widget in self.configuration["widgets"]:
      prop = self.prop(widget["config"])
      attributes = value_attributes(prop)
      kind = widget["widget"]["type"]
      value_type = attributes["type"].text if "type" in attributes else None
      with self.subTest(config=widget["config"], widget=kind):
        if kind in ("slider", "time-interval-spinner"):
          self.assertIn(value_type, ("int", "float"))
          self.assertIn("minimum", attributes)
          self.assertIn("maximum", attributes)
          unit_name = widget["widget"]["units"][0]["unit-name"]
          config_unit = attributes["unit"].text if "unit" in attributes else value_type
          if unit_name == "percent":
            self.assertNotIn("unit", attributes, "percent sliders convert from the int/float type itself")
          else:
            self.assertTrue(self.units_convertible(config_unit, unit_name),
                            "{0} cannot be shown in {1}".format(config_unit, unit_name))
        if kind == "time-interval-spinner":
          self.assertIn(attributes["unit"].text, self.UNIT_TABLES[1])
        if kind == "toggle":
          self.assertEqual(2, len(entries(prop)), "toggle views assert two entries")
        if kind in ("combo", "toggle"):
          self.assertEqual("value-list", value_type)
          self.assertIn(prop.findtext("value"), entries(prop))
        if kind == "text-area":
          self.assertEqual("content", value_type)

  def test_policies_are_a_text_area_and_the_sliders_have_units(self):
    widgets = dict((w["config"], w["widget"]) for w in self.configuration["widgets"])
    self.assertEqual("text-area", widgets["tandem-site/tandem.policies"]["type"])
    self.assertEqual("toggle", widgets["tandem-site/tandem.failover.automatic"]["type"])
    sliders = [w for w in widgets.values() if w["type"] == "slider"]
    self.assertGreaterEqual(len(sliders), 5)
    for slider in sliders:
      self.assertTrue(slider["units"][0]["unit-name"])


class Alerts(unittest.TestCase):
  SOURCE_TYPES = {"METRIC", "AMS", "PORT", "SCRIPT", "AGGREGATE", "PERCENT", "WEB", "RECOVERY", "SERVER"}
  PARAMETER_TYPES = {"STRING", "NUMERIC", "PERCENT"}
  VISIBILITY = {"VISIBLE", "HIDDEN", "READ_ONLY"}
  THRESHOLDS = {"OK", "WARNING", "CRITICAL"}

  @classmethod
  def setUpClass(cls):
    cls.alerts = read_json(METAINFO, "alerts.json")
    cls.definitions = [d for group in cls.alerts[SERVICE].values() for d in group]

  def test_keyed_by_service_then_component(self):
    self.assertEqual([SERVICE], list(self.alerts))
    for key in self.alerts[SERVICE]:
      self.assertTrue(key == "service" or key in COMPONENTS, key)

  def test_definitions(self):
    names = [d["name"] for d in self.definitions]
    self.assertEqual(len(names), len(set(names)))
    for definition in self.definitions:
      with self.subTest(alert=definition.get("name")):
        self.assertRegex(definition["name"], r"^tandem_[a-z0-9_]+$", "definition names are global in Ambari")
        self.assertTrue(definition["label"])
        self.assertTrue(definition["description"])
        self.assertIsInstance(definition["interval"], int)
        self.assertGreaterEqual(definition["interval"], 1)
        self.assertIn(definition["scope"], ("ANY", "HOST", "SERVICE"))
        self.assertIsInstance(definition["enabled"], bool)
        self.assertIn(definition["source"]["type"], self.SOURCE_TYPES)

  def test_the_seven_script_alerts_and_a_process_alert(self):
    scripts = sorted(os.path.basename(d["source"]["path"]) for d in self.definitions if d["source"]["type"] == "SCRIPT")
    self.assertEqual(["alert_clock_skew.py", "alert_drill.py", "alert_fence.py", "alert_last_cut_failed.py",
                      "alert_primary_faulty.py", "alert_rpo.py", "alert_secondary_capacity.py"], scripts)
    self.assertIn("PORT", [d["source"]["type"] for d in self.definitions])

  def test_script_paths_exist_under_package(self):
    prefix = "{0}/{1}/".format(SERVICE, SERVICE_VERSION)  # resolved against the agent's common-services cache
    for definition in self.definitions:
      source = definition["source"]
      if source["type"] != "SCRIPT":
        continue
      with self.subTest(alert=definition["name"]):
        self.assertTrue(source["path"].startswith(prefix + "package/alerts/"), source["path"])
        self.assertTrue(source["path"].endswith(".py"))
        self.assertTrue(os.path.isfile(os.path.join(harness.REPO_ROOT, source["path"][len(prefix):])))

  def test_script_parameters_are_well_formed(self):
    for definition in self.definitions:
      source = definition["source"]
      for parameter in source.get("parameters", []):
        with self.subTest(alert=definition["name"], parameter=parameter.get("name")):
          for key in ("name", "display_name", "value", "type", "description"):
            self.assertIn(key, parameter)
          self.assertIn(parameter["type"], self.PARAMETER_TYPES)
          if parameter["type"] in ("NUMERIC", "PERCENT"):
            self.assertIsInstance(parameter["value"], (int, float))
          if "visibility" in parameter:
            self.assertIn(parameter["visibility"], self.VISIBILITY)
          if "threshold" in parameter:
            self.assertIn(parameter["threshold"], self.THRESHOLDS)
          if parameter["type"] == "PERCENT" or re.search(r"warning|critical", parameter["name"]):
            self.assertIn("threshold", parameter, "a threshold parameter says which state it sets")
          if re.search(r"warning", parameter["name"]):
            self.assertEqual("WARNING", parameter["threshold"])

  def test_scripts_read_only_their_declared_parameters_and_existing_properties(self):
    properties = configuration_properties()
    for definition in self.definitions:
      source = definition["source"]
      if source["type"] != "SCRIPT":
        continue
      module = harness.load_alert(os.path.basename(source["path"]))
      declared = set(p["name"] for p in source.get("parameters", []))
      with open(module.__file__) as handle:
        text = handle.read()
      with self.subTest(alert=definition["name"]):
        for name in re.findall(r'_PARAMETER = "([^"]+)"', text):
          self.assertIn(name, declared)
        self.assertIn("connection.timeout", declared)
        for token in module.get_tokens():
          config_type, name = token.strip("{}").split("/", 1)
          self.assertIn(name, properties.get(config_type, {}), token)

  def test_port_alerts(self):
    for definition in self.definitions:
      source = definition["source"]
      if source["type"] != "PORT":
        continue
      with self.subTest(alert=definition["name"]):
        self.assertIn("uri", source)
        self.assertIsInstance(source["default_port"], int)
        for config in re.findall(r"\{\{([^}]+)\}\}", source["uri"]):
          config_type, name = config.split("/", 1)
          self.assertIn(name, configuration_properties()[config_type])
        for state in ("ok", "warning", "critical"):
          self.assertIn("text", source["reporting"][state])
        for state in ("warning", "critical"):
          self.assertLess(source["reporting"][state]["value"], 30, "port_alert.py resets thresholds of 30 s and more")


class RoleCommandOrder(unittest.TestCase):

  def test_only_real_roles_and_commands(self):
    order = read_json(METAINFO, "role_command_order.json")
    self.assertLessEqual(set(order), {"_comment", "general_deps", "optional_glusterfs", "optional_no_glusterfs",
                                      "namenode_optional_ha", "resourcemanager_optional_ha"})
    for section, dependencies in order.items():
      if section == "_comment":
        continue
      for blocked, blockers in dependencies.items():
        if blocked == "_comment":
          continue
        with self.subTest(blocked=blocked):
          parts = blocked.split("-")
          self.assertIn(len(parts), (2, 3))
          self.assertIn(parts[0], KNOWN_ROLES)
          self.assertIn(parts[1], ROLE_COMMANDS)
          if len(parts) == 3:
            self.assertEqual("OVERRIDE", parts[2])
          self.assertIsInstance(blockers, list)
          for blocker in blockers:
            role, command = blocker.split("-")
            self.assertIn(role, KNOWN_ROLES)
            self.assertIn(command, ROLE_COMMANDS)

  def test_controller_starts_after_the_cluster(self):
    order = read_json(METAINFO, "role_command_order.json")["general_deps"]
    self.assertIn("HBASE_MASTER-START", order["TANDEM_CONTROLLER-START"])
    self.assertIn("TANDEM_CONTROLLER-START", order["TANDEM_SERVICE_CHECK-SERVICE_CHECK"])


class Kerberos(unittest.TestCase):

  def test_names_only_real_components_and_properties(self):
    descriptor = read_json(METAINFO, "kerberos.json")
    self.assertEqual([SERVICE], [s["name"] for s in descriptor["services"]])
    service = descriptor["services"][0]
    for component in service.get("components", []):
      self.assertIn(component["name"], COMPONENTS)
    properties = configuration_properties()
    identities = service.get("identities", []) + [i for c in service.get("components", []) for i in c["identities"]]
    for identity in identities:
      with self.subTest(identity=identity["name"]):
        if "reference" in identity:
          parts = identity["reference"].strip("/").split("/")
          if len(parts) == 3:
            self.assertIn(parts[1], STACK_COMPONENTS.get(parts[0], set()) | set(COMPONENTS))
          else:
            self.assertIn(parts[0], ("smokeuser", "spnego"))
        for part in ("principal", "keytab"):
          config = identity.get(part, {}).get("configuration")
          if config:
            config_type, name = config.split("/", 1)
            self.assertIn(name, properties[config_type])
        for variable in re.findall(r"\$\{([a-z0-9-]+)/([^}]+)\}", json.dumps(identity)):
          if variable[0].startswith("tandem"):
            self.assertIn(variable[1], properties[variable[0]])


  def test_the_controller_identity_fills_the_keys_the_controller_logs_in_with(self):
    descriptor = read_json(METAINFO, "kerberos.json")
    controller = [c for c in descriptor["services"][0]["components"] if c["name"] == "TANDEM_CONTROLLER"][0]
    own = [i for i in controller["identities"] if "principal" in i and "reference" not in i]
    self.assertEqual(1, len(own))
    self.assertEqual("tandem-site/tandem.kerberos.principal", own[0]["principal"]["configuration"])
    self.assertEqual("tandem-site/tandem.kerberos.keytab", own[0]["keytab"]["configuration"])
    self.assertIn("/_HOST@", own[0]["principal"]["value"])
    # The controller's keys (docs/tandem-default.xml is generated from TandemKeys).
    generated = ET.parse(os.path.join(harness.REPO_ROOT, "docs", "tandem-default.xml")).getroot()
    keys = set(p.findtext("name") for p in generated.findall("property"))
    self.assertLessEqual({"tandem.kerberos.principal", "tandem.kerberos.keytab"}, keys)

  def test_kerberos_turns_on_spnego_for_the_api_with_the_hosts_http_principal(self):
    descriptor = read_json(METAINFO, "kerberos.json")
    service = descriptor["services"][0]
    self.assertIn({"tandem-site": {"tandem.controller.http.authentication": "kerberos"}}, service["configurations"])
    controller = [c for c in service["components"] if c["name"] == "TANDEM_CONTROLLER"][0]
    spnego = [i for i in controller["identities"] if i.get("reference") == "/spnego"]
    self.assertEqual(1, len(spnego))
    self.assertEqual("tandem-site/tandem.controller.http.authentication.kerberos.principal",
                     spnego[0]["principal"]["configuration"])
    self.assertEqual("tandem-site/tandem.controller.http.authentication.kerberos.keytab",
                     spnego[0]["keytab"]["configuration"])


class QuickLinks(unittest.TestCase):

  def test_links(self):
    quicklinks = read_json(METAINFO, "quicklinks", "quicklinks.json")
    self.assertEqual("default", quicklinks["name"])
    links = quicklinks["configuration"]["links"]
    self.assertTrue(links)
    properties = configuration_properties()
    for link in links:
      with self.subTest(link=link["name"]):
        self.assertIn(link["component_name"], COMPONENTS)
        self.assertEqual(3, link["url"].count("%@"), "protocol, host, port")
        port = link["port"]
        self.assertIn(port["http_property"], properties[port["site"]])
        self.assertIn(port["https_property"], properties[port["site"]])
        self.assertTrue(port["http_default_port"].isdigit())


class MetricsAndWidgets(unittest.TestCase):
  AGGREGATES = re.compile(r"\._(sum|avg|max|min|rate)$")

  @classmethod
  def setUpClass(cls):
    cls.metrics = read_json(METAINFO, "metrics.json")
    cls.widgets = read_json(METAINFO, "widgets.json")

  def declared(self):
    result = {}
    for component, categories in self.metrics.items():
      self.assertIn(component, COMPONENTS)
      for category in categories["Component"]:
        self.assertIn(category["type"], ("ganglia", "jmx"))
        for path, metric in category["metrics"]["default"].items():
          self.assertTrue(path.startswith("metrics/"))
          result[path] = (component, metric["metric"])
    return result

  def test_widget_metrics_are_declared_metrics(self):
    declared = self.declared()
    self.assertTrue(declared)
    for layout in self.widgets["layouts"]:
      self.assertEqual(SERVICE + "_SUMMARY", layout["section_name"])
      for widget in layout["widgetLayoutInfo"]:
        with self.subTest(widget=widget["widget_name"]):
          self.assertIn(widget["widget_type"], ("GRAPH", "NUMBER", "GAUGE", "TEMPLATE", "HEATMAP"))
          names = set()
          for metric in widget["metrics"]:
            path = self.AGGREGATES.sub("", metric["metric_path"])
            self.assertIn(path, declared)
            component, name = declared[path]
            self.assertEqual(component, metric["component_name"])
            self.assertEqual(SERVICE, metric["service_name"])
            self.assertEqual(name, self.AGGREGATES.sub("", metric["name"]))
            names.add(metric["name"])
          for value in widget["values"]:
            for reference in re.findall(r"\$\{([^}]+)\}", value["value"]):
              self.assertIn(reference, names)

  def test_metrics_app_id(self):
    root = ET.parse(os.path.join(METAINFO, "metainfo.xml")).getroot()
    self.assertEqual("tandem", root.findtext("services/service/components/component/timelineAppid"))


class ManagementPack(unittest.TestCase):
  """mpack.json as setupMpacks.py reads it, the addon entry, and the assembly that builds the tarball."""

  @classmethod
  def setUpClass(cls):
    cls.mpack = read_json(ASSEMBLY, "mpack.json")

  def test_metadata(self):
    self.assertEqual("tandem-ambari-mpack", self.mpack["name"])
    self.assertEqual("${project.version}", self.mpack["version"], "filtered by the assembly")
    self.assertTrue(self.mpack["description"])
    prerequisites = self.mpack["prerequisites"]  # read unconditionally by validate_mpack_prerequisites
    self.assertIn("min_ambari_version", prerequisites)
    self.assertRegex(prerequisites["min_ambari_version"], r"^\d+(\.\d+)+$")
    self.assertFalse([k for k in prerequisites if "-" in k], "setupMpacks.py only reads underscore keys")
    for stack in prerequisites.get("min_stack_versions", []):
      self.assertEqual({"stack_name", "stack_version"}, set(stack))

  def test_artifacts(self):
    artifacts = dict((a["type"], a) for a in self.mpack["artifacts"])
    self.assertEqual({"service-definitions", "stack-addon-service-definitions"}, set(artifacts))
    for artifact in self.mpack["artifacts"]:
      self.assertTrue(artifact["name"])
    self.assertEqual("common-services", artifacts["service-definitions"]["source_dir"])
    addon = artifacts["stack-addon-service-definitions"]
    self.assertEqual("addon-services", addon["source_dir"])
    versions = addon["service_versions_map"]
    self.assertEqual([(SERVICE, SERVICE_VERSION)], [(v["service_name"], v["service_version"]) for v in versions])
    self.assertEqual([("BIGTOP", "3.2.0"), ("BIGTOP", "3.3.0")],
                     [(s["stack_name"], s["stack_version"]) for s in versions[0]["applicable_stacks"]])

  def test_addon_entry_extends_the_common_service(self):
    service = ET.parse(os.path.join(ASSEMBLY, "addon-metainfo.xml")).getroot().find("services/service")
    self.assertEqual(SERVICE, service.findtext("name"))
    self.assertEqual(SERVICE_VERSION, service.findtext("version"))
    self.assertEqual("common-services/{0}/{1}".format(SERVICE, SERVICE_VERSION), service.findtext("extends"))

  def test_assembly_descriptor(self):
    ns = {"a": "http://maven.apache.org/ASSEMBLY/2.2.0"}
    root = ET.parse(os.path.join(ASSEMBLY, "mpack.xml")).getroot()
    self.assertEqual(["tar.gz"], [f.text for f in root.findall("a:formats/a:format", ns)])
    self.assertEqual("true", root.findtext("a:includeBaseDirectory", namespaces=ns))
    self.assertEqual("tandem-ambari-mpack-${project.version}", root.findtext("a:baseDirectory", namespaces=ns))
    outputs = [e.text for e in root.iter("{%s}outputDirectory" % ns["a"])]
    base = "common-services/{0}/{1}".format(SERVICE, SERVICE_VERSION)
    self.assertLessEqual({".", base, base + "/package", base + "/package/files", base + "/package/files/server",
                          "controller", "addon-services/{0}/{1}".format(SERVICE, SERVICE_VERSION)}, set(outputs))
    self.assertNotIn(base + "/package/files/lib", outputs, "the controller's runtime must stay out of package/")
    # package/ (archive.zip, sent to every TANDEM host) gets the two server-side jars and nothing else
    dependency_sets = root.findall("a:dependencySets/a:dependencySet", ns)
    self.assertEqual([base + "/package/files/server"],
                     [d.findtext("a:outputDirectory", namespaces=ns) for d in dependency_sets])
    self.assertEqual("false", dependency_sets[0].findtext("a:useProjectArtifact", namespaces=ns))
    self.assertEqual(["io.tandem:tandem-hbase-coprocessor", "io.tandem:tandem-hdfs-extension"],
                     [e.text for e in dependency_sets[0].findall("a:includes/a:include", ns)])
    sources = dict((f.findtext("a:source", namespaces=ns), f.findtext("a:outputDirectory", namespaces=ns))
                   for f in root.findall("a:files/a:file", ns))
    self.assertEqual("controller", sources["${project.build.directory}/tandem-controller-${project.version}.tar.gz"])
    self.assertEqual(base + "/package/files", sources["src/assembly/controller-archive.json"])

  def test_controller_assembly_descriptor(self):
    ns = {"a": "http://maven.apache.org/ASSEMBLY/2.2.0"}
    root = ET.parse(os.path.join(ASSEMBLY, "controller.xml")).getroot()
    self.assertEqual(["tar.gz"], [f.text for f in root.findall("a:formats/a:format", ns)])
    self.assertEqual("false", root.findtext("a:includeBaseDirectory", namespaces=ns))
    dependency_set = root.find("a:dependencySets/a:dependencySet", ns)
    self.assertEqual("lib", dependency_set.findtext("a:outputDirectory", namespaces=ns))
    self.assertEqual("true", dependency_set.findtext("a:useProjectArtifact", namespaces=ns))
    self.assertEqual("runtime", dependency_set.findtext("a:scope", namespaces=ns))
    self.assertEqual(["io.tandem:tandem-hbase-coprocessor", "io.tandem:tandem-hdfs-extension"],
                     [e.text for e in dependency_set.findall("a:excludes/a:exclude", ns)])

  def test_controller_archive_description(self):
    with open(os.path.join(ASSEMBLY, "controller-archive.json")) as handle:
      text = handle.read()
    info = json.loads(text.replace("${tandem.controller.size}", "0"))
    self.assertEqual("mpacks/tandem-ambari-mpack-${project.version}/controller/tandem-controller-${project.version}.tar.gz",
                     info["path"])
    self.assertEqual("tandem-controller-${project.version}.tar.gz", info["name"])
    self.assertEqual("${tandem.controller.sha256}", info["sha256"])


def built_tarballs():
  return sorted(glob.glob(os.path.join(harness.REPO_ROOT, "ambari-service", "target", "tandem-ambari-mpack-*.tar.gz")))


@unittest.skipUnless(built_tarballs(), "no ambari-service/target/tandem-ambari-mpack-*.tar.gz: run `mvn package`")
class BuiltTarball(unittest.TestCase):

  @classmethod
  def setUpClass(cls):
    cls.path = built_tarballs()[-1]
    with tarfile.open(cls.path, "r:gz") as archive:
      cls.names = archive.getnames()
      cls.mpack = json.load(archive.extractfile(cls.root_of(cls.names) + "/mpack.json"))

  @staticmethod
  def root_of(names):
    return os.path.commonprefix(names).rstrip("/").split("/")[0]

  def test_one_root_directory_as_install_mpack_finds_it(self):
    roots = set(n.split("/")[0] for n in self.names)
    self.assertEqual(1, len(roots), roots)
    root = roots.pop()
    # tar_archive.get_archive_root_dir: os.path.commonprefix of every name.
    self.assertEqual(root, os.path.commonprefix(self.names).rstrip("/"))
    self.assertRegex(root, r"^tandem-ambari-mpack-\d")
    self.assertIn(root + "/mpack.json", self.names)

  def test_mpack_json_is_filtered(self):
    self.assertNotIn("${", json.dumps(self.mpack))
    root = self.root_of(self.names)
    self.assertEqual(root, "{0}-{1}".format(self.mpack["name"], self.mpack["version"]))

  def test_layout(self):
    root = self.root_of(self.names)
    base = "{0}/common-services/{1}/{2}/".format(root, SERVICE, SERVICE_VERSION)
    for expected in ("metainfo.xml", "alerts.json", "kerberos.json", "role_command_order.json", "metrics.json",
                     "widgets.json", "service_advisor.py", "themes/theme.json", "quicklinks/quicklinks.json",
                     "configuration/tandem-site.xml", "configuration/tandem-env.xml", "configuration/tandem-log4j.xml",
                     "package/scripts/tandem_controller.py", "package/scripts/tandem_client.py",
                     "package/scripts/service_check.py", "package/scripts/params.py",
                     "package/alerts/tandem_status_client.py", "package/templates/tandem.j2"):
      self.assertIn(base + expected, self.names)
    self.assertIn("{0}/addon-services/{1}/{2}/metainfo.xml".format(root, SERVICE, SERVICE_VERSION), self.names)
    self.assertFalse([n for n in self.names if "/package/tests" in n or "__pycache__" in n])
    package_files = sorted(n[len(base):] for n in self.names if n.startswith(base + "package/files/")
                           and not n.endswith("/"))
    version = self.mpack["version"]
    self.assertEqual(["package/files/controller-archive.json",
                      "package/files/server/tandem-hbase-coprocessor-{0}.jar".format(version),
                      "package/files/server/tandem-hdfs-extension-{0}.jar".format(version)], package_files,
                     "package/ goes to every TANDEM host: only the two server-side jars")
    controller = [n for n in self.names if n.startswith(root + "/controller/") and not n.endswith("/")]
    self.assertEqual(["{0}/controller/tandem-controller-{1}.tar.gz".format(root, version)], controller)

  def test_controller_archive_is_described_and_holds_the_runtime(self):
    root = self.root_of(self.names)
    base = "{0}/common-services/{1}/{2}/".format(root, SERVICE, SERVICE_VERSION)
    version = self.mpack["version"]
    with tarfile.open(self.path, "r:gz") as archive:
      info = json.load(archive.extractfile(base + "package/files/controller-archive.json"))
      member = archive.getmember("{0}/controller/tandem-controller-{1}.tar.gz".format(root, version))
      data = archive.extractfile(member).read()
    self.assertNotIn("${", json.dumps(info))
    self.assertEqual("mpacks/{0}/controller/tandem-controller-{1}.tar.gz".format(root, version), info["path"],
                     "the path under Ambari's resources URL: install-mpack unpacks the mpack to mpacks/<root>")
    self.assertEqual(len(data), info["size"])
    self.assertEqual(hashlib.sha256(data).hexdigest(), info["sha256"])
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as controller:
      jars = [n for n in controller.getnames() if n.endswith(".jar")]
    self.assertEqual(jars, [n for n in jars if n.startswith("lib/") and n.count("/") == 1])
    names = [os.path.basename(n) for n in jars]
    for prefix in ("tandem-ambari-service-", "tandem-core-", "hadoop-mapreduce-client-common-",
                   "hadoop-mapreduce-client-jobclient-", "hadoop-distcp-", "hbase-mapreduce-", "curator-recipes-5.7"):
      self.assertTrue([n for n in names if n.startswith(prefix)], prefix)
    self.assertFalse([n for n in names if n.startswith(("tandem-hbase-coprocessor-", "tandem-hdfs-extension-"))])

  def test_alert_scripts_are_in_the_tarball(self):
    root = self.root_of(self.names)
    for group in read_json(METAINFO, "alerts.json")[SERVICE].values():
      for definition in group:
        if definition["source"]["type"] == "SCRIPT":
          self.assertIn("{0}/common-services/{1}".format(root, definition["source"]["path"]), self.names)


if __name__ == "__main__":
  unittest.main()
