"""Settings: production refuses to start without its secrets; embedded mode makes its own."""

import pytest

from config import ConfigError
from kosodate import create_app


def test_production_without_secret_key_or_database_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY, DATABASE_URL"):
        create_app("production", instance_path=str(tmp_path))


def test_production_with_its_settings_starts_with_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    app = create_app("production", instance_path=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_embedded_mode_keeps_sqlite_and_a_generated_secret_under_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    first = create_app("development", instance_path=str(tmp_path))
    second = create_app("development", instance_path=str(tmp_path))
    assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'kosodate.sqlite3'}"
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_requires_two_factor_sign_in_unless_told_otherwise(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    monkeypatch.delenv("KOSODATE_REQUIRE_2FA", raising=False)
    assert create_app("production", instance_path=str(tmp_path)).config["KOSODATE_REQUIRE_2FA"] is True
    monkeypatch.setenv("KOSODATE_REQUIRE_2FA", "0")
    assert create_app("production", instance_path=str(tmp_path)).config["KOSODATE_REQUIRE_2FA"] is False
    monkeypatch.delenv("KOSODATE_REQUIRE_2FA")
    assert create_app("development", instance_path=str(tmp_path)).config["KOSODATE_REQUIRE_2FA"] is False


def test_hsts_and_the_proxy_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    production = create_app("production", instance_path=str(tmp_path))
    assert production.config["HSTS_SECONDS"] == 365 * 24 * 3600
    assert production.config["PROXY_FIX"] == 0  # no X-Forwarded-* trusted unless asked
    monkeypatch.setenv("KOSODATE_PROXY_FIX", "1")
    monkeypatch.setenv("KOSODATE_HSTS_SECONDS", "0")
    behind_nginx = create_app("production", instance_path=str(tmp_path))
    assert behind_nginx.config["PROXY_FIX"] == 1 and behind_nginx.config["HSTS_SECONDS"] == 0
    monkeypatch.delenv("KOSODATE_HSTS_SECONDS")
    assert (
        create_app("development", instance_path=str(tmp_path)).config["HSTS_SECONDS"] == 0
    )  # make run: HTTP
