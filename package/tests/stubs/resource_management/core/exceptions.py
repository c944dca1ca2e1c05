"""The exception types Ambari's agent treats specially."""


class Fail(Exception):
  def pre_raise(self):
    pass


class ExecutionFailed(Fail):
  def __init__(self, message, code=1, out="", err=""):
    Fail.__init__(self, message)
    self.code, self.out, self.err = code, out, err


class InvalidArgument(Fail):
  pass


class ComponentIsNotRunning(Exception):
  """Raised by a status command when the component is down."""


class ClientComponentHasNoStatus(Exception):
  """Raised by a client's status command: clients have no process."""
