"""
Free space on the secondary against the next cut's estimated size: CRITICAL when it would not
fit, WARNING when less than capacity.warning.multiplier times it is free.
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
  sys.path.insert(0, _HERE)
import tandem_status_client as client  # noqa: E402

SECONDARY_NAME_KEY = "{{tandem-site/tandem.secondary.name}}"
MULTIPLIER_PARAMETER = "capacity.warning.multiplier"


def get_tokens():
  return client.tokens(SECONDARY_NAME_KEY)


def evaluate(status, configurations, parameters):
  multiplier = client.number(parameters, MULTIPLIER_PARAMETER, 2.0, "alert parameter")
  capacity = client.field(status, "secondaryCapacity", "secondary capacity", (dict,))
  free = float(client.field(capacity, "freeBytes", "free space on the secondary", client.NUMBER_TYPES))
  estimate = client.optional_number(capacity, "nextCutEstimateBytes", "next cut's estimated size")
  name = client.cluster_named(status, "SECONDARY").get("name") or configurations.get(SECONDARY_NAME_KEY) or "secondary"
  if estimate is None:
    return client.OK, "secondary cluster {0} has {1} free; there is no next cut to estimate".format(
      name, client.size(free))
  if free < estimate:
    return client.CRITICAL, ("secondary cluster {0} has {1} free but the next cut needs about {2}: free space or add "
                             "capacity on {0}, or lower the policies' retain").format(
      name, client.size(free), client.size(estimate))
  if free < estimate * multiplier:
    return client.WARNING, "secondary cluster {0} has {1} free, only {2:.1f} times the next cut's {3}".format(
      name, client.size(free), free / estimate if estimate else float("inf"), client.size(estimate))
  return client.OK, "secondary cluster {0} has {1} free; the next cut needs about {2}".format(
    name, client.size(free), client.size(estimate))


def execute(configurations={}, parameters={}, host_name=None):
  return client.run_alert(configurations, parameters, host_name, evaluate)
