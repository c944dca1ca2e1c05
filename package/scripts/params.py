"""
Everything the Tandem scripts read from Ambari's command, in one place.

Imported fresh for each command (Ambari runs every command in a new process), after
Script.config has been loaded.
"""
import status_params

from resource_management.libraries.script.script import Script
from resource_management.libraries.functions.default import default
from resource_management.libraries.functions.format import format
from resource_management.libraries.functions.get_kinit_path import get_kinit_path

config = Script.get_config()
tmp_dir = Script.get_tmp_dir()
configurations = config["configurations"]

hostname = default("/agentLevelParams/hostname", None) or default("/hostname", "localhost")
java_home = default("/ambariLevelParams/java_home", None) or default("/hostLevelParams/java_home", "/usr/lib/jvm/java")
# The Ambari server's resources URL (e.g. http://ambari:8080/resources): it serves the installed
# mpacks too, so the controller's install downloads its runtime from there.
jdk_location = default("/ambariLevelParams/jdk_location", None) or default("/hostLevelParams/jdk_location", None)

# Cluster
user_group = default("/configurations/cluster-env/user_group", "hadoop")
security_enabled = str(default("/configurations/cluster-env/security_enabled", "false")).lower() == "true"
smokeuser = default("/configurations/cluster-env/smokeuser", "ambari-qa")
smokeuser_keytab = default("/configurations/cluster-env/smokeuser_keytab", "")
smokeuser_principal = default("/configurations/cluster-env/smokeuser_principal_name", "")
kinit_path_local = get_kinit_path(default("/configurations/kerberos-env/executable_search_paths", None))
hdfs_user = default("/configurations/hadoop-env/hdfs_user", "hdfs")
hdfs_principal_name = default("/configurations/hadoop-env/hdfs_principal_name", "")
hdfs_user_keytab = default("/configurations/hadoop-env/hdfs_user_keytab", "")

# tandem-env
tandem_env = configurations["tandem-env"]
tandem_user = status_params.tandem_user
tandem_group = tandem_env["tandem_group"]
tandem_log_dir = tandem_env["tandem_log_dir"]
tandem_pid_dir = status_params.tandem_pid_dir
tandem_pid_file = status_params.tandem_pid_file
tandem_heapsize = str(tandem_env["tandem_heapsize"]).strip().rstrip("mM")
tandem_env_content = tandem_env["content"]
tandem_local_cluster = tandem_env.get("tandem_local_cluster", "secondary")

# tandem-log4j
tandem_log4j = configurations["tandem-log4j"]
tandem_log_level = tandem_log4j.get("tandem_log_level", "INFO")
tandem_log_max_file_size = tandem_log4j.get("tandem_log_max_file_size", "256")
tandem_log_max_backup_index = tandem_log4j.get("tandem_log_max_backup_index", "20")
tandem_log4j_content = tandem_log4j["content"]

# tandem-site
tandem_site = configurations["tandem-site"]
tandem_site_attributes = default("/configurationAttributes/tandem-site", {})
primary_name = tandem_site["tandem.primary.name"]
secondary_name = tandem_site["tandem.secondary.name"]
primary_conf_dir = tandem_site["tandem.primary.conf.dir"]
secondary_conf_dir = tandem_site["tandem.secondary.conf.dir"]
http_port = int(tandem_site["tandem.controller.http.port"])
bind_host = (tandem_site.get("tandem.controller.http.bind-host") or "0.0.0.0").strip()
# Kerberos: kerberos.json makes Ambari fill these two; the controller logs in with them itself
# (tandem-env.sh also exports them, with _HOST resolved, for kinit before using the CLI).
tandem_principal_name = (tandem_site.get("tandem.kerberos.principal") or "").replace("_HOST", hostname.lower())
tandem_keytab = tandem_site.get("tandem.kerberos.keytab") or ""

