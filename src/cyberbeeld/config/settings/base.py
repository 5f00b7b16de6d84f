"""Base settings: every setting with a safe default, read from the environment (12-factor).

Thin modules (dev, test, production) override what differs. See docs/operations.md for the
environment reference.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from cyberbeeld.accounts import oidc_config

SRC_DIR = Path(__file__).resolve().parents[2]  # src/cyberbeeld
REPO_DIR = SRC_DIR.parents[1]


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


DATA_DIR = Path(env("CYBERBEELD_DATA_DIR", str(REPO_DIR / "var")))
SHARED_DATA_DIR = Path(env("CYBERBEELD_SHARED_DATA", str(REPO_DIR.parent / "shared" / "data")))

SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-insecure-change-me-" + "x" * 40)
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [h for h in env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "cyberbeeld.common",
    "cyberbeeld.accounts",
    "cyberbeeld.areas",
    "cyberbeeld.indicators",
    "cyberbeeld.incidents",
    "cyberbeeld.risks",
    "cyberbeeld.reports",
    "cyberbeeld.sharing",
    "cyberbeeld.actions",
    "cyberbeeld.web",
    "cyberbeeld.api",
    "cyberbeeld.ops",
]

MIDDLEWARE = [
    "cyberbeeld.ops.middleware.RequestIdMiddleware",  # X-Request-ID in/out, for the logs
    "cyberbeeld.ops.health.HealthMiddleware",  # /healthz, /readyz: before host checks and redirects
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cyberbeeld.accounts.middleware.SecondFactorMiddleware",  # TOTP: verify or enrol before anything else
    "cyberbeeld.ops.middleware.NoStoreForAuthenticatedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cyberbeeld.accounts.middleware.CurrentOrganisationMiddleware",
    "cyberbeeld.web.middleware.RejectNulMiddleware",
    "axes.middleware.AxesMiddleware",
    "cyberbeeld.web.middleware.DatabaseBusyMiddleware",
    "cyberbeeld.web.middleware.ApplicationErrorMiddleware",  # common.errors raised by a view: one error page
]

ROOT_URLCONF = "cyberbeeld.config.urls"
WSGI_APPLICATION = "cyberbeeld.config.wsgi.application"

# Django's form renderer, with long select lists built in Python (the same HTML; common.forms.FormRenderer)
FORM_RENDERER = "cyberbeeld.common.forms.FormRenderer"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "cyberbeeld.web.context_processors.shell",
            ],
        },
    }
]

# Database: embedded SQLite (WAL) unless DATABASE_URL points elsewhere (PostgreSQL in production).
# SQLite has one writer at a time: every write transaction starts with BEGIN IMMEDIATE (so it takes the
# write lock first instead of failing on upgrade), and a writer that finds the lock taken waits up to
# CYBERBEELD_SQLITE_BUSY_TIMEOUT seconds (``config/sqlite``: the BEGIN is retried every few ms, so a
# waiting writer gets in between two chunks of a bulk import) instead of erroring.
# WAL lets readers go on while a writer holds the lock. Write transactions are kept short (no model
# loading, redaction, classification or rendering inside them; bulk imports commit in chunks).
SQLITE_BUSY_TIMEOUT = float(env("CYBERBEELD_SQLITE_BUSY_TIMEOUT", "30"))
SQLITE_OPTIONS = {
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        f" PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT * 1000)};"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": SQLITE_BUSY_TIMEOUT,
}
DATABASE_URL = env("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["ENGINE"] = "cyberbeeld.config.sqlite"  # fair BEGIN IMMEDIATE retries
        DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
        DATABASES["default"]["CONN_MAX_AGE"] = 0
    else:  # a connection the server closed is noticed before it is reused (worker, web)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if "postgresql" in DATABASES["default"]["ENGINE"]:
        # a wrong host fails in seconds instead of the system's TCP timeout (minutes)
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", int(env("CYBERBEELD_DB_CONNECT_TIMEOUT", "5")))
else:
    DATABASES = {
        "default": {
            "ENGINE": "cyberbeeld.config.sqlite",  # Django's, with fair BEGIN IMMEDIATE retries
            "NAME": str(DATA_DIR / "cyberbeeld.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "auth.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "cyberbeeld.accounts.sso.OidcBackend",  # does nothing unless single sign-on is configured
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:home"

# Two-factor authentication (TOTP, django-otp) for local accounts. A person with a confirmed device always
# enters a code after the password; a person with one of these roles in any organisation and no device is
# sent to enrolment before anything else. Single sign-on logins are exempt (the provider authenticates;
# its `acr` is recorded). Production always includes "beheerder" (production.py refuses otherwise).
MFA_REQUIRED_ROLES = [r.strip() for r in env("CYBERBEELD_MFA_REQUIRED_ROLES", "beheerder").split(",") if r.strip()]
OTP_TOTP_ISSUER = env("CYBERBEELD_TOTP_ISSUER", "Cyberbeeld")

# Single sign-on (OpenID Connect, mozilla-django-oidc) when CYBERBEELD_OIDC_* is set; see
# cyberbeeld.accounts.oidc_config and docs/operations.md. Incomplete settings leave it off here and stop
# production from starting (one line).
OIDC_PROBLEMS: list[str]
_oidc, OIDC_PROBLEMS = oidc_config.read(os.environ)
globals().update(oidc_config.django_settings(_oidc))
LOGIN_REDIRECT_URL_FAILURE = "accounts:login"

# Lock-out after repeated failures (django-axes).
AXES_FAILURE_LIMIT = int(env("CYBERBEELD_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]  # second-factor codes never in its logs

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("CYBERBEELD_STATIC_ROOT", str(DATA_DIR / "static")))
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic (make run)
MEDIA_ROOT = Path(env("CYBERBEELD_MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "cyberbeeld@localhost")

# Background work: django-tasks with the database worker (`cyberbeeld worker`).
TASKS = {"default": {"BACKEND": env("CYBERBEELD_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# Every job (imports, reports) has a heartbeat written by the worker while it runs. A job whose
# heartbeat is older than CYBERBEELD_JOB_STALE seconds lost its worker: the reaper (run by every worker
# on start and every CYBERBEELD_JOB_REAP_INTERVAL seconds) queues it again, at most
# CYBERBEELD_JOB_MAX_ATTEMPTS times in all, then marks it failed. A job running longer than
# CYBERBEELD_JOB_TIMEOUT seconds is stopped and marked failed.
JOB_HEARTBEAT_INTERVAL = float(env("CYBERBEELD_JOB_HEARTBEAT", "5"))
JOB_STALE_AFTER = float(env("CYBERBEELD_JOB_STALE", "60"))
JOB_TIMEOUT = float(env("CYBERBEELD_JOB_TIMEOUT", "3600"))
JOB_MAX_ATTEMPTS = int(env("CYBERBEELD_JOB_MAX_ATTEMPTS", "3"))
JOB_REAP_INTERVAL = float(env("CYBERBEELD_JOB_REAP_INTERVAL", "30"))

# Security headers. CSP without 'unsafe-inline': every script is a file, inline JSON uses
# <script type="application/json"> data blocks which are not executed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Logs go to stderr. CYBERBEELD_LOG_FORMAT=json: one JSON object per line with the request id and
# the user's numeric id (never names, addresses or request bodies); see cyberbeeld.ops.logs.
LOG_FORMAT = env("CYBERBEELD_LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "cyberbeeld.ops.logs.RequestContextFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "cyberbeeld.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env("CYBERBEELD_LOG_LEVEL", "WARNING")},
    "loggers": {
        # The access log (one line per request); production.py turns it on.
        "cyberbeeld.requests": {"level": env("CYBERBEELD_ACCESS_LOG_LEVEL", "WARNING")},
    },
}

# The NL Design System theme class set on <body>; a gemeente can load its own theme.
CYBERBEELD_THEME_CLASS = env("CYBERBEELD_THEME_CLASS", "voorbeeld-theme")
# The language users write their content in (scenario titles, case texts, ...): pages in another language mark
# such content with lang="..." (web/templatetags/content_lang.py), so screen readers and the page checks know it.
CYBERBEELD_CONTENT_LANGUAGE = env("CYBERBEELD_CONTENT_LANGUAGE", "nl")

# Limits of every file Cyberbeeld reads (cyberbeeld/inputs.py: import commands and uploads alike).
# Each refusal names the limit; raise one here (or with the environment variable) when a real file needs it.
CYBERBEELD_INPUT_LIMITS = {
    "max_bytes": int(env("CYBERBEELD_MAX_INPUT_BYTES", str(200 * 1024 * 1024))),  # uploads: 50 MB (forms)
    "max_rows": int(env("CYBERBEELD_MAX_INPUT_ROWS", "5000000")),
    "max_columns": int(env("CYBERBEELD_MAX_INPUT_COLUMNS", "500")),
    "max_field_chars": int(env("CYBERBEELD_MAX_INPUT_FIELD_CHARS", "32768")),
    "max_json_depth": int(env("CYBERBEELD_MAX_JSON_DEPTH", "64")),
    "max_unzipped_bytes": int(env("CYBERBEELD_MAX_UNZIPPED_BYTES", str(200 * 1024 * 1024))),
    "max_zip_ratio": int(env("CYBERBEELD_MAX_ZIP_RATIO", "100")),
}
