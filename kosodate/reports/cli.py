"""`flask --app app export progress`: the compiled list to a file."""

from pathlib import Path

import click
from flask.cli import AppGroup

from ..agencies.models import Council
from ..extensions import db
from .export_cache import progress_file

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
    exported = progress_file(council.id, fiscal_year, file_format)
    out.write_bytes(exported.content)
    cached = " from the cache" if exported.cached else ""
    click.echo(f"wrote {out}{cached} ({exported.initiatives} initiatives of {council.name}, FY{fiscal_year})")
