"""format(): str.format over the caller's local names and the environment's params.

Conversions as in Ambari: !e quotes for bash, !h hides the value from logs, !p does both.
"""
import shlex
import sys
from string import Formatter

from resource_management.core.environment import Environment


class _CommandFormatter(Formatter):
  def convert_field(self, value, conversion):
    if conversion in ("e", "p"):
      return shlex.quote(str(value))
    if conversion == "h":
      return value
    return Formatter.convert_field(self, value, conversion)


def format(format_string, *args, **kwargs):
  variables = dict(Environment.get_instance().config.params) if Environment.has_instance() else {}
  variables.update(sys._getframe(1).f_locals)
  variables.update(kwargs)
  variables.pop("self", None)
  return _CommandFormatter().vformat(format_string, args, variables)
