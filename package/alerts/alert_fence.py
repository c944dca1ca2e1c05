"""
The write fence of each policy's last cut: WARNING when it held writes longer than
tandem.fence.alert.ms, CRITICAL when longer than its lease tandem.fence.lease.ms or when the
cut was ABORTED by its write fence (a RegionServer gave it up: a lease ran out or
was above tandem.fence.lease.max.ms, a fenced region moved or closed, ...).
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
  sys.path.insert(0, _HERE)
import tandem_status_client as client  # noqa: E402

ALERT_MS_KEY = "{{tandem-site/tandem.fence.alert.ms}}"
LEASE_MS_KEY = "{{tandem-site/tandem.fence.lease.ms}}"


def get_tokens():
  return client.tokens(ALERT_MS_KEY, LEASE_MS_KEY)


def evaluate(status, configurations, parameters):
  alert_ms = client.number(configurations, ALERT_MS_KEY, 2000, "tandem-site")
  lease_ms = client.number(configurations, LEASE_MS_KEY, 30000, "tandem-site")
  findings = []
  for entry in client.services(status):
    service = entry.get("service") or "(unnamed service)"
    last = entry.get("lastCut")
    if last is None:
      continue
    cut_id = client.field(last, "id", "id of the last cut of " + service)
    window = client.optional_number(last, "fenceWindowMs", "fence window of cut " + str(cut_id))
    if last.get("state") == "ABORTED":
      findings.append((client.CRITICAL, "{0}: cut {1} was ABORTED by its write fence ({2}); check the logs of the "
                                        "RegionServers it names for Tandem fence errors".format(
        service, cut_id, last.get("reason") or "no reason given")))
    elif window is None:
      continue
    elif window > lease_ms:
      findings.append((client.CRITICAL, "{0}: cut {1} held writes for {2:.0f} ms, longer than the {3:.0f} ms "
                                        "fence lease".format(service, cut_id, window, lease_ms)))
    elif window > alert_ms:
      findings.append((client.WARNING, "{0}: cut {1} held writes for {2:.0f} ms (alert above {3:.0f} ms)".format(
        service, cut_id, window, alert_ms)))
    else:
      findings.append((client.OK, "{0}: cut {1} held writes for {2:.0f} ms".format(service, cut_id, window)))
  if not findings:
    return client.OK, "no fenced cut has run yet"
  return client.worst(findings)


def execute(configurations={}, parameters={}, host_name=None):
  return client.run_alert(configurations, parameters, host_name, evaluate)
