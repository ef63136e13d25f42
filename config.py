"""Settings classes. Secrets and URLs come from the environment; only the embedded mode has defaults."""

import os


class ConfigError(RuntimeError):
    """A setting the chosen configuration cannot start without is missing."""


#: the security settings that are whole numbers (README, "Security")
SECURITY_NUMBERS = (
    "SESSION_IDLE_MINUTES",
    "SESSION_MAX_HOURS",
    "REAUTH_MINUTES",
    "LOGIN_MAX_FAILURES",
    "LOGIN_FAILURE_WINDOW_MINUTES",
    "LOGIN_LOCK_MINUTES",
    "LOGIN_LOCK_MAX_HOURS",
    "LOGIN_ADDRESS_MAX_FAILURES",
)


def from_environment() -> dict:
    """Settings read from the environment when the app is created (not when this file is imported)."""
    settings = {}
    if os.environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    for name in ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_DEFAULT_SENDER"):
        if os.environ.get(name):
            settings[name] = os.environ[name]
    if os.environ.get("MAIL_PORT"):
        settings["MAIL_PORT"] = int(os.environ["MAIL_PORT"])
    for name in ("MAIL_USE_TLS", "MAIL_USE_SSL", "KOSODATE_REQUIRE_2FA"):
        if name in os.environ:
            settings[name] = os.environ[name].lower() in ("1", "true", "yes", "on")
    if os.environ.get("KOSODATE_BASE_URL"):
        settings["BASE_URL"] = os.environ["KOSODATE_BASE_URL"]
    for name in ("REDIS_URL", "REDIS_KEY_PREFIX"):
        if os.environ.get(name):
            settings[name] = os.environ[name]
    for name in (*SECURITY_NUMBERS, "ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM"):
        if os.environ.get(name):
            settings[name] = int(os.environ[name])
    if os.environ.get("KOSODATE_EMBEDDED_SCHEDULER"):
        settings["SCHEDULER_EMBEDDED"] = os.environ["KOSODATE_EMBEDDED_SCHEDULER"] == "1"
    if os.environ.get("API_RATE_LIMIT"):
        settings["API_RATE_LIMIT"] = os.environ["API_RATE_LIMIT"]
    for name in (
        "REMINDERS_INTERVAL_MINUTES",
        "OUTBOX_INTERVAL_SECONDS",
        "OUTBOX_LEASE_SECONDS",
        "SCHEDULER_STANDBY_SECONDS",
    ):
        if os.environ.get(name):
            settings[name] = int(os.environ[name])
    for name in ("BACKUP_DIR", "BACKUP_KEY"):
        if os.environ.get(name):
            settings[name] = os.environ[name].strip()
    for name in ("BACKUP_KEEP", "CASE_RETENTION_YEARS"):
        if os.environ.get(name):
            settings[name] = int(os.environ[name])
    if "BACKUP_DAILY" in os.environ:
        settings["BACKUP_DAILY"] = os.environ["BACKUP_DAILY"].lower() in ("1", "true", "yes", "on")
    for name in ("HSTS_SECONDS", "PROXY_FIX"):
        if os.environ.get(f"KOSODATE_{name}"):
            settings[name] = int(os.environ[f"KOSODATE_{name}"])
    return settings


