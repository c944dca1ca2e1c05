"""
Restore drills (docs/drills.md), per backup policy: CRITICAL when the service's last drill
FAILED (the text names the cut and the object that did not come back equal), WARNING when the
last drill started longer ago than the alert's drill.max.age.hours (0: twice
tandem.drill.interval.hours), OK otherwise. Services the schedule does not drill are OK with a
text that says so.
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
  sys.path.insert(0, _HERE)
import tandem_status_client as client  # noqa: E402

MAX_AGE_PARAMETER = "drill.max.age.hours"


def get_tokens():
  return client.tokens()


def evaluate(status, configurations, parameters):
  max_age_hours = client.number(parameters, MAX_AGE_PARAMETER, 0, "alert parameter")
  findings = []
  for entry in client.services(status):
    service = entry.get("service") or "(unnamed service)"
    drill = client.field(entry, "drill", "restore drill state of " + service, (dict,))
    interval = client.optional_number(drill, "intervalHours", "drill interval of " + service) or 0
    last = drill.get("last")
    if last is not None and not isinstance(last, dict):
      raise client.StatusProblem("the controller's status has last drill of {0} = {1!r}, which is not a dict".format(
        service, last))
    if last is None:
      if interval <= 0:
        findings.append((client.OK, "{0}: restore drills are off (tandem.drill.interval.hours=0 or the service is not "
                                    "in tandem.drill.services)".format(service)))
      else:
        findings.append((client.OK, "{0}: no restore drill yet; the first runs after its first complete cut".format(
          service)))
      continue
    drill_id = client.field(last, "drillId", "id of the last drill of " + service)
    state = client.field(last, "state", "state of drill " + str(drill_id))
    age = client.optional_number(last, "ageSeconds", "age of drill " + str(drill_id))
    threshold_hours = max_age_hours if max_age_hours > 0 else 2 * interval
    if state == "FAILED":
      findings.append((client.CRITICAL, "{0}: restore drill {1} of cut {2} FAILED: {3}; fix the cause, then run "
                                        "'tandem drill run {0}'".format(
        service, drill_id, last.get("cutId") or "(none)", last.get("reason") or "no reason given")))
    elif threshold_hours > 0 and age is not None and age > threshold_hours * 3600:
      findings.append((client.WARNING, "{0}: last restore drill {1} ({2}) started {3} ago, over {4}; is the active "
                                       "controller running its drills?".format(
        service, drill_id, state, client.duration(age), client.duration(threshold_hours * 3600))))
    else:
      findings.append((client.OK, "{0}: last restore drill {1} {2}{3}".format(
        service, drill_id, state, "" if age is None else ", " + client.duration(age) + " ago")))
  if not findings:
    return client.OK, "no backup policies are defined"
  return client.worst(findings)


def execute(configurations={}, parameters={}, host_name=None):
  return client.run_alert(configurations, parameters, host_name, evaluate)
