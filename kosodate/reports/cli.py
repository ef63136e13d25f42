"""`flask --app app export progress`: the compiled list to a file."""

from pathlib import Path

import click
from flask.cli import AppGroup

from ..agencies.models import Council
from ..extensions import db
from .compiled import compiled_columns, document_number
from .exports import to_csv, to_pdf, to_xlsx

export_cli = AppGroup("export", help="書き出し / exports")


@export_cli.command("progress")
@click.option("--council", "council_id", type=int, required=True, help="連絡会議の ID")
@click.option("--fy", "fiscal_year", type=int, required=True, help="年度（西暦の開始年、例: 2017）")
@click.option("--format", "file_format", type=click.Choice(["xlsx", "pdf", "csv"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
def export_progress(council_id, fiscal_year, file_format, out):
    """Write the compiled progress status list of a council and fiscal year."""
    council = db.session.get(Council, council_id)
    if council is None:
        raise click.ClickException(f"連絡会議が見つかりません: {council_id}")
    columns = compiled_columns(council.id, fiscal_year)
    number = document_number(council.id, fiscal_year)
    writers = {
        "xlsx": lambda: to_xlsx(columns, fiscal_year, number),
        "pdf": lambda: to_pdf(columns, fiscal_year, number),
        "csv": lambda: to_csv(columns),
    }
    out.write_bytes(writers[file_format]())
    click.echo(f"wrote {out} ({len(columns)} initiatives of {council.name}, FY{fiscal_year})")
