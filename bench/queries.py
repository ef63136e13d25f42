"""Counting and recording the SQL a request runs (used by `make bench` and by the query-count test)."""

import json
from contextlib import contextmanager
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import event


@contextmanager
def recorded_statements(engine: sa.Engine):
    """Yield a list that fills with (statement, parameters) for each statement sent to the database."""
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def dump_statements(statements: list[tuple[str, object]]) -> str:
    """JSON for the floor app: dates and times tagged so they come back as what the driver was given."""

    def encode(value):
        if isinstance(value, datetime):
            return {"__datetime__": value.isoformat()}
        if isinstance(value, date):
            return {"__date__": value.isoformat()}
        raise TypeError(f"cannot store a {type(value).__name__} parameter")

    return json.dumps([{"sql": sql, "params": params} for sql, params in statements], default=encode)


def load_statements(text: str) -> list[tuple[str, object]]:
    def decode(value: dict):
        if "__datetime__" in value:
            return datetime.fromisoformat(value["__datetime__"])
        if "__date__" in value:
            return date.fromisoformat(value["__date__"])
        return value

    items = json.loads(text, object_hook=decode)
    return [(item["sql"], tuple(p) if isinstance(p := item["params"], list) else p) for item in items]
