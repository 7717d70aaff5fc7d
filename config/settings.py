"""Settings, read from the environment only (django-environ). Every variable is listed in
deploy/production.env.example; `make run` writes a local .env for development."""

import os
import warnings
from datetime import timedelta
from pathlib import Path

import environ
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured

# pyHanko imports cryptography's DSA key type, which cryptography now marks deprecated: every
# command that signs or checks a letter would print that warning. We never use DSA keys.
warnings.filterwarnings("ignore", message="DSA is deprecated", module="pyhanko")

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# `make run` writes .env for local development on first start; values already in the environment
# win over it. The test suite sets WARNINGS_IGNORE_DOTENV so a developer's .env cannot change it.
if (BASE_DIR / ".env").exists() and os.environ.get("WARNINGS_IGNORE_DOTENV") != "1":
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# Local state of a development start: the SQLite file, stored files, the embedded broker, beat's
# schedule and runstack's record of its processes.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

# A secret has no default outside development: a production start without one must fail loudly.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-local-use"  # noqa: S105

# Keys being rotated out: signatures made with them (sessions, password-reset links) stay valid
# until they expire, so a rotation signs nobody out.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_countries",
    "rest_framework",
    # API tokens: stored as digests, named, expiring (REST_KNOX below; our model is ApiToken).
    "knox",
    "django_filters",
    "drf_spectacular",
    # Swagger UI's files from the package registry: /api/docs/ loads nothing from a CDN.
    "drf_spectacular_sidecar",
    # Sign-in: throttling (axes) and TOTP second factor (django_otp); see "Sign-in" below.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "warnings_app",
]
# Development tools (warnings_demo: the demo register, the scale seeder, `runstack`). Production
# leaves them out, so `seed_demo` and `seed_scale` do not exist there; benchmarks turn them on.
DEMO_TOOLS = env.bool("DEMO_TOOLS", default=DEBUG)
if DEMO_TOOLS:
    INSTALLED_APPS.append("warnings_demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the WSGI process (compressed, hashed names, cached for a year),
    # so a production start needs no separate file server; right after SecurityMiddleware.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    # Ends a session older than SESSION_ABSOLUTE_LIFETIME, however active it has been.
    "warnings_app.views.signin.SessionLifetimeMiddleware",
    # Deny by default: every view needs a signed-in user unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # A role in TWO_FACTOR_ROLES without a verified session reaches only the 2FA pages.
    "warnings_app.views.signin.TwoFactorMiddleware",
    # Audit events written while an API token authenticates the request name that token.
    "warnings_app.api.tokens.TokenAttributionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "warnings_app.views.navigation.navigation",
                "warnings_app.views.branding.organisation",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The quickstart runs web, worker and beat on one SQLite file: WAL lets readers work while one
    # process writes, and IMMEDIATE transactions queue writers instead of failing mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Kept open between requests and worker tasks (a worker would otherwise connect once per
# letter), and checked before reuse so a restarted database costs one error-free reconnect.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# AxesStandaloneBackend first: it refuses a locked-out (user, address) before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")

# Letter PDFs, evidence files and reply attachments go through Django's storage API, so the
# backend (local files by default, S3-compatible object storage in production) is configuration.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "media/"
STORAGES = {
    "default": {
        "BACKEND": env.str(
            "STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("STORAGE_OPTIONS", default={}),
    },
    # Hashed names and gzip/brotli copies, written by `manage.py collectstatic`; in development
    # (DEBUG) files are served as they are, no collectstatic needed.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Outgoing mail carries letters and artists' private links: without DEBUG it must be chosen on
# purpose, never fall back to the console (which would print them into the logs).
if not DEBUG and not env.str("EMAIL_URL", default=""):
    raise ImproperlyConfigured(
        "EMAIL_URL must be set when DEBUG is off: the SMTP server letters leave through, e.g. "
        "EMAIL_URL=smtp+tls://user:password@smtp.example.org:587 (set EMAIL_URL=consolemail:// "
        "only if you really want every message printed to the console)"
    )
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
EMAIL_BACKEND: str = vars()["EMAIL_BACKEND"]  # set just above; named for readers and type checks
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
    # Same backend, but it reports whether the content was handed over when a send breaks.
    EMAIL_BACKEND = "warnings_app.integrations.smtp.TrackingEmailBackend"
elif EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
    # One line per message (to, subject, attachments and sizes), not each letter's PDF in base64.
    EMAIL_BACKEND = "warnings_app.integrations.console_email.SummaryConsoleBackend"
# A stalled SMTP server must not hold a worker (or its lease) for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Legal Notices <notices@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Replies thread back to their notice through plus-addressing on this mailbox:
# notices@legal.example gives Reply-To: notices+WN-2026-000123@legal.example.
NOTICE_REPLY_MAILBOX = env.str("NOTICE_REPLY_MAILBOX", default="notices@localhost")
# The right-hand side of each notice's stable Message-ID.
MESSAGE_ID_DOMAIN = env.str("MESSAGE_ID_DOMAIN", default="notices.localhost")
# The keys of the tokens in reply and bounce addresses, "id:secret" pairs, the first one signs
# and every one is accepted (add a new key first, drop an old one only when no reply can still
# come to it: replies come for years). Unset: one key derived from SECRET_KEY, id "s1".
MAIL_TOKEN_KEYS = env.list("MAIL_TOKEN_KEYS", default=[])
# DKIM signing of every outgoing message: the signing domain (d=), the selector (s=) and the
# PEM private key file. `manage.py dkim_dns_record` prints the TXT record to publish.
DKIM_DOMAIN = env.str("DKIM_DOMAIN", default="")
DKIM_SELECTOR = env.str("DKIM_SELECTOR", default="")
DKIM_KEY_FILE = env.str("DKIM_KEY_FILE", default="")
# Letter PDFs are signed (PAdES, pyHanko) with the organisation's certificate and key (PEM
# paths; a password for an encrypted key; the intermediate certificates as PEM paths) and
# timestamped by the RFC 3161 authority at TSA_URL. Left unset, a local demo CA and TSA under
# VAR_DIR/signing-demo/ sign instead, their certificates labelled DEMO (check --deploy warns).
# The trust roots (PEM paths) are what a stored letter's signature and timestamps are checked
# against; empty means the system's trust store.
SIGNING_CERT = env.str("SIGNING_CERT", default="")
SIGNING_KEY = env.str("SIGNING_KEY", default="")
SIGNING_KEY_PASSWORD = env.str("SIGNING_KEY_PASSWORD", default="")
SIGNING_CHAIN = env.list("SIGNING_CHAIN", default=[])
SIGNING_TRUST_ROOTS = env.list("SIGNING_TRUST_ROOTS", default=[])
TSA_URL = env.str("TSA_URL", default="")
TSA_TRUST_ROOTS = env.list("TSA_TRUST_ROOTS", default=[])
# The organisation behind the letters, named where people outside it see us: the page header,
# the artist's private pages, the display name of every e-mail's From (the address stays
# DEFAULT_FROM_EMAIL's), and the demo certificate when no signing certificate is configured.
# The address (lines separated by "\n") shows under the name on the artist's pages; the logo is
# a PNG, JPEG or SVG file's path on the server, shown in the header when set.
ORGANISATION_NAME = env.str("ORGANISATION_NAME", default="Notice register")
ORGANISATION_ADDRESS = env.str("ORGANISATION_ADDRESS", default="").replace("\\n", "\n")
ORGANISATION_LOGO = env.str("ORGANISATION_LOGO", default="")
# How long a worker may hold a notice it is sending. It must outlast the task's hard time limit
# (180 s in config/celery.py) with a margin, or the sweeper could hand a letter to a second
# worker while the first is still talking to the SMTP server.
SEND_LEASE_SECONDS = env.int("SEND_LEASE_SECONDS", default=300)
if SEND_LEASE_SECONDS < 240:
    raise ImproperlyConfigured("SEND_LEASE_SECONDS must be at least 240 (task time limit + 60)")
# Attempts per notice before a transient failure becomes a permanent one.
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=8)
# Inbound replies (manage.py ingest_replies). IMAP_URL: imaps://user:password@host:993/INBOX
IMAP_URL = env.str("IMAP_URL", default="")
REPLIES_EVERY_SECONDS = env.float("REPLIES_EVERY_SECONDS", default=300.0)  # beat, when IMAP_URL
REPLY_MAX_MESSAGE_BYTES = env.int("REPLY_MAX_MESSAGE_BYTES", default=80 * 1024 * 1024)
REPLY_MAX_ATTACHMENT_BYTES = env.int("REPLY_MAX_ATTACHMENT_BYTES", default=25 * 1024 * 1024)
# Files people upload (evidence, hand-logged reply attachments; imports have their own 10 MB):
# checked by content in warnings_app/domain/uploads.py. Word and Excel files are ZIP archives,
# checked before unpacking: total declared size, entry count and per-entry compression ratio
# (XLSX XML compresses ~10-30 to 1; a ZIP bomb ~1000 to 1).
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)
UPLOAD_MAX_UNPACKED_BYTES = env.int("UPLOAD_MAX_UNPACKED_BYTES", default=100 * 1024 * 1024)
UPLOAD_MAX_COMPRESSION_RATIO = env.int("UPLOAD_MAX_COMPRESSION_RATIO", default=200)
UPLOAD_MAX_ZIP_ENTRIES = env.int("UPLOAD_MAX_ZIP_ENTRIES", default=2000)

# Evidence bundles (reports/bundle_check.py): verify_bundle refuses a zip over these limits
# before decompressing anything, so a crafted zip cannot exhaust memory, disk or time. The
# defaults hold a 100,000-letter campaign with its replies; a raw reply is at most
# REPLY_MAX_MESSAGE_BYTES. The manifest is the one entry read whole (it is what is signed).
EVIDENCE_BUNDLE_MAX_ENTRIES = env.int("EVIDENCE_BUNDLE_MAX_ENTRIES", default=500_000)
EVIDENCE_BUNDLE_MAX_ENTRY_BYTES = env.int("EVIDENCE_BUNDLE_MAX_ENTRY_BYTES", default=512 * 2**20)
EVIDENCE_BUNDLE_MAX_TOTAL_BYTES = env.int("EVIDENCE_BUNDLE_MAX_TOTAL_BYTES", default=50 * 2**30)
EVIDENCE_BUNDLE_MAX_RATIO = env.int("EVIDENCE_BUNDLE_MAX_RATIO", default=200)
EVIDENCE_BUNDLE_MAX_MANIFEST_BYTES = env.int(
    "EVIDENCE_BUNDLE_MAX_MANIFEST_BYTES", default=256 * 2**20
)
# A bundle still "building" this long after it started lost its worker: asking again builds anew.
EVIDENCE_BUNDLE_STALE_SECONDS = env.int("EVIDENCE_BUNDLE_STALE_SECONDS", default=3600)
# The receiving server's authserv-id: only its Authentication-Results header is believed
# (a sender can add its own). Empty: no sender checks are recorded.
REPLY_AUTHSERV_ID = env.str("REPLY_AUTHSERV_ID", default="")
# How often beat runs the delivery sweeper and the follow-up job.
SWEEP_EVERY_SECONDS = env.float("SWEEP_EVERY_SECONDS", default=30.0)
FOLLOWUPS_EVERY_SECONDS = env.float("FOLLOWUPS_EVERY_SECONDS", default=60.0)
# How often the dashboard's reporting tables are rebuilt (and today's snapshot taken).
DASHBOARD_REFRESH_SECONDS = env.float("DASHBOARD_REFRESH_SECONDS", default=300.0)

# --- Licences (issue 19): business days of the licensee's country ------------------------------
# A usage report is due this many business days after its period ends; reminders come this many
# business days before a report is due and before a licence ends.
USAGE_REPORT_DUE_BUSINESS_DAYS = env.int("USAGE_REPORT_DUE_BUSINESS_DAYS", default=20)
USAGE_REPORT_REMINDER_BUSINESS_DAYS = env.int("USAGE_REPORT_REMINDER_BUSINESS_DAYS", default=5)
LICENCE_END_REMINDER_BUSINESS_DAYS = env.int("LICENCE_END_REMINDER_BUSINESS_DAYS", default=20)
# How often beat checks licence dates (starts, reminders, expiry, overdue reports).
LICENCES_EVERY_SECONDS = env.float("LICENCES_EVERY_SECONDS", default=3600.0)

# --- Artists' AI-training preferences and published reservations (issue 9) ----------------------
# This system's public address: the artists' private links and the tdm-policy URLs in
# tdmrep.json are absolute and must work from outside.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Days an artist's private link stays open (staff can choose 1-60 per link).
PREFERENCE_LINK_DAYS = env.int("PREFERENCE_LINK_DAYS", default=14)
# Where an artist's pages and a recording's pages live on the label's own websites: the
# "location" patterns of tdmrep.json and the Disallow lines of the robots.txt section.
RESERVATION_ARTIST_PATH = env.str("RESERVATION_ARTIST_PATH", default="/artists/{slug}/")
RESERVATION_WORK_PATH = env.str("RESERVATION_WORK_PATH", default="/recordings/{isrc}/")
# Beat republishes when a statement dated ahead takes effect or the crawler list changed.
RESERVATIONS_EVERY_SECONDS = env.float("RESERVATIONS_EVERY_SECONDS", default=3600.0)

# The audit chain's head is timestamped (TSA_URL) and stored as an anchor every this many
# minutes (0: only on demand), and also e-mailed to AUDIT_ANCHOR_EMAIL and/or written, one
# write-once file per anchor, into the directory AUDIT_ANCHOR_PATH: copies outside the database.
AUDIT_ANCHOR_EVERY_MINUTES = env.int("AUDIT_ANCHOR_EVERY_MINUTES", default=60)
AUDIT_ANCHOR_EMAIL = env.str("AUDIT_ANCHOR_EMAIL", default="")
AUDIT_ANCHOR_PATH = env.str("AUDIT_ANCHOR_PATH", default="")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
X_FRAME_OPTIONS = "DENY"

# --- Sign-in (warnings_app/views/signin.py) -----------------------------------------------
# Idle expiry: the cookie and the stored session last this long after the latest request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
# Instead of SESSION_SAVE_EVERY_REQUEST (a session UPDATE on every page, three queries inside a
# transaction), SessionLifetimeMiddleware pushes the idle deadline forward at most once a minute.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
# Absolute expiry: however active, a session ends this long after its sign-in.
SESSION_ABSOLUTE_LIFETIME_SECONDS = env.int("SESSION_ABSOLUTE_HOURS", default=12) * 3600
# django-axes: 4 wrong passwords for one user from one address lock that pair only, so an
# attacker elsewhere cannot lock a colleague out; the lock lifts after the cool-off, and a
# success resets the count. Failures during a lockout restart that pair's cool-off.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=4)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client address is REMOTE_ADDR: X-Forwarded-For is anyone's to write. Behind N reverse
# proxies that each append to X-Forwarded-For, set SIGNIN_TRUSTED_PROXIES=N to take the address
# the outermost proxy saw; the same address goes into the audit log.
SIGNIN_TRUSTED_PROXIES = env.int("SIGNIN_TRUSTED_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "warnings_app.views.signin.client_ip"
# Roles (group names) that must pass a TOTP code after the password. Off by default with DEBUG
# so the demo users of `make run`/seed_demo sign in with a password alone; set the variable
# (e.g. TWO_FACTOR_ROLES=Legal,Admin) to try it locally, enrolling with a one-time code from
# `manage.py enrolment_code legal`. Superusers always need the second factor. API calls with a
# token are not asked: making the token needed a verified session (keep tokens in a secret
# store; revoke them on the "API tokens" page). API calls riding a browser session are refused
# (403) until that session is verified.
TWO_FACTOR_ROLES = env.list("TWO_FACTOR_ROLES", default=[] if DEBUG else ["Legal", "Admin"])
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Notice register")
# Binding an authenticator app needs a one-time code an administrator issues on the Accounts
# page (or `manage.py enrolment_code USER` for the first one); it is good this many hours.
ENROLMENT_CODE_HOURS = env.int("ENROLMENT_CODE_HOURS", default=72)

# --- HTTPS and browser security (manage.py check --deploy) ---------------------------------------
# Safe when DEBUG is off, convenient for `make run` (DEBUG=true, plain http on 127.0.0.1) when on.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# A load balancer's health probe usually speaks plain http to the app.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Browsers remember HSTS: start low (e.g. 3600) on a new domain, then raise to a year.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Only behind a TLS-terminating proxy that sets X-Forwarded-Proto itself (and strips a client's):
# otherwise any client could claim https.
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # references and company names appear in our URLs
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline scripts or styles anywhere: pages load app.css and their own static JS files. The
# Swagger UI page relaxes style-src for itself only (warnings_app/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
        "base-uri": [csp.SELF],
    }
}

