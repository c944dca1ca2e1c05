"""
CRITICAL while the controller judges the primary cluster faulty; the text tells the admin how
to confirm the switch to the secondary.
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
  sys.path.insert(0, _HERE)
import tandem_status_client as client  # noqa: E402

PRIMARY_NAME_KEY = "{{tandem-site/tandem.primary.name}}"
SECONDARY_NAME_KEY = "{{tandem-site/tandem.secondary.name}}"


def get_tokens():
  return client.tokens(PRIMARY_NAME_KEY, SECONDARY_NAME_KEY)


def evaluate(status, configurations, parameters):
  faulty = client.field(status, "primaryFaulty", "verdict on the primary's health", (bool,))
  primary = client.cluster_named(status, "PRIMARY")
  secondary = client.cluster_named(status, "SECONDARY")
  primary_name = primary.get("name") or configurations.get(PRIMARY_NAME_KEY) or "primary"
  secondary_name = secondary.get("name") or configurations.get(SECONDARY_NAME_KEY) or "secondary"
  if not faulty:
    epoch = primary.get("epoch")
    return client.OK, "primary cluster {0} is healthy{1}".format(
      primary_name, "" if epoch is None else " (identity epoch {0})".format(epoch))
  text = ("primary cluster {0} is faulty since {1}: confirm the switch with "
          "`tandem identity switch --to {2} --confirm` or the SWITCH_IDENTITY action").format(
    primary_name, primary.get("faultySince") or "an unknown time", secondary_name)
  problems = [str(p) for p in (primary.get("problems") or []) if p]
  if problems:
    text += " (problems: {0})".format("; ".join(problems))
  return client.CRITICAL, text


def execute(configurations={}, parameters={}, host_name=None):
  return client.run_alert(configurations, parameters, host_name, evaluate)
