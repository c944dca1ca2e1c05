"""get_kinit_path(search_paths): where kinit is, searching the given paths then the usual ones."""
import os

DEFAULT_PATHS = ["/usr/bin", "/usr/kerberos/bin", "/usr/sbin", "/usr/lib/mit/bin", "/usr/lib/mit/sbin"]


def get_kinit_path(search_paths=None):
  paths = [p.strip() for p in (search_paths or "").split(",") if p.strip()] + DEFAULT_PATHS
  for path in paths:
    candidate = os.path.join(path, "kinit")
    if os.path.isfile(candidate):
      return candidate
  return "/usr/bin/kinit"
