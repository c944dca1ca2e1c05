"""
CRITICAL when the last cut of any backup policy ended FAILED.
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
  sys.path.insert(0, _HERE)
import tandem_status_client as client  # noqa: E402


def get_tokens():
  return client.tokens()


def evaluate(status, configurations, parameters):
  findings = []
  for entry in client.services(status):
    service = entry.get("service") or "(unnamed service)"
    last = entry.get("lastCut")
    if last is None:
      continue
    cut_id = client.field(last, "id", "id of the last cut of " + service)
    state = client.field(last, "state", "state of cut " + str(cut_id))
    if state == "FAILED":
      when = last.get("finishedAt")
      findings.append((client.CRITICAL, "{0}: last cut {1} FAILED{2}: {3}; fix the cause, then run the "
                                        "RUN_BACKUP_NOW action with service={0}".format(
        service, cut_id, " at " + when if when else "", last.get("reason") or "no reason given")))
    else:
      findings.append((client.OK, "{0}: last cut {1} is {2}".format(service, cut_id, state)))
  if not findings:
    return client.OK, "no cut has run yet"
  return client.worst(findings)


def execute(configurations={}, parameters={}, host_name=None):
  return client.run_alert(configurations, parameters, host_name, evaluate)