# Human-readable notice references: WN-2026-000123.
NOTICE_REFERENCE_PREFIX = env.str("NOTICE_REFERENCE_PREFIX", default="WN")
# Business days a recipient has to reply when a letter is not part of a campaign.
DEFAULT_RESPONSE_WINDOW_DAYS = env.int("DEFAULT_RESPONSE_WINDOW_DAYS", default=15)

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_TRANSPORT_OPTIONS = env.json("CELERY_BROKER_TRANSPORT_OPTIONS", default={})
# Run tasks in-process (tests, one-off scripts). Never in production: it hides the broker.
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# A worker heartbeat older than this makes /healthz report the worker as down.
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env.int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", default=120)

# --- REST API (/api/v1/) -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token for integrations (the "API tokens" page, manage.py create_api_token), session for the
    # browsable docs page. Token first, so an anonymous call gets 401 with a WWW-Authenticate
    # header, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "warnings_app.api.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Deny by default: every API view names the permission each of its actions needs.
    "DEFAULT_PERMISSION_CLASSES": ["warnings_app.api.permissions.RolePermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "warnings_app.api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "warnings_app.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "warnings_app.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "warnings_app.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# API tokens (django-rest-knox): the key is shown once, the database keeps its SHA-512 digest.
# A token expires API_TOKEN_DAYS after it is made and is never extended by use; its owner
# revokes it on the "API tokens" page. Clients send `Authorization: Token <key>`.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)
if not 1 <= API_TOKEN_DAYS <= 365:  # a token outliving a year is permanent in all but name
    raise ImproperlyConfigured(f"API_TOKEN_DAYS must be from 1 to 365, not {API_TOKEN_DAYS}")
KNOX_TOKEN_MODEL = "warnings_app.ApiToken"  # noqa: S105 (a model, not a secret)
# knox's own migrations would create its stock token table although the model is swapped out
# for ours: an unused table whose foreign key to auth_user also makes a PostgreSQL flush (every
# transactional test) fail. Without migrations, knox gets no table at all.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": timedelta(days=API_TOKEN_DAYS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Warnings register API",
    "DESCRIPTION": "Companies, campaigns, notices, replies and figures of the notice-and-warning "
    "letter system. Authenticate with `Authorization: Token <key>`: make a token on the “API "
    "tokens” page (or with manage.py create_api_token); it expires after "
    f"{API_TOKEN_DAYS} days.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the reference page are for signed-in users and token holders only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "NoticeChannelEnum": "warnings_app.models.notices.Notice.Channel",
        "ResponseChannelEnum": "warnings_app.models.responses.Response.Channel",
        "ResponseOutcomeEnum": "warnings_app.models.responses.Response.Outcome",
        "MatterStageEnum": "warnings_app.models.licences.MatterStage",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO").upper()},
    # django-axes announces its configuration at INFO in every process that starts, and
    # WeasyPrint logs each step of each render at INFO.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}
