"""Logger that keeps every message so tests can read what a command told the admin."""


class Logger(object):
  records = []

  @classmethod
  def _log(cls, level, message):
    cls.records.append((level, str(message)))

  @classmethod
  def info(cls, message):
    cls._log("INFO", message)

  @classmethod
  def debug(cls, message):
    cls._log("DEBUG", message)

  @classmethod
  def warning(cls, message):
    cls._log("WARNING", message)

  warn = warning

  @classmethod
  def error(cls, message):
    cls._log("ERROR", message)

  @classmethod
  def exception(cls, message):
    cls._log("ERROR", message)

  @classmethod
  def messages(cls, level=None):
    return [m for l, m in cls.records if level is None or l == level]

  @classmethod
  def reset(cls):
    cls.records = []
