"""A consistent copy of the database in one file, and its load into another database.

SQLite: the online backup API (a copy under a read lock, safe while the app writes). PostgreSQL:
`pg_dump --format=custom` inside an exported snapshot, so that the row counts of the manifest are
those of the dump even while the app writes; `pg_restore` in one transaction.
"""

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

SQLITE_MEMBER = "database/kosodate.sqlite3"
POSTGRES_MEMBER = "database/kosodate.dump"
VERSION = re.compile(r"\(PostgreSQL\) (\d+)")


class SnapshotError(Exception):
    """The database cannot be copied or loaded here; the message is for the user."""


@dataclass
class Snapshot:
    path: Path
    member: str
    dialect: str
    server_version: str
    revision: str | None
    installation: str | None
    row_counts: dict[str, int]


def take_snapshot(engine: sa.Engine, workdir: Path) -> Snapshot:
    if engine.dialect.name == "sqlite":
        return _sqlite_snapshot(engine, workdir)
    if engine.dialect.name == "postgresql":
        return _postgres_snapshot(engine, workdir)
    raise SnapshotError(f"{engine.dialect.name} のデータベースはバックアップできません。")


def describe(connection: sa.Connection) -> tuple[dict[str, int], str | None, str | None]:
    """(rows per table, Alembic revision, installation id) as this connection sees them."""
    names = sorted(sa.inspect(connection).get_table_names())
    quote = connection.dialect.identifier_preparer.quote
    counts = {name: connection.scalar(sa.text(f"SELECT count(*) FROM {quote(name)}")) for name in names}  # noqa: S608
    revision = installation = None
    if "alembic_version" in names:
        revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    if "installation" in names:
        installation = connection.scalar(sa.text("SELECT uuid FROM installation WHERE id = 1"))
    return counts, revision, installation


# --- SQLite ----------------------------------------------------------------------------------------


def sqlite_path(engine: sa.Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise SnapshotError("メモリ上のデータベースはバックアップ・復元できません。")
    return Path(database)


def _sqlite_snapshot(engine: sa.Engine, workdir: Path) -> Snapshot:
    source_path = sqlite_path(engine)
    if not source_path.exists():
        raise SnapshotError(f"データベースのファイルがありません: {source_path}")
    target = workdir / "kosodate.sqlite3"
    _sqlite_copy(f"file:{source_path}?mode=ro", target)
    return Snapshot(target, SQLITE_MEMBER, "sqlite", sqlite3.sqlite_version, *_describe_sqlite_file(target))


def _describe_sqlite_file(path: Path):
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            counts, revision, installation = describe(connection)
    finally:
        engine.dispose()
    return revision, installation, counts


def sqlite_row_counts(path: Path) -> dict[str, int]:
    return _describe_sqlite_file(path)[2]


def _sqlite_copy(source: str, target: Path | str) -> None:
    """One step of the backup API: a consistent copy, the writers waiting for the few seconds it takes."""
    try:
        source_connection = sqlite3.connect(source, uri=True, timeout=30)
        target_connection = sqlite3.connect(target, timeout=30)
        try:
            with target_connection:
                source_connection.backup(target_connection)
        finally:
            target_connection.close()
            source_connection.close()
    except sqlite3.Error as error:
        raise SnapshotError(f"SQLite のコピーに失敗しました: {error}") from None


def load_sqlite(engine: sa.Engine, snapshot: Path) -> None:
    """Replace the whole database file's content by the snapshot's."""
    engine.dispose()
    target = sqlite_path(engine)
    target.parent.mkdir(parents=True, exist_ok=True)
    _sqlite_copy(f"file:{snapshot}?mode=ro", target)


# --- PostgreSQL ------------------------------------------------------------------------------------


def _postgres_snapshot(engine: sa.Engine, workdir: Path) -> Snapshot:
    target = workdir / "kosodate.dump"
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot_id = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
            server_version = connection.scalar(sa.text("SHOW server_version"))
            pg_dump = postgres_tool("pg_dump", _server_major(connection))
            counts, revision, installation = describe(connection)
            _run(
                [pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                 f"--snapshot={snapshot_id}", f"--file={target}"],
                engine,
            )  # fmt: skip
    return Snapshot(target, POSTGRES_MEMBER, "postgresql", server_version, revision, installation, counts)


def restore_client(engine: sa.Engine) -> str:
    """pg_restore for the target server (SnapshotError when there is none good enough)."""
    with engine.connect() as connection:
        return postgres_tool("pg_restore", _server_major(connection))


def load_postgres(engine: sa.Engine, dump: Path) -> None:
    """Drop every table of the target (the caller made sure it may), then restore in one transaction."""
    pg_restore = restore_client(engine)
    with engine.begin() as connection:
        quote = connection.dialect.identifier_preparer.quote
        for name in sa.inspect(connection).get_table_names():
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {quote(name)} CASCADE"))
    engine.dispose()
    _run(
        # --clean --if-exists: what else of the dump's the target holds (the append-only trigger's
        # function, made with the schema) is replaced too
        [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         "--clean", "--if-exists", f"--dbname={engine.url.database}", str(dump)],
        engine,
    )  # fmt: skip


def _server_major(connection: sa.Connection) -> int:
    return int(connection.scalar(sa.text("SHOW server_version_num"))) // 10000


def postgres_tool(name: str, server_major: int) -> str:
    """The client program for this server: Debian's versioned one first, else the one on PATH.

    An older client cannot dump a newer server (and its dump may not restore there): refused.
    """
    candidates = [Path(f"/usr/lib/postgresql/{server_major}/bin/{name}"), shutil.which(name)]
    found = [str(path) for path in candidates if path and Path(path).exists()]
    if not found:
        raise SnapshotError(
            f"{name} が見つかりません。PostgreSQL {server_major} のクライアントを入れてください"
            f"（Debian: apt-get install postgresql-client-{server_major}）。"
        )
    for path in found:
        client_major = client_version(path)
        if client_major >= server_major:
            return path
    raise SnapshotError(
        f"{name} のバージョン ({client_major}) がサーバーの PostgreSQL {server_major} より古いため"
        f"使えません。postgresql-client-{server_major} を入れてください。"
    )


def client_version(path: str) -> int:
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S603
    match = VERSION.search(output)
    if not match:
        raise SnapshotError(f"{path} のバージョンが分かりません: {output.strip()!r}")
    return int(match.group(1))


def _run(command: list[str], engine: sa.Engine) -> None:
    result = subprocess.run(command, env=_libpq_environment(engine.url), capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise SnapshotError(f"{Path(command[0]).name} が失敗しました: {result.stderr.strip()[-2000:]}")


def _libpq_environment(url: sa.URL) -> dict[str, str]:
    """The connection as libpq's variables: the password never appears in a process list."""
    environment = dict(os.environ)
    values = {
        "PGHOST": url.host,
        "PGPORT": url.port,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode"),
    }
    environment.update({key: str(value) for key, value in values.items() if value})
    return environment
