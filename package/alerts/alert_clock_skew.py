"""
Each cluster's clock against the controller's: CRITICAL beyond tandem.clock.max-skew.ms (the
controller then refuses cuts), WARNING beyond skew.warning.percent of it.
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
  sys.path.insert(0, _HERE)
import tandem_status_client as client  # noqa: E402

MAX_SKEW_KEY = "{{tandem-site/tandem.clock.max-skew.ms}}"
WARNING_PERCENT_PARAMETER = "skew.warning.percent"


def get_tokens():
  return client.tokens(MAX_SKEW_KEY)


def evaluate(status, configurations, parameters):
  max_skew = client.number(configurations, MAX_SKEW_KEY, 500, "tandem-site")
  warning_percent = client.number(parameters, WARNING_PERCENT_PARAMETER, 80, "alert parameter")
  clusters = [c for c in client.field(status, "clusters", "list of clusters", (list,)) if isinstance(c, dict)]
  if not clusters:
    return client.UNKNOWN, "the controller reports no clusters yet"
  findings = []
  for cluster in clusters:
    name = cluster.get("name") or "(unnamed cluster)"
    skew = client.optional_number(cluster, "skewMs", "clock skew of " + name)
    if skew is None:
      findings.append((client.UNKNOWN, "cluster {0}: clock skew not measured yet".format(name)))
    elif abs(skew) > max_skew:
      findings.append((client.CRITICAL, "cluster {0}'s clock is {1:.0f} ms off the controller's, more than "
                                        "tandem.clock.max-skew.ms ({2:.0f} ms): cuts are refused until NTP/chrony "
                                        "brings the clocks together".format(name, skew, max_skew)))
    elif abs(skew) > max_skew * warning_percent / 100.0:
      findings.append((client.WARNING, "cluster {0}'s clock is {1:.0f} ms off the controller's, {2:.0f}% of the "
                                       "{3:.0f} ms limit".format(name, skew, 100.0 * abs(skew) / max_skew, max_skew)))
    else:
      findings.append((client.OK, "cluster {0}: {1:.0f} ms".format(name, skew)))
  return client.worst(findings)


def execute(configurations={}, parameters={}, host_name=None):
  return client.run_alert(configurations, parameters, host_name, evaluate)
