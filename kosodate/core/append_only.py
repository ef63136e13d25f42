"""Tables whose rows are added, never changed or removed: on PostgreSQL a trigger refuses every UPDATE
and DELETE, whoever sends it (the app, a script, psql). TRUNCATE, which only the owner of the schema
runs (the tests' cleanup, a restore), is not a row change and still works.

The same function serves every such table. `append_only(table)` installs it when `db.create_all()`
builds the table; a migration calls `install(op, name)` / `uninstall(op, name)`. SQLite has no such
guard: it is the embedded, single-user mode.
"""

import sqlalchemy as sa

FUNCTION = "kosodate_refuse_change"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

# the function goes when its last table has gone (a constant name: nothing from outside)
DROP_FUNCTION_WHEN_UNUSED = f"""
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = '{FUNCTION}'
    ) THEN
        DROP FUNCTION IF EXISTS {FUNCTION}();
    END IF;
END
$$
"""  # noqa: S608


def trigger_name(table_name: str) -> str:
    return f"{table_name}_append_only"


def create_trigger(table_name: str) -> str:
    return (
        f"CREATE TRIGGER {trigger_name(table_name)} BEFORE UPDATE OR DELETE ON {table_name} "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )


def append_only(table: sa.Table) -> sa.Table:
    """Have `metadata.create_all()` install the guard on PostgreSQL right after creating the table."""
    for statement in (CREATE_FUNCTION, create_trigger(table.name)):
        ddl = sa.DDL(statement.replace("%", "%%"))  # DDL formats its text with %
        sa.event.listen(table, "after_create", ddl.execute_if(dialect="postgresql"))
    return table


def install(op, table_name: str) -> None:
    """In a migration's upgrade(), after the table exists."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE_FUNCTION)
        op.execute(create_trigger(table_name))


def uninstall(op, table_name: str) -> None:
    """In a migration's downgrade(), before the table is dropped."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table_name)} ON {table_name}")
        op.execute(DROP_FUNCTION_WHEN_UNUSED)
