"""`flask --app app cases purge [--dry-run]`"""

import click
from flask import current_app
from flask.cli import AppGroup

from ..core.time import date_ja
from ..extensions import db
from .retention import purge_expired_cases

cases_cli = AppGroup("cases", help="ケース / cases")


@cases_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="消去せず、対象のケースを表示するだけ")
def purge_command(dry_run):
    """Erase the personal fields of cases closed CASE_RETENTION_YEARS or more ago."""
    years = current_app.config["CASE_RETENTION_YEARS"]
    purged = purge_expired_cases(dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would purge" if dry_run else "purged"
    for case in purged:
        click.echo(
            f"{verb} {case.code} (closed {date_ja(case.closed_on)}): "
            f"{case.notes} notes, {case.attachments} files"
        )
    click.echo(f"{verb} {len(purged)} case(s) closed {years} or more years ago")
