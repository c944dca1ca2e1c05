"""The command's environment: where resources are recorded and where format() finds params."""


class _Config(object):
  def __init__(self, basedir, tmp_dir):
    self.basedir = basedir
    self.params = {}
    self.download_path = tmp_dir


class Environment(object):
  _stack = []

  def __init__(self, basedir=None, tmp_dir=None, test_mode=False, logger=None):
    self.config = _Config(basedir, tmp_dir)
    self.tmp_dir = tmp_dir
    self.test_mode = test_mode
    self.resources = {}
    self.resource_list = []

  def set_params(self, params):
    """Like the real one: a module's public names (or a dict) become template and format() variables."""
    if isinstance(params, dict):
      self.config.params.update(params)
    else:
      self.config.params.update((name, getattr(params, name)) for name in dir(params) if not name.startswith("_"))

  def of_type(self, resource_type):
    return [r for r in self.resource_list if type(r).__name__ == resource_type]

  @classmethod
  def get_instance(cls):
    if not cls._stack:
      raise RuntimeError("no Environment: run the command inside `with Environment(...)`")
    return cls._stack[-1]

  @classmethod
  def has_instance(cls):
    return bool(cls._stack)

  def __enter__(self):
    Environment._stack.append(self)
    return self

  def __exit__(self, *exc):
    Environment._stack.remove(self)
    return False
