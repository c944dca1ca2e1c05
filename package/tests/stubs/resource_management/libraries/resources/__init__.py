from resource_management.libraries.resources.xml_config import XmlConfig  # noqa: F401
