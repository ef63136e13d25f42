"""`flask db upgrade` on an empty database builds exactly the models."""

import pytest
import sqlalchemy as sa
from alembic import command

from kosodate.extensions import db, migrate

from .conftest import make_app


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """A database of the same kind as the test database, but empty."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    scratch = f"{admin.url.database}_migration_check"  # beside the test database, never shared
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
    yield admin.url.set(database=scratch).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_builds_the_models_and_downgrade_undoes_it(empty_database_url, tmp_path):
    app = make_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        config = migrate.get_config()
        command.upgrade(config, "head")
        command.check(config)  # raises when the models and the migrations disagree
        tables = set(sa.inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        if db.engine.dialect.name == "postgresql":  # the audit log is append-only there
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.engine.begin() as connection:
                connection.execute(sa.text("INSERT INTO audit_events (occurred_at, action, changes) "
                                           "VALUES (now(), 'check', '{}')"))  # fmt: skip
                connection.execute(sa.text("DELETE FROM audit_events"))
        command.downgrade(config, "base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_upgrade_makes_the_access_log_append_only_on_postgresql(empty_database_url, tmp_path):
    """The migration installs the same guard as db.create_all (kosodate.core.append_only)."""
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("the guard is a PostgreSQL trigger")
    app = make_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        command.upgrade(migrate.get_config(), "head")
        triggers = db.session.scalars(
            sa.text(
                "SELECT tgname FROM pg_trigger"
                " WHERE tgrelid = 'case_access_log'::regclass AND NOT tgisinternal"
            )
        ).all()
        assert triggers == ["case_access_log_append_only"]  # what it refuses: tests/test_cases_log.py
        command.downgrade(migrate.get_config(), "base")
        assert db.session.scalar(sa.text("SELECT count(*) FROM pg_proc WHERE proname LIKE 'kosodate_%'")) == 0
        db.session.remove()
        db.engine.dispose()
