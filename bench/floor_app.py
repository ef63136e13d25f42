"""The floor: the least a Flask app can do to serve /followups — the same SQL, a bare template.

`make bench` records the statements /followups sends for a user and serves them here, so each page's
time can be read as a multiple of what the database and Flask alone cost.
Run: FLOOR_SQL=statements.json DATABASE_URL=… gunicorn bench.floor_app:app
"""

import os
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, render_template_string

from bench.queries import load_statements

STATEMENTS = load_statements(Path(os.environ["FLOOR_SQL"]).read_text(encoding="utf-8"))
ENGINE = sa.create_engine(os.environ["DATABASE_URL"])
TEMPLATE = """<!doctype html><title>floor</title><table>
{% for row in rows %}<tr>{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>{% endfor %}
</table>"""

app = Flask(__name__)


@app.get("/")
def followups():
    with ENGINE.connect() as connection:
        results = [connection.exec_driver_sql(sql, params).all() for sql, params in STATEMENTS]
    return render_template_string(TEMPLATE, rows=max(results, key=len, default=[]))
