"""Test settings: fast hashing, immediate tasks; the database comes from DATABASE_URL or SQLite."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASE_URL, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Subprocess tests (a real worker or server on the test database) set the database backend.
TASKS = {"default": {"BACKEND": env("CYBERBEELD_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")}}
DATA_DIR = Path(tempfile.mkdtemp(prefix="cyberbeeld-test-"))
MEDIA_ROOT = DATA_DIR / "media"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
if not DATABASE_URL:
    DATABASES = {
        "default": {
            "ENGINE": "cyberbeeld.config.sqlite",
            "NAME": str(DATA_DIR / "test.sqlite3"),
            "OPTIONS": {"init_command": "PRAGMA foreign_keys=ON;", "transaction_mode": "IMMEDIATE", "timeout": 30},
            "TEST": {"NAME": str(DATA_DIR / "test-db.sqlite3")},
        }
    }
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# In-process tests run jobs inside the test's transaction, which a heartbeat thread (another connection)
# cannot see; the subprocess tests set a short heartbeat.
JOB_HEARTBEAT_INTERVAL = float(env("CYBERBEELD_JOB_HEARTBEAT", "3600"))
# Two-factor authentication: the verification step runs in every test (anyone with a device is asked for a
# code), but no role is *forced* to enrol, so tests that sign in a beheerder with force_login or the
# password form need no device. tests/accounts/test_totp.py turns the production rule on ("beheerder"),
# and production.py refuses to start without it.
MFA_REQUIRED_ROLES = [r for r in env("CYBERBEELD_MFA_REQUIRED_ROLES", "").split(",") if r]
