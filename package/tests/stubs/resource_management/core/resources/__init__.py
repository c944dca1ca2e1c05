from resource_management.core.resources.system import Directory, Execute, File, Link  # noqa: F401
