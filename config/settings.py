"""Allié settings, read from the environment.

The defaults give the embedded set-up (SQLite under var/, the Huey queue in a SQLite file,
mail printed to the console) so that `make run` works on a fresh machine. Production sets
DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS, REDIS_URL and the mail variables.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ALLIE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    """Return the boolean value of an environment variable ("1", "true", "yes", "on")."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """Return the integer value of an environment variable."""
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    """Return a comma-separated environment variable as a list of non-empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
TESTING = env_bool("ALLIE_TESTING", default=False)


def _secret_key() -> str:
    """Return SECRET_KEY; the embedded set-up keeps a random one in var/ across restarts."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if not (DEBUG or TESTING or env_bool("ALLIE_EMBEDDED", default=True)):
        raise RuntimeError("SECRET_KEY must be set in production")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        import secrets

        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
# Older keys, comma-separated: signed links and sealed mailbox passwords made under them stay valid.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    "allie.core",
    "allie.accounts",
    "allie.catalog",
    "allie.tickets",
    "allie.sla",
    "allie.escalations",
    "allie.mail",
    "allie.voice",
    "allie.portal",
    "allie.workspace",
    "allie.api",
    "allie.search",
    "allie.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allie.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "allie.core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'allie.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write while the web process reads; IMMEDIATE avoids the
    # "database is locked" upgrade deadlock between two writers.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Parameters bound by the server, and what is safe to keep prepared kept prepared after
    # its fifth run in a connection (allie/core/database.py). Off behind a pooler that cannot
    # carry prepared statements (docs/operations.md).
    DATABASES["default"]["ENGINE"] = "allie.core.postgresql"
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Inputs and selects written in Python, the same markup as Django's templates (allie/core/forms.py).
FORM_RENDERER = "allie.core.forms.FastFormRenderer"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# One lockout policy: django-axes, five failures per username and address, one hour.
AXES_ENABLED = not TESTING
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hour, as registration/locked_out.html says
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The sign-in form posts "username" (Django's AuthenticationForm), while axes would otherwise read
# the user model's USERNAME_FIELD ("email") and count every failure against no username at all.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "allie.accounts.signin.lockout_username"  # any letter case counts once
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"  # says so in the site's look (429)

LANGUAGE_CODE = "fr-ca"
LANGUAGES = [("fr-ca", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Toronto"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["allie.core.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# Attachments live outside any public URL and are only served by a view that checks access.
ATTACHMENTS_ROOT = Path(os.environ.get("ALLIE_ATTACHMENTS_ROOT", VAR_DIR / "attachments"))
# Raw inbound mail, kept byte for byte (the database keeps its path and hash).
MAIL_RAW_ROOT = Path(os.environ.get("ALLIE_MAIL_RAW_ROOT", VAR_DIR / "mail"))
# Largest inbound message intake accepts (mail servers commonly cap at 25 to 50 MB).
MAIL_MAX_BYTES = env_int("ALLIE_MAIL_MAX_BYTES", 50 * 1024 * 1024)
# The ids your receiving mail server writes at the head of its Authentication-Results fields
# (comma-separated). When set, mail from an agent's address lands on a ticket only if that
# server vouched for its domain (DMARC, DKIM or SPF pass); else it waits for review.
MAIL_TRUSTED_AUTHSERV_IDS = [
    server.strip()
    for server in os.environ.get("ALLIE_MAIL_TRUSTED_AUTHSERV_IDS", "").split(",")
    if server.strip()
]
MAIL_IMAP_TIMEOUT = env_int("ALLIE_IMAP_TIMEOUT", 30)
# A private certificate authority for IMAP servers with an internal certificate (a PEM file).
MAIL_IMAP_CA_FILE = os.environ.get("ALLIE_IMAP_CA_FILE") or None
# Where the people we write to reach Allié: links in notifications are built from it.
ALLIE_BASE_URL = os.environ.get("ALLIE_BASE_URL", "http://127.0.0.1:8000")
ATTACHMENT_MAX_BYTES = env_int("ALLIE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
ATTACHMENT_MAX_FILES = env_int("ALLIE_ATTACHMENT_MAX_FILES", 20)  # per new request or reply
ATTACHMENT_FORBIDDEN_EXTENSIONS = frozenset(
    env_list(
        "ALLIE_ATTACHMENT_FORBIDDEN_EXTENSIONS",
        "exe,bat,cmd,com,scr,pif,msi,js,jse,vbs,vbe,ps1,jar,hta,cpl,lnk,reg",
    )
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
)

# A strict policy: no inline script, no third-party origin. The nonce serves htmx's own tag.
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
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if env_bool("ALLIE_EMBEDDED", default=True)
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Allié <desk@allie.localhost>")

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "allie",
        "url": REDIS_URL,
        "immediate": TESTING,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "allie",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": TESTING,
        "consumer": {"workers": env_int("HUEY_WORKERS", 1), "worker_type": "thread"},
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "allie.api.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON refusing NUL, lone surrogates and deep nesting (a 400, not a 500); forms as DRF's.
    "DEFAULT_PARSER_CLASSES": [
        "allie.api.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "allie.api.pagination.TicketCursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "allie.api.errors.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Allié API",
    "DESCRIPTION": "Tickets, catalogue, organisations and people of the Allié service desk.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set, so fields named alike (kind, impact) do not collide.
    "ENUM_NAME_OVERRIDES": {
        "TicketKindEnum": "allie.catalog.models.TicketKind",
        "ImpactEnum": "allie.catalog.models.ImpactChoices",
        "UrgencyEnum": "allie.catalog.models.UrgencyChoices",
        "OrganisationKindEnum": "allie.accounts.models.Organisation.Kind",
        "TimelineEventKindEnum": "allie.tickets.models.TimelineEvent.Kind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Desk-wide defaults; administrators change the live values in the admin (DeskSettings).
ALLIE_TICKET_PREFIX = os.environ.get("ALLIE_TICKET_PREFIX", "D")