# The scripts call the API as the controller's own user, whom the controller always admits to
# tandem.admin.acl: user.name=tandem_user in simple mode, SPNEGO with its principal in kerberos mode.
api_authentication = (tandem_site.get("tandem.controller.http.authentication") or "simple").strip().lower()
import tandem_api  # noqa: E402  (plain module next to this one)
# HTTPS_ONLY: the scripts check the controller's certificate against tandem.controller.ssl.ca.file (PEM).
http_policy = (tandem_site.get("tandem.controller.http.policy") or "HTTP_ONLY").strip().upper()
api_scheme = tandem_api.scheme(http_policy)
tandem_api.configure(tandem_user, kerberos=api_authentication == "kerberos", principal=tandem_principal_name,
                     keytab=tandem_keytab, kinit=kinit_path_local,
                     cafile=(tandem_site.get("tandem.controller.ssl.ca.file") or "").strip() or None)

# Where things go on the host (tandem-env; a test can point both into a sandbox)
tandem_home = (tandem_env.get("tandem_home") or "/usr/lib/tandem").rstrip("/") or "/"
tandem_lib_dir = format("{tandem_home}/lib")
tandem_bin_dir = format("{tandem_home}/bin")
tandem_bin = format("{tandem_bin_dir}/tandem")
# What the controller's install unpacked into tandem_lib_dir (the archive's name, SHA-256 and jars).
tandem_controller_manifest = format("{tandem_home}/controller-archive.json")
tandem_conf_dir = (tandem_env.get("tandem_conf_dir") or "/etc/tandem/conf").rstrip("/") or "/"
tandem_out_file = format("{tandem_log_dir}/tandem-controller.out")
# The CLI entry point inside tandem-ambari-service's jar; `tandem controller start` runs the daemon.
tandem_cli_main_class = "io.tandem.controller.cli.TandemCli"

# This Ambari cluster's client configuration goes to the directory of the Tandem cluster it is.
local_cluster_conf_dir = {"primary": primary_conf_dir, "secondary": secondary_conf_dir}.get(tandem_local_cluster)
cluster_site_types = ("core-site", "hdfs-site", "hbase-site")

# Other daemons load Tandem classes from their own lib directories: HBase the region observer,
# the NameNode the plugin and attribute provider. The first existing directory is used.
stack_root = Script.get_stack_root()
hbase_lib_dirs = (format("{stack_root}/current/hbase-client/lib"), "/usr/lib/hbase/lib")
hadoop_lib_dirs = (format("{stack_root}/current/hadoop-client/lib"), "/usr/lib/hadoop/lib")
# Both jars are shaded with tandem-core, so each is all its daemon needs.
hbase_plugin_jars = ("tandem-hbase-coprocessor-*.jar",)
hdfs_plugin_jars = ("tandem-hdfs-extension-*.jar",)
# The controller's runtime: an archive at the mpack's root on the Ambari server, not in package/
# (which every TANDEM host downloads); package/files/controller-archive.json names it.
controller_archive_info = "controller-archive.json"
download_timeout_s = 600

# The controllers' REST API
controller_hosts = default("/clusterHostInfo/tandem_controller_hosts", [])
tandem_controller_urls = ",".join("{0}://{1}:{2}".format(api_scheme, h, http_port) for h in controller_hosts)
local_api_host = hostname if bind_host in ("", "0.0.0.0", "::") else bind_host
local_controller_url = "{0}://{1}:{2}".format(api_scheme, local_api_host, http_port)
# Every controller, this host's first; the scripts talk to whichever is active.
controller_urls = ([local_controller_url] if hostname in controller_hosts else []) + \
  ["{0}://{1}:{2}".format(api_scheme, h, http_port) for h in controller_hosts if h != hostname]
api_timeout_s = 30.0
# SWITCH_IDENTITY follows the switch this long (below its command timeout in metainfo.xml), polling this often.
switch_timeout_s = 3500.0
switch_poll_s = 2.0
# A reload may wait for another controller applying the same policies (60 s at most).
reload_timeout_s = 90.0
start_timeout_s = 120
stop_timeout_s = 60
poll_interval_s = 2.0

# Service check: a one-directory policy, backed up once and removed again.
service_check_service = "ambari-service-check"
service_check_dir = "/tmp/tandem-service-check"
service_check_timeout_s = 480
