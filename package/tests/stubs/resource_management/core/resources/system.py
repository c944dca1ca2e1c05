"""File, Directory, Link and Execute with the real library's arguments; recorded, not run."""
from resource_management.core.base import Resource
from resource_management.core.exceptions import Fail


class File(Resource):
  arguments_allowed = frozenset(["path", "backup", "mode", "owner", "group", "content", "replace", "encoding",
                                 "cd_access"])
  actions = ("nothing", "create", "delete")
  default_action = "create"

  def validate(self):
    content = self.arguments.get("content")
    # The real provider renders the content when it writes the file; render now so template
    # errors fail the command under test, and keep the text for assertions.
    self.text = content.get_content() if hasattr(content, "get_content") else content


class Directory(Resource):
  arguments_allowed = frozenset(["path", "mode", "owner", "group", "follow", "create_parents", "cd_access",
                                 "recursive_ownership", "recursive_mode_flags", "safemode_folders",
                                 "recursion_follow_links"])
  actions = ("nothing", "create", "delete")
  default_action = "create"


class Link(Resource):
  arguments_allowed = frozenset(["path", "to", "hard"])
  actions = ("nothing", "create", "delete")
  default_action = "create"

  def validate(self):
    if "delete" not in (self.action if isinstance(self.action, list) else [self.action]) and "to" not in self.arguments:
      raise Fail("%s needs the argument to" % self)


class Execute(Resource):
  arguments_allowed = frozenset(["command", "creates", "cwd", "environment", "user", "returns", "tries", "try_sleep",
                                 "path", "on_new_line", "logoutput", "timeout", "on_timeout", "wait_for_finish",
                                 "sudo", "stdout", "stderr", "timeout_kill_strategy"])
  actions = ("nothing", "run")
  default_action = "run"

  @property
  def command(self):
    return self.arguments.get("command", self.name)
