"""kosodate: care coordination for the councils of 小児等在宅医療. The app factory."""

import os
import secrets
from pathlib import Path

from flask import Flask

from config import config_class, from_environment

from .extensions import csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, instance_path: str | None = None, **overrides) -> Flask:
    """Build the app; `overrides` replace settings (tests pass their database URL this way)."""
    app = Flask(
        __name__,
        instance_path=instance_path
        or os.environ.get("KOSODATE_INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    settings = config_class(config_name)
    app.config.from_object(settings)
    if not app.testing:
        app.config.update(from_environment())
    app.config.update(overrides)
    settings.validate(app.config)
    _embedded_defaults(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)

    from . import (
        models,  # noqa: F401  (every table known to Alembic and to db.create_all)
        rules,  # noqa: F401  (every kind of object's visibility rule)
    )
    from .api import init_api
    from .auth import throttle
    from .auth.sessions import enforce_session_lifetime
    from .core import errors, formatting, health, http, navigation
    from .core.access import template_can
    from .core.args import register_arguments
    from .core.login_required import PUBLIC_ENDPOINTS, require_login_everywhere

    http.trust_proxy(app)
    http.register_security_headers(app)
    register_arguments(app)  # the `id` converter, before any rule uses it
    throttle.configure(app)  # chooses the limiter's store: Redis when REDIS_URL is set
    limiter.init_app(app)
    app.add_template_global(template_can, "can")
    formatting.register_filters(app)
    navigation.register_navigation(app)
    errors.register_error_handlers(app)
    enforce_session_lifetime(app, PUBLIC_ENDPOINTS)
    require_login_everywhere(app)
    app.register_blueprint(health.bp)
    for blueprint in _domain_blueprints():
        app.register_blueprint(blueprint)
    init_api(app)
    _register_commands(app)

    from .reminders.listeners import connect_listeners
    from .reminders.scheduler import start_embedded

    connect_listeners()
    start_embedded(app)
    return app


def _embedded_defaults(app: Flask) -> None:
    """Embedded mode keeps its SQLite file and a generated secret key under instance/."""
    if app.config.get("SQLALCHEMY_DATABASE_URI") and app.config.get("SECRET_KEY"):
        return
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'kosodate.sqlite3'}"
    if not app.config.get("SECRET_KEY"):
        key_file = instance / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()


def _domain_blueprints():
    from .agencies.admin_views import bp as agency_admin
    from .agencies.council_views import bp as council_admin
    from .agencies.views import bp as agencies
    from .audit_log.views import bp as audit_log
    from .auth.account_views import bp as account
    from .auth.admin_views import bp as user_admin
    from .auth.invitation_views import bp as invitations
    from .auth.views import bp as auth
    from .backups.views import bp as backups
    from .cases.log_views import bp as case_log
    from .cases.record_views import bp as case_records
    from .cases.views import bp as cases
    from .dashboard.views import bp as dashboard
    from .feeds.views import bp as feeds
    from .followups.views import bp as followups
    from .initiatives.views import bp as initiatives
    from .meetings.views import bp as meetings
    from .reminders.views import bp as reminders
    from .reports.import_views import bp as report_imports
    from .reports.round_views import bp as report_rounds
    from .reports.views import bp as reports
    from .tokens.views import bp as tokens

    return (
        auth,
        account,
        user_admin,
        invitations,
        audit_log,
        dashboard,
        agencies,
        agency_admin,
        council_admin,
        initiatives,
        meetings,
        followups,
        reports,
        report_imports,
        report_rounds,
        reminders,
        backups,
        feeds,
        tokens,
        cases,
        case_records,
        case_log,
    )


def _register_commands(app: Flask) -> None:
    from .auth.cli import users_cli
    from .backups.cli import backup_cli
    from .cases.cli import cases_cli
    from .demo.cli import demo_cli
    from .reminders.cli import outbox_cli, reminders_cli, scheduler_cli
    from .reports.cli import export_cli
    from .tokens.cli import tokens_cli

    for group in (
        users_cli,
        demo_cli,
        export_cli,
        reminders_cli,
        outbox_cli,
        scheduler_cli,
        backup_cli,
        tokens_cli,
        cases_cli,
    ):
        app.cli.add_command(group)
