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


class ProductionConfig(BaseConfig):
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
