"""
Puts Tandem on a host and writes its configuration; shared by the controller and the client.

The jars travel inside the management pack (package/files/lib) and reach the host through the
agent's cache; install copies them to /usr/lib/tandem/lib and removes jars of older versions.
"""
import fnmatch
import os

from resource_management.core.exceptions import Fail
from resource_management.core.logger import Logger
from resource_management.core.resources.system import Directory, File, Link
from resource_management.core.source import InlineTemplate, StaticFile, Template
from resource_management.libraries.functions.default import default
from resource_management.libraries.resources.xml_config import XmlConfig


def packaged_jars(env):
  """Names of the jars shipped in the management pack, sorted; Fail when there are none."""
  files_lib = os.path.join(env.config.basedir, "files", "lib")
  jars = sorted(f for f in os.listdir(files_lib) if f.endswith(".jar")) if os.path.isdir(files_lib) else []
  if not jars:
    raise Fail("no Tandem jars in {0}: the management pack was built without them; rebuild it with "
               "`mvn package` and reinstall it with ambari-server install-mpack --force".format(files_lib))
  return jars


def install_tandem(env):
  """Copies the jars to the lib directory and writes the tandem launcher."""
  import params
  jars = packaged_jars(env)
  Directory([params.tandem_home, params.tandem_lib_dir, params.tandem_bin_dir], mode=0o755, create_parents=True)
  if os.path.isdir(params.tandem_lib_dir):
    for name in sorted(os.listdir(params.tandem_lib_dir)):
      if name.endswith(".jar") and name not in jars:
        File(os.path.join(params.tandem_lib_dir, name), action="delete")
  for jar in jars:
    File(os.path.join(params.tandem_lib_dir, jar), content=StaticFile(os.path.join("lib", jar)), mode=0o644)
  File(params.tandem_bin, content=Template("tandem.j2"), mode=0o755)


def write_tandem_config():
  """/etc/tandem/conf: tandem-site.xml, tandem-env.sh and log4j.properties."""
  import params
  Directory(params.tandem_conf_dir, owner=params.tandem_user, group=params.tandem_group, mode=0o755,
            create_parents=True)
  XmlConfig("tandem-site.xml",
            conf_dir=params.tandem_conf_dir,
            configurations=params.tandem_site,
            configuration_attributes=params.tandem_site_attributes,
            owner=params.tandem_user,
            group=params.tandem_group,
            mode=0o644)
  File(os.path.join(params.tandem_conf_dir, "tandem-env.sh"),
       content=InlineTemplate(params.tandem_env_content),
       owner=params.tandem_user, group=params.tandem_group, mode=0o644)
  File(os.path.join(params.tandem_conf_dir, "log4j.properties"),
       content=InlineTemplate(params.tandem_log4j_content),
       owner=params.tandem_user, group=params.tandem_group, mode=0o644)


def write_cluster_client_configs():
  """The primary's and the secondary's client configuration directories on the controller host.

  Ambari knows one cluster, its own: its core-site, hdfs-site and hbase-site go to the directory
  of the Tandem cluster it is (tandem-env/tandem_local_cluster). The other cluster's files are
  the admin's to copy there; Ambari never writes that directory's files.
  """
  import params
  Directory([params.primary_conf_dir, params.secondary_conf_dir],
            owner=params.tandem_user, group=params.tandem_group, mode=0o755, create_parents=True)
  if params.local_cluster_conf_dir is None:
    Logger.info("tandem_local_cluster is {0}: copy both clusters' core-site.xml, hdfs-site.xml and hbase-site.xml "
                "into {1} and {2}".format(params.tandem_local_cluster, params.primary_conf_dir, params.secondary_conf_dir))
    return
  for config_type in params.cluster_site_types:
    if config_type not in params.configurations:
      Logger.warning("{0} is not in this command's configurations; {1}/{0}.xml is left as it is".format(
        config_type, params.local_cluster_conf_dir))
      continue
    XmlConfig(config_type + ".xml",
              conf_dir=params.local_cluster_conf_dir,
              configurations=params.configurations[config_type],
              configuration_attributes=default("/configurationAttributes/" + config_type, {}),
              owner=params.tandem_user,
              group=params.tandem_group,
              mode=0o644)
  other = params.secondary_conf_dir if params.local_cluster_conf_dir == params.primary_conf_dir else params.primary_conf_dir
  Logger.info("wrote this cluster's client configuration to {0}; copy the other cluster's core-site.xml, "
              "hdfs-site.xml and hbase-site.xml into {1}".format(params.local_cluster_conf_dir, other))


def _first_existing(directories):
  for directory in directories:
    if os.path.isdir(directory):
      return directory
  return None


def link_plugin_jars(env):
  """Links the coprocessor and the NameNode extension into HBase's and Hadoop's lib directories."""
  import params
  jars = packaged_jars(env)
  for lib_dirs, patterns, daemon in ((params.hbase_lib_dirs, params.hbase_plugin_jars, "HBase"),
                                     (params.hadoop_lib_dirs, params.hdfs_plugin_jars, "the NameNode")):
    target = _first_existing(lib_dirs)
    if target is None:
      Logger.warning("none of {0} exists, so {1} on this host cannot load Tandem's classes; install the "
                     "HBase and HDFS clients here and reinstall Tandem Client".format(", ".join(lib_dirs), daemon))
      continue
    wanted = [jar for jar in jars if any(fnmatch.fnmatch(jar, p) for p in patterns)]
    for name in sorted(os.listdir(target)):
      path = os.path.join(target, name)
      if name not in wanted and os.path.islink(path) and \
          os.readlink(path).startswith(params.tandem_lib_dir.rstrip("/") + "/"):
        Link(path, action="delete")
    for jar in wanted:
      Link(os.path.join(target, jar), to=os.path.join(params.tandem_lib_dir, jar))
