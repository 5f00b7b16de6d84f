"""Production: the database from DATABASE_URL, HTTPS only, secure cookies and HSTS.

Refuses to start (one line, ImproperlyConfigured) without ``DATABASE_URL``, without a strong
``DJANGO_SECRET_KEY`` (at least 50 characters, not the development default) or without
``DJANGO_ALLOWED_HOSTS``, with incomplete single sign-on settings (``CYBERBEELD_OIDC_*``) or with
two-factor authentication not required for beheerders. See docs/operations.md.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, LOGGING, MFA_REQUIRED_ROLES, OIDC_PROBLEMS, env, env_bool, env_int

DEBUG = False

if not env("DATABASE_URL"):
    raise ImproperlyConfigured(
        "DATABASE_URL ontbreekt / is not set (postgres://user:password@host:5432/cyberbeeld).")

SECRET_KEY = env("DJANGO_SECRET_KEY")
if (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
        or SECRET_KEY.startswith(("dev-insecure", "django-insecure"))):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY moet minstens 50 willekeurige tekens zijn / must be at least 50 random characters.")

if not env("DJANGO_ALLOWED_HOSTS").strip(" ,"):
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS ontbreekt / is not set (the site's host names, comma-separated).")

if OIDC_PROBLEMS:
    from cyberbeeld.accounts.oidc_config import missing_lines

    raise ImproperlyConfigured(missing_lines(OIDC_PROBLEMS))

if "beheerder" not in MFA_REQUIRED_ROLES:
    raise ImproperlyConfigured(
        "CYBERBEELD_MFA_REQUIRED_ROLES moet 'beheerder' bevatten / must include 'beheerder' "
        "(two-factor authentication is required for beheerders).")

# Connections: kept for CONN_MAX_AGE seconds and checked before reuse (a restarted database server
# costs no failed request); a connect timeout so `migrate` or a request fails instead of hanging on an
# endpoint that never answers. One connection per serving thread at most: the ceiling is
# workers × threads per instance (see `cyberbeeld serve --production` and docs/operations.md).
_db = DATABASES["default"]
_db["CONN_MAX_AGE"] = env_int("CYBERBEELD_DB_CONN_MAX_AGE", 300)
_db["CONN_HEALTH_CHECKS"] = True
if _db["ENGINE"].endswith("postgresql"):
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"].setdefault("connect_timeout", env_int("CYBERBEELD_DB_CONNECT_TIMEOUT", 5))
    _db["OPTIONS"].setdefault("application_name", "cyberbeeld")

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# Hashed file names (cacheable for a year). The manifest is written by `collectstatic`, which
# `cyberbeeld serve --production` runs before it starts; `check --deploy` reports a missing manifest
# (cyberbeeld.ops.checks) instead of every page being a 500.
WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One line per request (method, path without query string, status, duration, request id, user id).
LOGGING["loggers"]["cyberbeeld.requests"]["level"] = env("CYBERBEELD_ACCESS_LOG_LEVEL", "INFO")
