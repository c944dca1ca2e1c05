"""
What the STATUS command needs. Status commands carry few configurations, so every value has
a default that matches tandem-env.xml.
"""
from resource_management.libraries.functions.default import default
from resource_management.libraries.functions.format import format

tandem_user = default("/configurations/tandem-env/tandem_user", "tandem")
tandem_pid_dir = default("/configurations/tandem-env/tandem_pid_dir", "/var/run/tandem")
tandem_pid_file = format("{tandem_pid_dir}/tandem-controller.pid")
