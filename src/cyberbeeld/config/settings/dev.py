"""Local development and `make run`: embedded SQLite, debug off by default (friendly error pages)."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", False)
