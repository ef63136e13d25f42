"""Tables that keep history refuse UPDATE and DELETE on PostgreSQL (a trigger), so that not even the
app's own database user can rewrite it. The migrations create the same function and triggers.

TRUNCATE fires no row trigger: emptying the tables in tests, or a restore, still works.
"""

import sqlalchemy as sa

FUNCTION = "kosodate_refuse_change"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: the table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def create_trigger_sql(table: str) -> str:
    return (
        f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )


def append_only(table: sa.Table) -> None:
    """Install the trigger whenever db.create_all() builds the table on PostgreSQL."""
    for statement in (CREATE_FUNCTION, create_trigger_sql(table.name)):
        ddl = sa.DDL(statement.replace("%", "%%"))  # DDL text is %-formatted
        sa.event.listen(table, "after_create", ddl.execute_if(dialect="postgresql"))
