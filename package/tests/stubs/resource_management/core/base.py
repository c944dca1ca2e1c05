"""Resources that record themselves instead of acting, with the real argument names enforced."""
from resource_management.core.environment import Environment
from resource_management.core.exceptions import Fail

COMMON_ARGUMENTS = frozenset(["action", "ignore_failures", "not_if", "only_if", "initial_wait"])


class Resource(object):
  arguments_allowed = frozenset()
  actions = ("nothing",)
  default_action = "nothing"

  def __init__(self, name, env=None, **kwargs):
    if isinstance(name, list):
      for earlier in name[:-1]:
        type(self)(earlier, env=env, **kwargs)
      name = name[-1]
    self.env = env or Environment.get_instance()
    self.name = name
    for key in kwargs:
      if key not in COMMON_ARGUMENTS and key not in self.arguments_allowed:
        raise Fail("%s received unsupported argument %s" % (self, key))
    action = kwargs.get("action", self.default_action)
    for single in (action if isinstance(action, list) else [action]):
      if single not in self.actions:
        raise Fail("%s has no action %s (it has %s)" % (self, single, ", ".join(self.actions)))
    self.action = action
    self.arguments = dict(kwargs)
    self.validate()
    self.env.resources.setdefault(type(self).__name__, {})[name] = self
    self.env.resource_list.append(self)

  def validate(self):
    pass

  def __getitem__(self, key):
    return self.arguments[key]

  def get(self, key, default=None):
    return self.arguments.get(key, default)

  def __str__(self):
    return "%s[%r]" % (type(self).__name__, self.name)

  __repr__ = __str__
