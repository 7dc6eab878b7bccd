"""Settings for BRM Portal.

Every deployment value comes from the environment (see `.env.example` and README). With
nothing set, the portal runs on an embedded default: SQLite and a file-system Celery broker
under `var/`, e-mails written as files to `var/mail/`.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
# Local state of the embedded default: SQLite file, file-system broker, e-mails as files.
VAR_DIR = Path(env.str("BRM_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105  # nosec B105  # refused when DEBUG is off
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 32 characters when DEBUG is off."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS and cookies: strict unless DEBUG. Behind a TLS-terminating proxy that sets
# X-Forwarded-Proto. The health checks stay reachable over plain HTTP inside the network.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Links in e-mails must work from outside the request cycle (Celery jobs).
BRM_BASE_URL = env.str("BRM_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "axes",
    "simple_history",
    "csp",
    # The domain, bottom up (README "Design in short"): units and contacts, the catalogue and
    # agreements, the relationship; the outbox and the webhooks know none of them.
    "customers",
    "services",
    "relationships",
    "notifications",
    "webhooks",
    # The composition root: settings, urls, the Celery app, the demo and import commands.
    "brm.apps.PortalConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content Security Policy (django-csp), configured below.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A request that writes is one transaction, answered as the database decided
    # (core/transactions.py); outside the sessions, so a session's save is in it.
    "core.transactions.OneTransactionPerWriteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The audit history reads request.user when a row is saved (see "Audit history" below).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A view that loses the database answers 503 with Retry-After (core/errors.py).
    "core.errors.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# --- Audit history (django-simple-history): who changed what and when -----------------------
# The middleware hands the request to the history records, which read `request.user` when a
# row is saved: after DRF has authenticated a token, so API changes carry their user too.
# Changes made outside a request (Celery jobs, management commands) have no user.
# (The app and its middleware are in INSTALLED_APPS and MIDDLEWARE above.)
# --- end audit history ---

ROOT_URLCONF = "brm.urls"
WSGI_APPLICATION = "brm.wsgi.application"

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
                "relationships.context_processors.waiting",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# --- Database restarts ---
# A persistent connection (CONN_MAX_AGE > 0) that died while PostgreSQL restarted is checked
# and replaced before a request reuses it, instead of failing that request.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves web, worker and beat at once: wait for locks, don't fail.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
    # Covering indexes (INCLUDE columns) are a PostgreSQL speed-up; SQLite builds them
    # without the extra columns, which is all the embedded default needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in protection (django-axes): five failed attempts for a username from one address
# lock that pair out for 15 minutes; a success resets the count. Locking the pair, not the
# username alone, keeps a stranger from locking a colleague out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # no banner on every manage.py command

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Amsterdam")
USE_I18N = True
USE_TZ = True
# One way to write a date for people, everywhere (brm/formats/en_GB/formats.py).
FORMAT_MODULE_PATH = ["core.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# E-mail: files under var/mail by default, so the demo's mail can be read without a server.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="BRM Portal <brm@example.org>")

# Celery: Redis in production; with no broker configured, a file-system broker under var/.
_CELERY_FS_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _sub in ("out", "processed", "control"):
        (_CELERY_FS_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_CELERY_FS_DIR / "out"),
        "data_folder_out": str(_CELERY_FS_DIR / "out"),
        "processed_folder": str(_CELERY_FS_DIR / "processed"),
        "control_folder": str(_CELERY_FS_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only once done, and redelivered if its worker dies: every task
# is idempotent, so a second delivery does nothing twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "api.schema.BRMAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StandardPagination",
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # JSON bodies only (the token endpoint also takes a form, for curl -d).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BRM Portal API",
    "DESCRIPTION": "Business Relationship Management: units, services, agreements, "
    "interactions, requirements, surveys and escalations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "/favicon.ico",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # drf-spectacular's own enum hook, then the error answers of every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
    # Several models have a `status` (or `kind`) with different choices: name each enum.
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "customers.models.BusinessUnit.Kind",
        "ContactRoleEnum": "customers.models.Contact.Role",
        "ObjectiveStatusEnum": "customers.models.BusinessObjective.Status",
        "ServiceLifecycleEnum": "services.models.Service.Lifecycle",
        "TargetMetricEnum": "services.models.ServiceLevelTarget.Metric",
        "TargetDirectionEnum": "services.models.ServiceLevelTarget.Direction",
        "AgreementStatusEnum": "services.models.Agreement.Status",
        "SubscriptionStatusEnum": "services.models.Subscription.Status",
        "InteractionKindEnum": "relationships.models.Interaction.Kind",
        "SentimentEnum": "relationships.models.Interaction.Sentiment",
        "ActionStatusEnum": "relationships.models.FollowUpAction.Status",
        "RequirementKindEnum": "relationships.models.Requirement.Kind",
        "RequirementStatusEnum": "relationships.models.Requirement.Status",
        "RequirementPriorityEnum": "relationships.models.Requirement.Priority",
        "OpportunityKindEnum": "relationships.models.Opportunity.Kind",
        "OpportunityStatusEnum": "relationships.models.Opportunity.Status",
        "CampaignStatusEnum": "relationships.models.SurveyCampaign.Status",
        "InvitationStatusEnum": "relationships.models.SurveyInvitation.Status",
        "EscalationSeverityEnum": "relationships.models.Escalation.Severity",
        "EscalationLevelEnum": "relationships.models.Escalation.Level",
        "EscalationStatusEnum": "relationships.models.Escalation.Status",
        "EscalationEventKindEnum": "relationships.models.EscalationEvent.Kind",
        "HealthBandEnum": [("good", "Good"), ("fair", "Fair"), ("poor", "Poor")],
        "WebhookEventTypeEnum": "webhooks.models.EventType",
        "WebhookSubscribableEventEnum": "webhooks.models.SUBSCRIBABLE_EVENTS",
        "WebhookDeliveryStatusEnum": "webhooks.models.WebhookDelivery.Status",
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# How long each escalation level has to respond, in hours, by severity.
BRM_ESCALATION_RESPONSE_HOURS = {
    "critical": 4,
    "high": 8,
    "medium": 24,
    "low": 72,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Periodic jobs (relationships/jobs.py; schedules in the admin, django-celery-beat) ---
# A contact (by e-mail address, whatever their units) is surveyed at most once per this many days.
BRM_SURVEY_FATIGUE_DAYS = env.int("BRM_SURVEY_FATIGUE_DAYS", default=60)
# How long a campaign stays open for answers.
BRM_SURVEY_CAMPAIGN_DAYS = env.int("BRM_SURVEY_CAMPAIGN_DAYS", default=21)
# Remind a non-respondent this many days after the invitation (or the last reminder) ...
BRM_SURVEY_REMINDER_AFTER_DAYS = env.int("BRM_SURVEY_REMINDER_AFTER_DAYS", default=7)
# ... at most this many times.
BRM_SURVEY_MAX_REMINDERS = env.int("BRM_SURVEY_MAX_REMINDERS", default=2)
# An answer with overall satisfaction at or below this raises an escalation at level 1.
BRM_SURVEY_ESCALATE_AT_SATISFACTION = env.int("BRM_SURVEY_ESCALATE_AT_SATISFACTION", default=1)
# Invitations sent per dispatch task (one task e-mails a chunk of them).
BRM_SURVEY_DISPATCH_CHUNK = env.int("BRM_SURVEY_DISPATCH_CHUNK", default=200)
# Remind an escalation's current level this many hours before its deadline.
BRM_ESCALATION_REMIND_BEFORE_HOURS = env.int("BRM_ESCALATION_REMIND_BEFORE_HOURS", default=2)
# Agreements whose next review falls within this many days get a review action.
BRM_AGREEMENT_REVIEW_HORIZON_DAYS = env.int("BRM_AGREEMENT_REVIEW_HORIZON_DAYS", default=30)

# --- Imports from spreadsheets (core/importing.py, the staff import pages and the API) ---
# The largest file accepted, in megabytes.
BRM_IMPORT_MAX_MEGABYTES = env.int("BRM_IMPORT_MAX_MEGABYTES", default=5)
# An uploaded file waits this long under var/imports/ between its preview and the
# confirmation; older files are removed. Several web servers need var/ on a shared volume.
BRM_IMPORT_UPLOAD_MAX_AGE_MINUTES = env.int("BRM_IMPORT_UPLOAD_MAX_AGE_MINUTES", default=120)

# --- Notification preferences (relationships/notifications.py) ---
# The hour (0-23, TIME_ZONE) the daily digest of held e-mails goes out. Read when the
# beat schedule is first created by migration; afterwards an administrator edits it there.
BRM_DIGEST_HOUR = env.int("BRM_DIGEST_HOUR", default=7)
if not 0 <= BRM_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured(f"BRM_DIGEST_HOUR must be an hour from 0 to 23, not {BRM_DIGEST_HOUR}.")

# --- Outgoing webhooks (webhooks/; README "Webhooks") ---
# Seconds to connect, and again to get the answer, before an attempt counts as failed.
# How long a write whose COMMIT lost its answer waits for the database to say whether it
# committed (core/transactions.py); below the web workers' timeout (30 s).
BRM_WRITE_OUTCOME_WAIT_SECONDS = env.float("BRM_WRITE_OUTCOME_WAIT_SECONDS", default=15.0)

BRM_WEBHOOK_TIMEOUT_SECONDS = env.float("BRM_WEBHOOK_TIMEOUT_SECONDS", default=5.0)
# Tries per delivery (the first included) before it is given up.
BRM_WEBHOOK_MAX_ATTEMPTS = env.int("BRM_WEBHOOK_MAX_ATTEMPTS", default=6)
# Wait before retry n: base * 2**(n-1) seconds, at most the cap (kept under Redis's 1 h
# visibility timeout, past which a delayed task is delivered twice).
BRM_WEBHOOK_RETRY_BASE_SECONDS = env.int("BRM_WEBHOOK_RETRY_BASE_SECONDS", default=30)
BRM_WEBHOOK_RETRY_MAX_SECONDS = env.int("BRM_WEBHOOK_RETRY_MAX_SECONDS", default=1800)
# An endpoint with this many deliveries given up in a row is disabled and its owner e-mailed.
BRM_WEBHOOK_DISABLE_AFTER_FAILURES = env.int("BRM_WEBHOOK_DISABLE_AFTER_FAILURES", default=5)

# --- Security: content security policy, cache, API and survey-link throttling ---
# Content Security Policy (django-csp 4): scripts and styles only from our own static files,
# never inline. Templates pass data through data-* attributes and json_script blocks; htmx
# is told (meta htmx-config) not to inject its indicator <style>. A nonce is added to the
# policy only on the pages that ask for one (the API docs' Swagger UI stylesheet).
from csp.constants import NONCE, NONE, SELF  # noqa: E402 - kept with the block that uses it

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        # Bootstrap draws some controls (select arrow, close button) with data: SVGs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Cache: throttle counters live here. Redis in production (CACHE_URL=redis://host:6379/1,
# Django's own RedisCache), so all web workers share one count; memory of one process by
# default.
# The cache holds throttle counters and list counts, values that can be recomputed, never
# data. On Redis (CACHE_URL=redis://..., production) it is django-redis, which fails open
# while Redis restarts (IGNORE_EXCEPTIONS: a read misses, a write is dropped and logged,
# the API keeps answering, unthrottled for those seconds) and waits half a second at most
# for Redis, not redis-py's default of 5 seconds.
REDIS_CACHE_OPTIONS = {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
_cache = env.cache_url("CACHE_URL", default="locmemcache://")
CACHES = {
    "default": (
        {**_cache, "OPTIONS": {**REDIS_CACHE_OPTIONS, **_cache.get("OPTIONS", {})}}
        if _cache["BACKEND"] == "django_redis.cache.RedisCache"
        else _cache
    )
}

# API throttling (DRF): per user (token or session) and per anonymous client address, 429
# with Retry-After. The token endpoint has its own, stricter scope. Behind N reverse
# proxies set NUM_PROXIES=N so the client address is read from X-Forwarded-For; with 0 the
# header (which a client can forge) is ignored.
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "core.throttling.AnonRateThrottle",
    "core.throttling.UserRateThrottle",
]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": env.str("THROTTLE_ANON", default="60/minute"),
    "user": env.str("THROTTLE_USER", default="600/minute"),
    "auth": env.str("THROTTLE_AUTH", default="10/minute"),
    # The public survey link (/s/<token>/), per client address, GET and POST alike.
    "survey_link": env.str("THROTTLE_SURVEY_LINK", default="30/minute"),
}
REST_FRAMEWORK["NUM_PROXIES"] = env.int("NUM_PROXIES", default=0)
