"""
Per backup policy: CRITICAL when the newest COMPLETE cut is older than the policy's
rpoSeconds, WARNING when older than tandem.rpo.warning.fraction of it.
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
  sys.path.insert(0, _HERE)
import tandem_status_client as client  # noqa: E402

WARNING_FRACTION_KEY = "{{tandem-site/tandem.rpo.warning.fraction}}"
DEFAULT_WARNING_FRACTION = 0.8


def get_tokens():
  return client.tokens(WARNING_FRACTION_KEY)


def evaluate(status, configurations, parameters):
  fraction = client.number(configurations, WARNING_FRACTION_KEY, DEFAULT_WARNING_FRACTION, "tandem-site")
  findings = []
  for entry in client.services(status):
    service = entry.get("service") or "(unnamed service)"
    rpo = client.optional_number(entry, "rpoSeconds", "RPO of " + service)
    if rpo is None:
      findings.append((client.OK, "{0}: no RPO set".format(service)))
      continue
    age = client.optional_number(entry, "newestCompleteAgeSeconds", "newest complete cut age of " + service)
    if age is None:
      findings.append((client.UNKNOWN, "{0}: no complete cut yet, so its RPO of {1} cannot be met or measured".format(
        service, client.duration(rpo))))
    elif age > rpo:
      findings.append((client.CRITICAL, "{0}: newest complete cut is {1} old, over its RPO of {2}".format(
        service, client.duration(age), client.duration(rpo))))
    elif age > fraction * rpo:
      findings.append((client.WARNING, "{0}: newest complete cut is {1} old, {2:.0f}% of its RPO of {3}".format(
        service, client.duration(age), 100.0 * age / rpo, client.duration(rpo))))
    else:
      findings.append((client.OK, "{0}: newest complete cut is {1} old (RPO {2})".format(
        service, client.duration(age), client.duration(rpo))))
  if not findings:
    return client.OK, "no backup policies are defined"
  return client.worst(findings)


def execute(configurations={}, parameters={}, host_name=None):
  return client.run_alert(configurations, parameters, host_name, evaluate)
