"""
TANDEM_CONTROLLER: the control device.

start runs `tandem controller start` (a foreground daemon) with nohup as the Tandem user,
records its PID and waits until its REST API answers; stop sends SIGTERM, then SIGKILL after
stop_timeout_s. The custom commands SWITCH_IDENTITY and RUN_BACKUP_NOW are thin calls to the
active controller's REST API; their parameters come from the request's "parameters"
(e.g. {"RequestInfo": {"command": "SWITCH_IDENTITY", "parameters": {"confirm": "true"}}}).
Refresh configs (RECONFIGURE) rewrites the configuration (save_configs) and, for the policy
properties, has the running controller re-read it (reload_configs).
"""
import json
import os
import time

from resource_management.core.exceptions import Fail
from resource_management.core.logger import Logger
from resource_management.core.resources.system import Directory, Execute, File
from resource_management.libraries.functions.check_process_status import check_process_status
from resource_management.libraries.functions.default import default
from resource_management.libraries.functions.format import format
from resource_management.libraries.script.script import Script

import setup_tandem
import tandem_api


def command_param(name, fallback=None):
  """A parameter of a custom command: the request's parameters arrive as commandParams."""
  value = default("/commandParams/" + name, None)
  if value is None:
    value = default("/roleParams/" + name, None)
  return fallback if value is None else value


def is_true(value):
  return str(value).strip().lower() in ("true", "yes", "1")


def read_pid(pid_file):
  try:
    with open(pid_file) as handle:
      return int(handle.read().strip())
  except (IOError, OSError, ValueError):
    return None


def process_alive(pid):
  if pid is None:
    return False
  try:
    os.kill(pid, 0)
    return True
  except OSError as error:
    return error.errno == 1  # EPERM: it exists, it is just not ours


def tail(path, lines=20):
  try:
    with open(path) as handle:
      return "".join(handle.readlines()[-lines:])
  except (IOError, OSError):
    return "({0} cannot be read)".format(path)


def wait_until_up(params):
  """Fails unless the started controller stays alive and its REST API answers UP in time."""
  deadline = time.time() + params.start_timeout_s
  last_problem = "no answer yet"
  while True:
    pid = read_pid(params.tandem_pid_file)
    if not process_alive(pid):
      raise Fail("the Tandem controller (pid {0}) exited while starting; last lines of {1}:\n{2}".format(
        pid, params.tandem_out_file, tail(params.tandem_out_file)))
    try:
      health = tandem_api.get(params.local_controller_url, tandem_api.HEALTH, timeout=5.0) or {}
      if health.get("status") == "UP":
        Logger.info("Tandem controller {0} is UP at {1} ({2})".format(
          health.get("version", "?"), params.local_controller_url,
          "active" if health.get("active") else "standby"))
        return
      last_problem = "health is {0}".format(json.dumps(health))
    except tandem_api.ControllerError as error:
      last_problem = str(error)
    if time.time() >= deadline:
      raise Fail("the Tandem controller (pid {0}) is running but its REST API did not answer UP within {1} s ({2}); "
                 "see {3} and {4}/tandem-controller.log".format(pid, params.start_timeout_s, last_problem,
                                                               params.tandem_out_file, params.tandem_log_dir))
    time.sleep(params.poll_interval_s)


