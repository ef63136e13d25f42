"""Settings classes. Secrets and URLs come from the environment; only the embedded mode has defaults."""

import os


class ConfigError(RuntimeError):
    """A setting the chosen configuration cannot start without is missing."""


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
    for name in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        if name in os.environ:
            settings[name] = os.environ[name].lower() in ("1", "true", "yes", "on")
    if os.environ.get("KOSODATE_BASE_URL"):
        settings["BASE_URL"] = os.environ["KOSODATE_BASE_URL"]
    if os.environ.get("KOSODATE_EMBEDDED_SCHEDULER"):
        settings["SCHEDULER_EMBEDDED"] = os.environ["KOSODATE_EMBEDDED_SCHEDULER"] == "1"
    for name in (
        "REMINDERS_INTERVAL_MINUTES",
        "OUTBOX_INTERVAL_SECONDS",
        "OUTBOX_LEASE_SECONDS",
        "CASE_RETENTION_YEARS",
    ):
        if os.environ.get(name):
            settings[name] = int(os.environ[name])
    return settings


class BaseConfig:
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a form left open during a long meeting must still submit
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    #: argon2id cost; the defaults of argon2-cffi (RFC 9106 low-memory profile)
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    TIMEZONE = "Asia/Tokyo"
    #: the address links in e-mails start with
    BASE_URL = "http://127.0.0.1:5000"

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
    #: a run that starts this late is still run (APScheduler's default, 1 s, skips it silently)
    SCHEDULER_MISFIRE_GRACE_SECONDS = 600

    # --- cases ---
    #: a closed case's personal fields are erased this many years after it was closed
    CASE_RETENTION_YEARS = 5

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
    SERVER_NAME = None
    MAIL_BACKEND = "memory"


class ProductionConfig(BaseConfig):
    MAIL_BACKEND = "smtp"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

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
