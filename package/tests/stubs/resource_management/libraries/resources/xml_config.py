"""XmlConfig: a Hadoop-style XML configuration file, recorded with its properties."""
from xml.sax.saxutils import escape

from resource_management.core.base import Resource


class XmlConfig(Resource):
  arguments_allowed = frozenset(["filename", "configurations", "configuration_attributes", "conf_dir", "mode", "owner",
                                 "group", "xml_include_file", "encoding"])
  actions = ("nothing", "create")
  default_action = "create"

  def validate(self):
    self.text = self.render()

  def render(self):
    """The file as Hadoop's Configuration would read it (final attributes included)."""
    finals = (self.arguments.get("configuration_attributes") or {}).get("final", {})
    lines = ["<configuration>"]
    for key, value in sorted((self.arguments.get("configurations") or {}).items()):
      lines.append("  <property>")
      lines.append("    <name>%s</name>" % escape(str(key)))
      lines.append("    <value>%s</value>" % escape(str(value)))
      if str(finals.get(key, "false")).lower() == "true":
        lines.append("    <final>true</final>")
      lines.append("  </property>")
    lines.append("</configuration>")
    return "\n".join(lines) + "\n"
