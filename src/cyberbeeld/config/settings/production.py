"""Production: the database from DATABASE_URL, HTTPS only, secure cookies and HSTS.

Refuses to start (one line, ImproperlyConfigured) without ``DATABASE_URL``, without a strong
``DJANGO_SECRET_KEY`` (at least 50 characters, not the development default) or without
``DJANGO_ALLOWED_HOSTS``, with incomplete single sign-on settings (``CYBERBEELD_OIDC_*``) or with
two-factor authentication not required for beheerders. See docs/operations.md.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, LOGGING, MFA_REQUIRED_ROLES, OIDC_PROBLEMS, env, env_bool, env_int


def pool_options() -> dict[str, object]:
    """psycopg_pool.ConnectionPool arguments from the environment (sizes per process)."""
    threads = env_int("CYBERBEELD_WEB_THREADS", 4)
    max_size = env_int("CYBERBEELD_DB_POOL_MAX", threads)
    min_size = min(env_int("CYBERBEELD_DB_POOL_MIN", 1), max_size)
    if max_size < 1 or min_size < 0:
        raise ImproperlyConfigured(
            "CYBERBEELD_DB_POOL_MAX moet ≥ 1 zijn / must be at least 1 (CYBERBEELD_DB_POOL_MIN ≥ 0).")
    return {
        "min_size": min_size,
        "max_size": max_size,
        "timeout": float(env_int("CYBERBEELD_DB_POOL_TIMEOUT", 10)),  # seconds a request waits for one
        "max_idle": 300.0,  # an idle connection above min_size is closed after this
        # (the check before a connection is handed out comes from CONN_HEALTH_CHECKS, set below)
    }


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

# Connections. The web server (`cyberbeeld serve --production`, which sets CYBERBEELD_DB_POOL=1) uses a
# PostgreSQL connection pool per process (psycopg_pool through Django's "pool" option) with a ceiling: at
# most CYBERBEELD_DB_POOL_MAX connections per process (default: the serving threads, CYBERBEELD_WEB_THREADS,
# which the server sets too), so an instance holds at most workers × threads; a request that finds every
# connection busy waits up to CYBERBEELD_DB_POOL_TIMEOUT seconds and then fails (instead of the database
# running out of connections). Every other process (migrate, worker, scheduler, commands) keeps one
# persistent connection per thread (CONN_MAX_AGE). Either way a connection is checked before it is reused
# (CONN_HEALTH_CHECKS: a restarted database costs no failed request), and a connect timeout makes
# `migrate` or a request fail instead of hanging on an endpoint that never answers. See docs/operations.md.
_db = DATABASES["default"]
_db["CONN_HEALTH_CHECKS"] = True
_db["CONN_MAX_AGE"] = env_int("CYBERBEELD_DB_CONN_MAX_AGE", 300)
if _db["ENGINE"].endswith("postgresql"):
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"].setdefault("connect_timeout", env_int("CYBERBEELD_DB_CONNECT_TIMEOUT", 5))
    _db["OPTIONS"].setdefault("application_name", "cyberbeeld")
    if env_bool("CYBERBEELD_DB_POOL", False):
        _db["OPTIONS"]["pool"] = pool_options()
        _db["CONN_MAX_AGE"] = 0  # the pool keeps the connections (Django refuses both at once)

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
