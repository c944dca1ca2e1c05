"""
Puts Tandem on a host and writes its configuration; shared by the controller and the client.

Ambari sends each TANDEM host the package/ directory (archive.zip), so it carries only what every
host needs: the two server-side jars in files/server (shaded, self-contained), which the client
copies to tandem_home/lib and links into HBase's and Hadoop's lib directories. The controller's
runtime (lib/ = tandem-ambari-service and every dependency, ~100 MB) is an archive at the mpack's
root on the Ambari server, outside package/; files/controller-archive.json names its path under
the server's resources URL (/ambariLevelParams/jdk_location), its size and SHA-256. The
controller's install downloads it from there, verifies it and unpacks lib/ into tandem_home/lib.
Jars of other versions are removed; neither component removes the other's jars on a host that has
both (the controller records its jars in tandem_home/controller-archive.json).
"""
import fnmatch
import hashlib
import json
import os
import shutil
import tarfile
import tempfile

try:
  from urllib.request import urlopen
  from urllib.error import URLError
except ImportError:  # Python 2.7 agents (Ambari 2.7)
  from urllib2 import urlopen, URLError

from resource_management.core.exceptions import Fail
from resource_management.core.logger import Logger
from resource_management.core.resources.system import Directory, File, Link
from resource_management.core.source import InlineTemplate, StaticFile, Template
from resource_management.libraries.functions.default import default
from resource_management.libraries.resources.xml_config import XmlConfig

REINSTALL_HINT = "rebuild it with `mvn package` and reinstall it with ambari-server install-mpack --force"


def server_jars(env):
  """Names of the server-side jars in the package (files/server), sorted; Fail when there are none."""
  directory = os.path.join(env.config.basedir, "files", "server")
  jars = sorted(f for f in os.listdir(directory) if f.endswith(".jar")) if os.path.isdir(directory) else []
  if not jars:
    raise Fail("no Tandem server jars in {0}: the management pack was built without them; {1}".format(
      directory, REINSTALL_HINT))
  return jars


def controller_archive_info(env):
  """package/files/controller-archive.json: {name, path (under the resources URL), size, sha256, version}."""
  import params
  path = os.path.join(env.config.basedir, "files", params.controller_archive_info)
  try:
    with open(path) as handle:
      info = json.load(handle)
  except (IOError, OSError, ValueError) as error:
    raise Fail("cannot read {0} ({1}): the management pack is incomplete; {2}".format(path, error, REINSTALL_HINT))
  if not info.get("path") or not info.get("name"):
    raise Fail("{0} names no archive (path, name): {1}".format(path, REINSTALL_HINT))
  return info


def controller_archive_url(info):
  import params
  if not params.jdk_location:
    raise Fail("the command has no /ambariLevelParams/jdk_location (the Ambari server's resources URL), so the "
               "controller's runtime {0} cannot be downloaded".format(info["path"]))
  return params.jdk_location.rstrip("/") + "/" + info["path"].lstrip("/")


def _read_manifest(path):
  try:
    with open(path) as handle:
      manifest = json.load(handle)
    return manifest if isinstance(manifest, dict) else {}
  except (IOError, OSError, ValueError):
    return {}


def _download(url, target, timeout):
  """Streams url to target; returns (size, sha256 hex). Fail names the URL and what to do."""
  digest = hashlib.sha256()
  size = 0
  try:
    response = urlopen(url, timeout=timeout)
    try:
      with open(target, "wb") as out:
        while True:
          chunk = response.read(1 << 20)
          if not chunk:
            break
          out.write(chunk)
          digest.update(chunk)
          size += len(chunk)
    finally:
      response.close()
  except (URLError, IOError, OSError) as error:
    raise Fail("cannot download the Tandem controller runtime from {0}: {1}; check that this host reaches the "
               "Ambari server and that the mpack is installed there (ambari-server install-mpack, then "
               "ambari-server restart)".format(url, getattr(error, "reason", None) or error))
  return size, digest.hexdigest()


def _unpack_lib(archive, staging):
  """Extracts the archive's lib/*.jar (nothing else, no path outside lib/) into staging; returns the names."""
  jars = []
  try:
    with tarfile.open(archive, "r:gz") as tar:
      for member in tar.getmembers():
        parts = member.name.replace("\\", "/").lstrip("./").split("/")
        if len(parts) != 2 or parts[0] != "lib" or not parts[1].endswith(".jar") or not member.isfile():
          continue
        source = tar.extractfile(member)
        with open(os.path.join(staging, parts[1]), "wb") as out:
          shutil.copyfileobj(source, out, 1 << 20)
        jars.append(parts[1])
  except (tarfile.TarError, IOError, OSError, EOFError) as error:
    raise Fail("the Tandem controller runtime {0} is not a readable tar.gz ({1})".format(archive, error))
  if not jars:
    raise Fail("the Tandem controller runtime {0} has no lib/*.jar".format(archive))
  return sorted(jars)


