"""
TANDEM service check: a tiny real backup through the active controller.

It defines the policy "ambari-service-check" over one HDFS directory, starts a cut of it,
waits until the cut is COMPLETE (or fails on FAILED/ABORTED/timeout) and removes the policy
again. When this Ambari cluster is the primary, the directory is created here first; otherwise
it must exist on the primary (docs/ambari.md says how).
"""
import json
import time

from resource_management.core.exceptions import Fail
from resource_management.core.logger import Logger
from resource_management.core.resources.system import Execute
from resource_management.libraries.functions.format import format
from resource_management.libraries.script.script import Script

import tandem_api


def check_policy(params):
  return {
    "service": params.service_check_service,
    "datasets": ["hdfs:" + params.service_check_dir],
    # A one-off far in the future: the policy never fires by itself and is removed after the check.
    "schedules": ["once:2099-01-01T00:00:00Z"],
    "mode": "push",
    "retain": 1,
  }


def prepare_check_directory(params):
  if params.tandem_local_cluster != "primary":
    Logger.info("this Ambari cluster is the {0}: {1} must exist on the primary cluster {2}".format(
      params.tandem_local_cluster, params.service_check_dir, params.primary_name))
    return
  if params.security_enabled:
    Execute(format("{kinit_path_local} -kt {hdfs_user_keytab} {hdfs_principal_name}"), user=params.hdfs_user)
  Execute(format("hdfs dfs -mkdir -p {service_check_dir} && "
                 "echo tandem-service-check | hdfs dfs -put -f - {service_check_dir}/check.txt && "
                 "hdfs dfsadmin -allowSnapshot {service_check_dir}"),
          user=params.hdfs_user, logoutput=True, tries=3, try_sleep=5)


def wait_for_cut(url, params, cut_id):
  deadline = time.time() + params.service_check_timeout_s
  while True:
    try:
      manifest = tandem_api.cut(url, params.service_check_service, cut_id, params.api_timeout_s)
    except tandem_api.ControllerError as error:
      # The run answers before the cut is in the catalog: until then it is not there (404).
      if error.status != 404:
        raise
      manifest = {"state": "STARTING"}
    state = manifest.get("state")
    if state in tandem_api.TERMINAL_CUT_STATES:
      return manifest
    if time.time() >= deadline:
      raise Fail("cut {0} of the service-check policy is still {1} after {2} s".format(
        cut_id, state, params.service_check_timeout_s))
    time.sleep(params.poll_interval_s)


class TandemServiceCheck(Script):

  def service_check(self, env):
    import params
    env.set_params(params)
    prepare_check_directory(params)
    policy_path = "/api/v1/policies/" + params.service_check_service
    try:
      url = tandem_api.find_active_controller(params.controller_urls, params.api_timeout_s)
      tandem_api.call(url, "PUT", policy_path, check_policy(params), timeout=params.api_timeout_s)
    except tandem_api.ControllerError as error:
      raise Fail(str(error))
    try:
      cut_id = tandem_api.run_backup(url, params.service_check_service, params.api_timeout_s)
      Logger.info("service check: started cut {0} at {1}".format(cut_id, url))
      manifest = wait_for_cut(url, params, cut_id)
    except tandem_api.ControllerError as error:
      raise Fail(str(error))
    finally:
      try:
        tandem_api.call(url, "DELETE", policy_path, timeout=params.api_timeout_s)
      except tandem_api.ControllerError as error:
        Logger.warning("could not remove the service-check policy: {0}".format(error))
    if manifest.get("state") != "COMPLETE":
      raise Fail("service-check cut {0} ended {1}: {2}".format(
        cut_id, manifest.get("state"), manifest.get("reason") or json.dumps(manifest, sort_keys=True)))
    Logger.info("service check: cut {0} is COMPLETE: {1}".format(cut_id, json.dumps(manifest, sort_keys=True)))


if __name__ == "__main__":
  TandemServiceCheck().execute()
