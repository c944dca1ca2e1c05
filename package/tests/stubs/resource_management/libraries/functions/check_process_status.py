"""check_process_status(pid_file): ComponentIsNotRunning unless the PID file names a live process."""
import os

from resource_management.core.exceptions import ComponentIsNotRunning


def check_process_status(pid_file):
  if not pid_file or not os.path.isfile(pid_file):
    raise ComponentIsNotRunning()
  try:
    with open(pid_file) as handle:
      pid = int(handle.read().strip())
  except ValueError:
    raise ComponentIsNotRunning()
  try:
    os.kill(pid, 0)
  except OSError:
    raise ComponentIsNotRunning()
