"""default('/a/b/c', fallback): a value from the command JSON, or the fallback when any level is missing."""
from resource_management.libraries.script.script import Script


def default(name, default_value):
  current = Script.get_config()
  if not current:
    return default_value
  for key in [k for k in name.split("/") if k]:
    if isinstance(current, dict) and key in current:
      current = current[key]
    else:
      return default_value
  return current
