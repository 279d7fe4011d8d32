"""Django settings, all from the environment (12-factor). Defaults are for local development on SQLite.

Environment:
  SPINEPATH_ENV          "development" (default) or "production" (HTTPS-only cookies, HSTS, no DEBUG)
  SECRET_KEY             required in production
  DATABASE_URL           e.g. postgres://user:pass@host:5432/spinepath (default: SQLite in ./var/spinepath.sqlite3)
  ALLOWED_HOSTS          comma-separated (production); development allows localhost
  SPINEPATH_DATA_DIR     where SQLite and uploads live (default ./var)
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

ENV = os.environ.get("SPINEPATH_ENV", "development")
PRODUCTION = ENV == "production"
DATA_DIR = Path(os.environ.get("SPINEPATH_DATA_DIR", Path.cwd() / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)
PACKAGE_DIR = Path(__file__).resolve().parent

DEBUG = not PRODUCTION and os.environ.get("DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY", "" if PRODUCTION else "dev-only-not-secret-" + "x" * 40)
if PRODUCTION and len(SECRET_KEY) < 50:
    raise RuntimeError("SECRET_KEY must be set (50+ random characters) when SPINEPATH_ENV=production")
_DEV_HOSTS = "localhost,127.0.0.1,[::1],testserver"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "" if PRODUCTION else _DEV_HOSTS).split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "spinepath.web.pages",
    "spinepath.web.selfcheck",
    "spinepath.web.reports",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "spinepath.web.hospitals",
    "spinepath.web.accounts",
    "spinepath.web.care",
    "spinepath.web.audit",
    "spinepath.web.outcomes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "spinepath.web.csp.ContentSecurityPolicyMiddleware",  # django-csp, policy built once (see csp.py)
    # Last, as django-axes requires: counts failed sign-ins and locks out (see AXES_* below).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "spinepath.web.urls"
WSGI_APPLICATION = "spinepath.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "spinepath.web.accounts.context.account_nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'spinepath.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Passwords are hashed with Argon2id (argon2-cffi); older hashes are upgraded on the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-in while locked out; must be first
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling: 5 failures for one username from one address lock it for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False  # no usernames in logs
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "pages:home"

# E-mail: written to files under DATA_DIR/mail by default (readable in development and by tests); SMTP when
# EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "spinepath <no-reply@spinepath.invalid>")
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "1") == "1"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"

# Background work (DICOM de-identification, notifications): django-tasks with its database backend; run a worker
# with `manage.py db_worker`. SPINEPATH_TASKS=immediate runs tasks in the web process (demo, tests).
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if os.environ.get("SPINEPATH_TASKS") == "immediate" else "django_tasks_db.DatabaseBackend"
    }
}
# An upload still waiting this long after its processing task was queued or began to run is taken to have lost its
# worker (killed, out of memory, a restart): `manage.py recover_stale_uploads` (from cron) queues it again, and
# after UPLOAD_MAX_ATTEMPTS tasks in all marks it failed, asking the patient to upload it again. Processing a
# 200 MB study takes minutes, not half an hour.
UPLOAD_STALE_AFTER_MINUTES = int(os.environ.get("SPINEPATH_UPLOAD_STALE_AFTER_MINUTES", "30"))
UPLOAD_MAX_ATTEMPTS = int(os.environ.get("SPINEPATH_UPLOAD_MAX_ATTEMPTS", "3"))

# Uploaded imaging: private storage, never under a public URL; served only by views that check access.
PRIVATE_STORAGE_DIR = Path(os.environ.get("SPINEPATH_PRIVATE_STORAGE", DATA_DIR / "private"))
UPLOAD_MAX_BYTES = int(os.environ.get("SPINEPATH_UPLOAD_MAX_BYTES", str(200 * 1024 * 1024)))
# Streamed to disk from the first byte (no in-memory uploads), and no request body kept in memory.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]
FILE_UPLOAD_TEMP_DIR = None
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: English and Turkish at launch. Adding one (Arabic is right-to-left, Hindi) is a locale folder and a
# line here; templates take their direction from the language (LANGUAGE_BIDI), no code changes.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("tr", _("Türkçe"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start otherwise
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_DIR, "base_url": None, "file_permissions_mode": 0o600,
                    "directory_permissions_mode": 0o700},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# The wizard keeps answers in the session (no account needed); sessions live in the database.
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Security headers (manage.py check --deploy is clean with SPINEPATH_ENV=production).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Content Security Policy (django-csp 4): only our own scripts, styles and images; no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# No personal data in logs: request bodies are never logged, and every handler removes e-mail addresses and query
# strings from what it writes (spinepath.web.audit.logfilters; paths stay, request references are not personal).
# Django's default "django" handlers (console when DEBUG, mail_admins with the full request) are replaced: its
# records go to the root handler, through the filter.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_personal_data": {"()": "spinepath.web.audit.logfilters.RedactPersonalData"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                          "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_personal_data"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                          "filters": ["redact_personal_data"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # runserver's request lines ("GET /path?query HTTP/1.1" 200)
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
