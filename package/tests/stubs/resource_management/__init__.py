"""Test stand-in for Ambari's resource_management (see ../README.md)."""
from resource_management.core.environment import Environment  # noqa: F401
from resource_management.core.exceptions import (  # noqa: F401
  ClientComponentHasNoStatus, ComponentIsNotRunning, ExecutionFailed, Fail)
from resource_management.core.logger import Logger  # noqa: F401
from resource_management.core.resources.system import Directory, Execute, File, Link  # noqa: F401
from resource_management.core.source import InlineTemplate, StaticFile, Template  # noqa: F401
from resource_management.libraries.functions.default import default  # noqa: F401
from resource_management.libraries.functions.format import format  # noqa: F401
from resource_management.libraries.resources.xml_config import XmlConfig  # noqa: F401
from resource_management.libraries.script.script import Script  # noqa: F401
