"""Template sources. Rendering uses Jinja2 like the real library, with undefined names as errors."""
import os

from resource_management.core.environment import Environment
from resource_management.core.exceptions import Fail

try:
  import jinja2
except ImportError:  # pragma: no cover - the tests that render templates need it
  jinja2 = None


def _render(text, context, name):
  if jinja2 is None:
    raise Fail("Jinja2 is needed to render %s (pip install jinja2)" % name)
  template = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, trim_blocks=True,
                                keep_trailing_newline=True).from_string(text)
  try:
    return template.render(context)
  except jinja2.UndefinedError as error:
    raise Fail("template %s: %s" % (name, error))


class StaticFile(object):
  """A file from the package's files/ directory (or an absolute path)."""

  def __init__(self, name):
    self.env = Environment.get_instance()
    self.name = name
    self.path = name if os.path.isabs(name) else os.path.join(self.env.config.basedir, "files", name)
    if not os.path.isfile(self.path):
      raise Fail("StaticFile %s: %s does not exist" % (name, self.path))

  def get_content(self):
    with open(self.path, "rb") as handle:
      return handle.read()


class Template(object):
  """A template from the package's templates/ directory, rendered with the command's params."""

  def __init__(self, name, extra_imports=(), **kwargs):
    self.env = Environment.get_instance()
    self.name = name
    self.context = dict(self.env.config.params)
    self.context.update(kwargs)
    self.source = self._source()

  def _source(self):
    path = self.name if os.path.isabs(self.name) else os.path.join(self.env.config.basedir, "templates", self.name)
    if not os.path.isfile(path):
      raise Fail("Template %s not found at %s" % (self.name, path))
    with open(path) as handle:
      return handle.read()

  def get_content(self):
    return _render(self.source, self.context, self.name)


class InlineTemplate(Template):
  """A template given as text, e.g. an env config's content property."""

  def _source(self):
    return self.name

  def __repr__(self):
    return "InlineTemplate(...)"