class TandemController(setup_tandem.UnversionedComponent, Script):

  def install(self, env):
    import params
    env.set_params(params)
    setup_tandem.install_controller(env)
    self.configure(env)

  def configure(self, env, upgrade_type=None, config_dir=None):
    import params
    env.set_params(params)
    Directory([params.tandem_log_dir, params.tandem_pid_dir],
              owner=params.tandem_user, group=params.tandem_group, mode=0o755,
              create_parents=True, cd_access="a")
    setup_tandem.write_tandem_config()
    setup_tandem.write_cluster_client_configs()

  def save_configs(self, env):
    """First half of RECONFIGURE ("Refresh configs"): rewrite /etc/tandem/conf; the process keeps running."""
    import params
    env.set_params(params)
    setup_tandem.write_tandem_config()

  def reload_configs(self, env):
    """Second half of RECONFIGURE: the running controller re-reads tandem-site.xml and applies tandem.policies.

    Ambari sends it (commandParams/reconfigureAction) when only properties that declare
    reload_configs for TANDEM_CONTROLLER changed (tandem.policies, tandem.policies.delete.missing);
    any other change asks for a restart. A stopped controller applies the file when it starts.
    """
    import params
    env.set_params(params)
    if not process_alive(read_pid(params.tandem_pid_file)):
      Logger.info("the Tandem controller is not running on this host; it applies {0}/tandem-site.xml when it "
                  "starts".format(params.tandem_conf_dir))
      return
    Logger.info("POST {0}{1}".format(params.local_controller_url, tandem_api.CONFIG_RELOAD))
    try:
      report = tandem_api.reload_config(params.local_controller_url, params.reload_timeout_s)
    except tandem_api.ControllerError as error:
      raise Fail("the Tandem controller did not apply the new configuration: {0}".format(error))
    Logger.info("declared policies applied from {0} in {1} ms: created {2}, updated {3}, unchanged {4}, deleted {5}, "
                "kept (not declared) {6}".format(report.get("source"), report.get("tookMs"), report.get("created"),
                                                  report.get("updated"), report.get("unchanged"),
                                                  report.get("deleted"), report.get("kept")))
    if report.get("kept"):
      Logger.info("policies {0} are not in tandem.policies and were kept; set tandem.policies.delete.missing=true "
                  "to delete them on refresh".format(report.get("kept")))
    if report.get("restartNeeded"):
      Logger.warning("{0} changed but take effect only after a restart of the Tandem controller".format(
        ", ".join(report["restartNeeded"])))
    self.put_structured_out({"tandem_reload": report})

  def start(self, env, upgrade_type=None):
    import params
    env.set_params(params)
    self.configure(env)
    already_running = format("ls {tandem_pid_file} >/dev/null 2>&1 && ps -p `cat {tandem_pid_file}` >/dev/null 2>&1")
    Execute(format("nohup {tandem_bin} controller start >> {tandem_out_file} 2>&1 & echo $! > {tandem_pid_file}"),
            user=params.tandem_user,
            environment={"JAVA_HOME": params.java_home, "TANDEM_CONF_DIR": params.tandem_conf_dir},
            not_if=already_running)
    wait_until_up(params)

  def stop(self, env, upgrade_type=None):
    import params
    env.set_params(params)
    pid = read_pid(params.tandem_pid_file)
    if process_alive(pid):
      Execute(("kill", str(pid)), sudo=True)
      deadline = time.time() + params.stop_timeout_s
      while process_alive(pid) and time.time() < deadline:
        time.sleep(min(params.poll_interval_s, 1.0))
      if process_alive(pid):
        Logger.warning("the Tandem controller (pid {0}) did not stop within {1} s; killing it".format(
          pid, params.stop_timeout_s))
        Execute(("kill", "-9", str(pid)), sudo=True)
    else:
      Logger.info("the Tandem controller is not running (pid file {0}: {1})".format(params.tandem_pid_file, pid))
    File(params.tandem_pid_file, action="delete")

  def status(self, env):
    import status_params
    env.set_params(status_params)
    check_process_status(status_params.tandem_pid_file)

  def switch_identity(self, env):
    """Moves the primary identity to another cluster (failover or failback) after an explicit confirm."""
    import params
    env.set_params(params)
    confirm = is_true(command_param("confirm", "false"))
    dry_run = is_true(command_param("dry_run", command_param("dryRun", "false")))
    if not confirm and not dry_run:
      raise Fail("SWITCH_IDENTITY changes which cluster accepts application writes, so it needs the parameter "
                 "confirm=true (optionally to=<cluster>, or dry_run=true to see what would be lost); e.g. POST "
                 "/api/v1/clusters/<cluster>/requests with {\"RequestInfo\": {\"command\": \"SWITCH_IDENTITY\", "
                 "\"context\": \"Switch Tandem identity\", \"parameters\": {\"confirm\": \"true\"}}, "
                 "\"Requests/resource_filters\": [{\"service_name\": \"TANDEM\", \"component_name\": "
                 "\"TANDEM_CONTROLLER\", \"hosts\": \"<controller host>\"}]}")
    try:
      url = tandem_api.find_active_controller(params.controller_urls or [params.local_controller_url],
                                              params.api_timeout_s)
      target = command_param("to") or self._current_secondary(url, params)
      body = {"to": target, "confirm": confirm, "dryRun": dry_run}
      if not dry_run:
        # A switch takes minutes (final cuts, restores): start it, then follow its recorded steps.
        body["await"] = False
      Logger.info("POST {0}/api/v1/identity/switch {1}".format(url, json.dumps(body)))
      answer = tandem_api.call(url, "POST", "/api/v1/identity/switch", body, timeout=params.api_timeout_s)[1]
      if not dry_run:
        answer = self._follow_switch(url, target, params)
    except tandem_api.ControllerError as error:
      raise Fail(str(error))
    Logger.info("{0} to {1}: {2}".format("dry run of the switch" if dry_run else "switched the primary identity",
                                        target, json.dumps(answer, sort_keys=True)))
    self.put_structured_out({"tandem_switch": {"to": target, "dryRun": dry_run, "answer": answer}})

  @staticmethod
  def _follow_switch(url, target, params):
    """Polls GET /api/v1/identity/switch, logging each step, until the switch to target ends.

    Returns the finished switch record; raises ControllerError naming the step and the reason when
    it stopped, with how to resume or revert it. Bounded by switch_timeout_s (below the command's
    timeout in metainfo.xml), not by the API timeout.
    """
    deadline = time.time() + params.switch_timeout_s
    seen = None
    while True:
      state = tandem_api.call(url, "GET", "/api/v1/identity/switch", timeout=params.api_timeout_s)[1] or {}
      current = state.get("current")
      if current:
        step = (current.get("step"), len(current.get("finalCuts") or {}), len(current.get("restored") or {}))
        if step != seen:
          seen = step
          Logger.info("switch {0} -> {1}: step {2}, final cuts {3}, restored {4}".format(
            current.get("from"), current.get("to"), current.get("step"), json.dumps(current.get("finalCuts") or {}),
            json.dumps(current.get("restored") or {})))
        if not state.get("runningHere") and current.get("error"):
          raise tandem_api.ControllerError(
            "the switch {0} -> {1} stopped at step {2}: {3}; run SWITCH_IDENTITY again with to={1} to resume it, "
            "or with to={0} to revert it".format(current.get("from"), current.get("to"), current.get("step"),
                                                  current.get("error")))
      else:
        last = state.get("last") or {}
        if not state.get("runningHere"):
          if last.get("to") == target and last.get("step") == "PROMOTED":
            return last
          if last.get("from") == target and last.get("step") == "REVERTED":
            return last
          raise tandem_api.ControllerError(
            "the switch to {0} is not running and did not end with {0} primary (last switch: {1}); see the "
            "controller's log".format(target, json.dumps(last, sort_keys=True)))
      if time.time() > deadline:
        raise tandem_api.ControllerError(
          "the switch to {0} has not ended within {1} s; it goes on in the controller: follow it with "
          "'tandem identity show'".format(target, int(params.switch_timeout_s)))
      time.sleep(params.switch_poll_s)

  @staticmethod
  def _current_secondary(url, params):
    status = tandem_api.get(url, tandem_api.STATUS, params.api_timeout_s) or {}
    for cluster in status.get("clusters") or []:
      if isinstance(cluster, dict) and cluster.get("role") == "SECONDARY" and cluster.get("name"):
        return cluster["name"]
    raise tandem_api.ControllerError("the controller's status names no SECONDARY cluster to switch to; "
                                     "pass the parameter to=<cluster>")

  def run_backup_now(self, env):
    """Starts a cut now of the policy named by the parameter service, or of every policy."""
    import params
    env.set_params(params)
    service = command_param("service")
    started, failed = {}, []
    try:
      url = tandem_api.find_active_controller(params.controller_urls or [params.local_controller_url],
                                              params.api_timeout_s)
      services = [service] if service else tandem_api.policy_services(url, params.api_timeout_s)
    except tandem_api.ControllerError as error:
      raise Fail(str(error))
    if not services:
      Logger.warning("no backup policy is defined, so there is nothing to back up; add one in tandem.policies")
    for name in services:
      try:
        started[name] = tandem_api.run_backup(url, name, params.api_timeout_s)
        Logger.info("started cut {0} of {1}; follow it with GET {2}/api/v1/backups/{1}/{0}".format(
          started[name], name, url))
      except tandem_api.ControllerError as error:
        failed.append(str(error))
    self.put_structured_out({"tandem_cuts": started})
    if failed:
      raise Fail("could not start {0} of {1} backups: {2}".format(len(failed), len(services), "; ".join(failed)))

  def get_log_folder(self):
    import params
    return params.tandem_log_dir

  def get_user(self):
    import params
    return params.tandem_user

  def get_pid_files(self):
    import status_params
    return [status_params.tandem_pid_file]


if __name__ == "__main__":
  TandemController().execute()