def install_controller(env):
  """Downloads the controller's runtime from the Ambari server, unpacks lib/ and writes the launcher."""
  import params
  info = controller_archive_info(env)
  Directory([params.tandem_home, params.tandem_lib_dir, params.tandem_bin_dir], mode=0o755, create_parents=True)
  if not os.path.isdir(params.tandem_lib_dir):  # the Directory above is only recorded in the unit tests
    os.makedirs(params.tandem_lib_dir)
  keep = set(server_jars(env))
  manifest = _read_manifest(params.tandem_controller_manifest)
  installed = manifest.get("jars") or []
  if info.get("sha256") and manifest.get("sha256") == info["sha256"] and installed and \
      all(os.path.isfile(os.path.join(params.tandem_lib_dir, jar)) for jar in installed):
    Logger.info("{0} ({1} jars) is already unpacked in {2}".format(info["name"], len(installed), params.tandem_lib_dir))
    jars = installed
  else:
    url = controller_archive_url(info)
    staging = tempfile.mkdtemp(prefix="tandem-controller-", dir=params.tandem_home)
    try:
      archive = os.path.join(staging, info["name"])
      Logger.info("downloading the Tandem controller runtime from {0}".format(url))
      size, sha256 = _download(url, archive, params.download_timeout_s)
      expected_size = info.get("size")
      if expected_size is not None and int(expected_size) != size:
        raise Fail("the Tandem controller runtime from {0} has {1} bytes, not {2}: the download was cut short or the "
                   "Ambari server holds another build of the mpack; retry, or reinstall the mpack".format(
                     url, size, expected_size))
      if info.get("sha256") and info["sha256"].lower() != sha256:
        raise Fail("the Tandem controller runtime from {0} has SHA-256 {1}, not {2} as the mpack's {3} says; "
                   "reinstall the mpack on the Ambari server (install-mpack --force, then restart it)".format(
                     url, sha256, info["sha256"], params.controller_archive_info))
      lib_staging = os.path.join(staging, "lib")
      os.mkdir(lib_staging)
      jars = _unpack_lib(archive, lib_staging)
      for jar in jars:
        os.chmod(os.path.join(lib_staging, jar), 0o644)
        os.rename(os.path.join(lib_staging, jar), os.path.join(params.tandem_lib_dir, jar))
      Logger.info("unpacked {0} jars of {1} ({2} bytes, SHA-256 {3}) into {4}".format(
        len(jars), info["name"], size, sha256, params.tandem_lib_dir))
      manifest = {"name": info["name"], "sha256": sha256, "size": size, "version": info.get("version"), "jars": jars}
      with open(params.tandem_controller_manifest, "w") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)
    finally:
      shutil.rmtree(staging, ignore_errors=True)
  keep.update(jars)
  _remove_other_jars(params.tandem_lib_dir, keep)
  File(params.tandem_bin, content=Template("tandem.j2"), mode=0o755)


def install_client(env):
  """Copies the server-side jars (only those) to tandem_home/lib; HBase and the NameNode load them from there."""
  import params
  jars = server_jars(env)
  Directory([params.tandem_home, params.tandem_lib_dir], mode=0o755, create_parents=True)
  # On a host that also runs the controller, its runtime stays; otherwise (e.g. left by an older
  # mpack that sent every jar to every host) it goes, and with it a launcher that would not run.
  controller = _read_manifest(params.tandem_controller_manifest).get("jars") or []
  _remove_other_jars(params.tandem_lib_dir, set(jars) | set(controller))
  if not controller and os.path.lexists(params.tandem_bin):
    File(params.tandem_bin, action="delete")
  for jar in jars:
    File(os.path.join(params.tandem_lib_dir, jar), content=StaticFile(os.path.join("server", jar)), mode=0o644)


def _remove_other_jars(lib_dir, keep):
  if os.path.isdir(lib_dir):
    for name in sorted(os.listdir(lib_dir)):
      if name.endswith(".jar") and name not in keep:
        File(os.path.join(lib_dir, name), action="delete")


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
  jars = server_jars(env)
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


class UnversionedComponent(object):
  """Mixin for TANDEM's component scripts (before Script in the bases)."""

  def get_version(self, env):
    """GET_VERSION, which the agent sends for every component on the host when it registers.

    TANDEM is not in the stack's stack-select packages (its components declare
    versionAdvertised=false), so Script's own version lookup finds nothing, and the agent logs
    "Could not get version for component ..." whenever the answer carries no "version". "UNKNOWN"
    is the value the server expects from a component that does not advertise a version: it
    accepts it without a warning and leaves the component's version alone.
    """
    self.put_structured_out({"version": "UNKNOWN"})