class BaseConfig:
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: a CSRF token lives in the session, so it ends with it (idle timeout, logout, new login)
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    #: argon2id cost: one of OWASP's equal configurations (Password Storage Cheat Sheet:
    #: m=19456 KiB, t=2, p=1). A hash made with other values is rehashed at the next sign-in.
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST = 19456
    ARGON2_PARALLELISM = 1
    TIMEZONE = "Asia/Tokyo"
    #: the address links in e-mails start with
    BASE_URL = "http://127.0.0.1:5000"

    # --- sign-in and sessions (README, "Security") ---
    #: admins and the secretariat (and whoever two_factor_required() names) must use 2FA
    KOSODATE_REQUIRE_2FA = False
    #: a signed-in session ends after this long without a request, and this long after sign-in
    SESSION_IDLE_MINUTES = 30
    SESSION_MAX_HOURS = 12
    #: changing 2FA or users asks for the password again when it was last given longer ago
    REAUTH_MINUTES = 10
    #: failures (wrong password or code) in the window that lock an account
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    #: the first lock; each further one within a day of the last doubles, up to the maximum
    LOGIN_LOCK_MINUTES = 15
    LOGIN_LOCK_MAX_HOURS = 24
    #: failures from one client address (any accounts) in the window that lock the address
    LOGIN_ADDRESS_MAX_FAILURES = 30
    #: request rate per client address for the sign-in forms (Flask-Limiter)
    LOGIN_RATE_LIMIT = "30 per minute"
    #: shared store of lockouts and rate limits for several nodes; none: the database (and
    #: memory for request rates)
    REDIS_URL = None
    REDIS_KEY_PREFIX = "kosodate"
    #: Redis down: the request rates are not counted (the lockout refuses sign-ins meanwhile)
    RATELIMIT_SWALLOW_ERRORS = True
    #: the name authenticator apps show beside the account
    TOTP_ISSUER = "小児等在宅医療連携支援"

    # --- e-mail (the reminders) ---
    #: smtp | file (.eml files under instance/mail, the embedded default) | memory (tests)
    MAIL_BACKEND = "file"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "kosodate@localhost"
    REMINDER_DUE_SOON_DAYS = (7, 1)
    REMINDER_MEETING_DIGEST_DAYS = 7
    OUTBOX_BATCH_SIZE = 50
    OUTBOX_LEASE_SECONDS = 300

    # --- the scheduler ---
    #: start a scheduler inside the web process (the embedded mode: make run sets it)
    SCHEDULER_EMBEDDED = False
    REMINDERS_INTERVAL_MINUTES = 15
    OUTBOX_INTERVAL_SECONDS = 60
    #: a scheduler on standby tries to become the active one this often (seconds)
    SCHEDULER_STANDBY_SECONDS = 30
    #: a run that starts this late is still run (APScheduler's default, 1 s, skips it silently)
    SCHEDULER_MISFIRE_GRACE_SECONDS = 600

    # --- backups (README, "Backups") ---
    #: where archives go; None: instance/backups
    BACKUP_DIR = None
    #: an age secret key (AGE-SECRET-KEY-1…, made by `flask backup keygen`); archives are encrypted when set
    BACKUP_KEY = None
    #: the scheduler backs up daily at 02:00 Asia/Tokyo and keeps this many archives
    BACKUP_DAILY = True
    BACKUP_KEEP = 14
    #: the folders of the instance that backups hold (uploads); the database is always in them
    BACKUP_FOLDERS = ("attachments",)
    #: a closed case's personal data is purged after this many years; older backups are deleted
    CASE_RETENTION_YEARS = 5

    #: requests per API token (Flask-Limiter, in the store kosodate.auth.throttle chooses)
    API_RATE_LIMIT = "300 per minute"

    # --- the JSON API (flask-smorest) and the calendar feed ---
    API_TITLE = "kosodate API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    #: meetings have a start only; calendars show them this long
    CALENDAR_MEETING_MINUTES = 120
    #: how far back the feed keeps past meetings
    CALENDAR_PAST_DAYS = 365

    # --- HTTP ---
    #: Strict-Transport-Security max-age; 0 sends none (the embedded mode is plain HTTP)
    HSTS_SECONDS = 0
    #: proxies in front that set X-Forwarded-For/-Proto/-Host (nginx: 1); 0 trusts none
    PROXY_FIX = 0

    @classmethod
    def validate(cls, settings) -> None:
        """Raise ConfigError when the configuration cannot run with these settings."""


class DevelopmentConfig(BaseConfig):
    """Embedded mode: SQLite under instance/, a generated secret key stored there (see create_app)."""

    DEBUG = os.environ.get("FLASK_DEBUG") == "1"


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 64
    ARGON2_PARALLELISM = 1
    SERVER_NAME = None
    MAIL_BACKEND = "memory"


class ProductionConfig(BaseConfig):
    MAIL_BACKEND = "smtp"
    KOSODATE_REQUIRE_2FA = True
    #: production backs up with pg_dump and WAL archiving of its own (README); BACKUP_DAILY=1 to use ours
    BACKUP_DAILY = False
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS_SECONDS = 365 * 24 * 3600

    @classmethod
    def validate(cls, settings) -> None:
        required = {"SECRET_KEY": "SECRET_KEY", "DATABASE_URL": "SQLALCHEMY_DATABASE_URI"}
        missing = [variable for variable, key in required.items() if not settings.get(key)]
        if missing:
            raise ConfigError(
                "本番設定 (KOSODATE_CONFIG=production) には環境変数 "
                + ", ".join(missing)
                + " が必要です / production needs these environment variables: "
                + ", ".join(missing)
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_class(name: str | None = None) -> type[BaseConfig]:
    name = name or os.environ.get("KOSODATE_CONFIG", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"unknown KOSODATE_CONFIG {name!r}; choose one of {', '.join(CONFIGS)}") from None
