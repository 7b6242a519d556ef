"""Settings for the consortium management system, read from the environment.

Development defaults are safe and need nothing running: a SQLite file, Celery in
eager mode and console e-mail. With ``DJANGO_ENV=production`` the process refuses
to start unless ``SECRET_KEY``, ``ALLOWED_HOSTS``, ``DATABASE_URL`` and ``CELERY_BROKER_URL`` are
set, and keeps its cache (the login throttles) in Redis, shared by every process.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env_file = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if Path(env_file).is_file():
    env.read_env(env_file)

ENVIRONMENT = env.str("DJANGO_ENV", default="development")
PRODUCTION = ENVIRONMENT == "production"

if PRODUCTION:
    # Without a broker, Celery would run every task inside the web request, in every process.
    required = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL")
    missing = [name for name in required if not env.str(name, default="")]
    if env.str("CELERY_BROKER_URL", default="").startswith("memory"):
        missing.append("CELERY_BROKER_URL (a real broker, not memory://)")
    if missing:
        raise ImproperlyConfigured(
            "Production settings need these environment variables: " + ", ".join(missing)
        )
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    DEBUG = False
else:
    SECRET_KEY = env.str("SECRET_KEY", default="development-only-not-secret-7c1d0e9a4b")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
    DEBUG = env.bool("DEBUG", default=True)

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
    "simple_history",
    "axes",
    "consortium",
    "members",
    "governance",
    "pricing",
    "contracts",
    "outcomes",
    "desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Static files from the collected, compressed and hashed STATIC_ROOT; in development
    # runserver and the test live server serve them from the apps and static/.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "consortium.urls"
WSGI_APPLICATION = "consortium.wsgi.application"

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
                "consortium.context_processors.navigation",
                "desk.context_processors.desk",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # A transaction takes the write lock when it begins, so two requests that read and then
        # write queue for it (up to the busy timeout below) instead of one failing at once with
        # "database is locked" when it tries to write after the other has.
        transaction_mode="IMMEDIATE",
        # Seconds a writer waits for another to finish before giving up.
        timeout=20,
        # Readers do not wait for a writer, nor a writer for readers.
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT compilation on PostgreSQL: it compiles a query whose estimated cost passes
    # jit_above_cost, and the header's counts (one query of many subqueries, run on every page,
    # a few milliseconds to execute) were estimated past it and compiled each time, ~250 ms a
    # page. The site's queries are short; compiling never pays for itself.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "consortium.User"

AUTHENTICATION_BACKENDS = [
    # AxesStandaloneBackend must be first: it refuses locked-out credentials before any check.
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
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login lockout: 10 failures for one username within an hour lock that account for an hour.
# Reasons for a change (an award cancelled, a contract varied, a mark moderated) are written by
# people and may run to a paragraph: the audit history keeps them whole, not in 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# The client's address (the token endpoint's throttle, the lockout's records) is the connection's;
# X-Forwarded-For is believed only from these reverse proxies (addresses or networks, comma-separated).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
try:
    for _proxy in TRUSTED_PROXIES:
        ipaddress.ip_network(_proxy, strict=False)
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from None
AXES_CLIENT_IP_CALLABLE = "consortium.network.client_ip"
# Lockout is per account, as asked. Locking by IP as well would lock out every officer behind
# a council's shared address after one colleague's typos; the token endpoint is throttled per IP.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("cy", _("Welsh"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/London"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Stored files are private (members' compliance evidence, returns' files, reports' evidence): no
# URL serves MEDIA_ROOT, in development or in production, and no page links to MEDIA_URL. Each
# file is sent by a view that first asks its selector who may have it
# (consortium.web.private_download).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.smtp.EmailBackend"
        if PRODUCTION
        else "django.core.mail.backends.console.EmailBackend"
    ),
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@consortium.invalid")
# Where the product is served, for links in e-mails (invitations, notices): set it in production.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

REST_FRAMEWORK = {
    # Token first: DRF takes the WWW-Authenticate header from the first class, so an anonymous
    # request answers 401 (with the header) rather than the 403 session auth would give.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "consortium.api.exception_handler",
    # DRF's JSON parser answers 500 to a body nested too deep; ours answers 400.
    "DEFAULT_PARSER_CLASSES": [
        "consortium.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Throttles read X-Forwarded-For only through consortium.network.client_ip (TRUSTED_PROXIES);
    # 0 makes DRF's own get_ident take the connection's address, never the header.
    "NUM_PROXIES": 0,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Care consortium API",
    "DESCRIPTION": "Member register, capacity declarations and pooled capacity of a social care consortium.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TenderStatusEnum": "contracts.models.TenderStatus",
        "LotStatusEnum": "contracts.models.LotStatus",
        "AwardStatusEnum": "contracts.models.AwardStatus",
        "ContractStatusEnum": "contracts.models.ContractStatus",
        "ContractVersionKindEnum": "contracts.models.ContractVersion.Kind",
        "StakeholderKindEnum": "members.models.StakeholderKind",
        "InvoiceKindEnum": "contracts.models.InvoiceKind",
        "InvoiceStatusEnum": "contracts.models.InvoiceStatus",
        "ReturnStatusEnum": "contracts.models.ReturnStatus",
        "PaymentRunStatusEnum": "contracts.models.PaymentRunStatus",
        "BillingCycleEnum": "contracts.models.BillingCycle",
        "ChargeBasisEnum": "contracts.models.ChargeBasis",
    },
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None) or None
CELERY_TASK_ALWAYS_EAGER = not PRODUCTION and env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory")
)

# The cache holds the token endpoint's throttle counts. In production it is Redis (CACHE_URL,
# by default the broker's Redis), so that every web process counts the same tries; a
# per-process memory cache would let each process allow the limit again. The lockout itself
# (django-axes) is kept in the database.
CACHE_URL = env.str("CACHE_URL", default=CELERY_BROKER_URL if PRODUCTION else "")
if PRODUCTION and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "Production settings need Redis for the cache: set CACHE_URL (or CELERY_BROKER_URL) "
        "to a redis:// URL."
    )
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
         "KEY_PREFIX": "consortium"}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE = {
    "compliance-expiry-reminders": {
        "task": "members.tasks.send_compliance_reminders",
        "schedule": timedelta(hours=6),
    },
    "bid-response-reminders": {
        "task": "contracts.tasks.send_response_reminders",
        "schedule": timedelta(hours=1),
    },
    "close-tenders-past-deadline": {
        "task": "contracts.tasks.close_tenders_past_deadline",
        "schedule": timedelta(minutes=5),
    },
    "confirm-awards-after-standstill": {
        "task": "contracts.tasks.confirm_awards_after_standstill",
        "schedule": timedelta(hours=1),
    },
    "update-contract-statuses": {
        "task": "contracts.tasks.update_contract_statuses",
        "schedule": timedelta(hours=1),
    },
    "expire-stale-allocation-jobs": {
        "task": "contracts.tasks.expire_stale_allocation_jobs",
        "schedule": timedelta(minutes=15),
    },
    "end-board-terms": {
        "task": "governance.tasks.end_board_terms",
        "schedule": timedelta(days=1),
    },
}

# Award standstill: the working days (Monday to Friday, less bank holidays in Wales) after an
# award decision before the award can be confirmed and the contract made.
AWARD_STANDSTILL_WORKING_DAYS = env.int("AWARD_STANDSTILL_WORKING_DAYS", default=8)

# A joint bid's allocation is tried inside the request for at most ALLOCATION_INLINE_SECONDS of
# solving (a hard limit on the optimiser, engine.allocate's time_limit); when it has not finished
# by then nothing is saved and it is handed to the background as a Celery job, with its progress
# on the page, so no web or API request waits longer on the solver. The size of a bid does not
# predict its solve time (fair share with minimum packages took 15-21 s at 740 cells), so the
# limit decides; a bid with more cells to fill than ALLOCATION_INLINE_MAX_CELLS (lots x opted-in
# members' capacity by council area and time band) goes to the background at once, as such a
# bid seldom finishes within the limit (bids of 1,400-1,700 cells took 11-97 s as jobs) and
# trying first would only keep the person waiting longer. 0 sends every run to the background.
# How a job survives a worker that dies under it: the block "Background jobs whose worker dies".
ALLOCATION_INLINE_SECONDS = env.float("ALLOCATION_INLINE_SECONDS", default=2.0)
ALLOCATION_INLINE_MAX_CELLS = env.int("ALLOCATION_INLINE_MAX_CELLS", default=1000)

# --- Background jobs whose worker dies ------------------------------------------------------------
# A worker killed mid-run (out of memory, a deploy, a lost machine) must not lose the run nor block
# the bid: the message is acknowledged only once the task has finished (acks_late); a pool child
# that dies hands its message back at once (reject_on_worker_lost); a whole worker that dies leaves
# it unacknowledged in Redis, which gives it to another worker after the visibility timeout. The
# task claims its job with a row lock (one winner), and takes over a job left running by a dead
# worker (its process gone, on this machine; on another, no heartbeat for
# ALLOCATION_JOB_WORKER_LOST_AFTER seconds), starting it again from the beginning: the result is
# saved in one transaction with the job marked done, so a dead run saved nothing and a finished
# one is never saved twice.
# ALLOCATION_JOB_LONGEST_RUN: the longest run expected (a few thousand cells take a few minutes).
ALLOCATION_JOB_LONGEST_RUN = env.int("ALLOCATION_JOB_LONGEST_RUN", default=10 * 60)
ALLOCATION_JOB_HEARTBEAT = env.float("ALLOCATION_JOB_HEARTBEAT", default=10.0)
ALLOCATION_JOB_WORKER_LOST_AFTER = env.int("ALLOCATION_JOB_WORKER_LOST_AFTER", default=60)
# A run that dies this many times (a job that kills its worker each time) fails instead.
ALLOCATION_JOB_MAX_ATTEMPTS = env.int("ALLOCATION_JOB_MAX_ATTEMPTS", default=3)
# Redis gives an unacknowledged message to another worker this long after it was taken: longer
# than the longest run (a run still going when it comes back is left to its worker), and well
# under an hour. Workers look for such messages every CELERY_RESTORE_UNACKED_EVERY seconds.
TASK_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT",
                                  default=ALLOCATION_JOB_LONGEST_RUN + 2 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": TASK_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": env.int("CELERY_RESTORE_UNACKED_EVERY", default=30),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # with CELERY_TASK_ACKS_LATE and a prefetch of 1, above
# A job queued, or running in its current attempt, for longer than this is taken as stopped
# for good (no worker came back for it, or it is stuck) and marked failed, so that the bid can
# be allocated again: just past the visibility timeout, which gives a dead worker's message
# another chance first. The beat looks every few minutes.
ALLOCATION_JOB_STALE_AFTER = env.int("ALLOCATION_JOB_STALE_AFTER",
                                     default=TASK_VISIBILITY_TIMEOUT + 3 * 60)
CELERY_BEAT_SCHEDULE["expire-stale-allocation-jobs"]["schedule"] = timedelta(minutes=3)
# --- end of "Background jobs whose worker dies" ----------------------------------------------------

# Consortium-wide policy figures, overridable per consortium in the database.
SOCIAL_COOP_SHARE_THRESHOLD_DEFAULT = 70  # percent; Italian Law 381/1991, art. 8

# Open Contracting Data Standard export (contracts/ocds.py). "ocds-xxxxxx" is a placeholder:
# register your own prefix with the Open Contracting Partnership before publishing anything.
OCDS_OCID_PREFIX = env.str("OCDS_OCID_PREFIX", default="ocds-xxxxxx")
OCDS_PUBLISHER_NAME = env.str("OCDS_PUBLISHER_NAME", default="Care consortium")

# Invoices to councils (contracts/delivery/services/invoices.py). Social care supplied by a
# registered provider is exempt from VAT (VAT Act 1994, Schedule 9, Group 7), and the invoice says
# so; a consortium that must charge VAT sets INVOICE_VAT_EXEMPT=false and the rate. Payment is due
# this many days after the invoice is issued.
INVOICE_VAT_EXEMPT = env.bool("INVOICE_VAT_EXEMPT", default=True)
INVOICE_VAT_RATE_PERCENT = env.str("INVOICE_VAT_RATE_PERCENT", default="0")
INVOICE_PAYMENT_TERMS_DAYS = env.int("INVOICE_PAYMENT_TERMS_DAYS", default=30)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint (invoices as PDF) tells each step of every render at INFO.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}

# Members' returns: the coordinator's check flags a band whose delivered hours differ from the
# sub-contract's commissioned volume for the period by more than this percentage; a call
# monitoring file may be up to RETURN_FILE_MAX_BYTES (1,000,000 visits is about 90 MB of CSV).
RETURN_VOLUME_TOLERANCE_PERCENT = env.int("RETURN_VOLUME_TOLERANCE_PERCENT", default=10)
RETURN_FILE_MAX_BYTES = env.int("RETURN_FILE_MAX_BYTES", default=200 * 1024 * 1024)
