"""`reminders run`, `outbox send`, `scheduler run`."""

import logging
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from ..core.time import TOKYO, now
from ..extensions import db
from .outbox import enqueue, send_all, sender_lock
from .rules import due_reminders
from .scheduler import run_blocking

reminders_cli = AppGroup("reminders", help="リマインダー / reminders")
outbox_cli = AppGroup("outbox", help="送信待ちのメール / the outbox")
scheduler_cli = AppGroup("scheduler", help="定期実行 / the scheduler")


def parse_moment(text: str | None) -> datetime:
    if not text:
        return now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter("ISO 8601 の日時で指定してください（例: 2018-02-21T09:00+09:00）") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=TOKYO)


@reminders_cli.command("run")
@click.option(
    "--now", "moment", help="この時刻として計算する（ISO 8601、省略すると今。タイムゾーンなしは日本時間）"
)
def run_command(moment):
    """Queue every reminder due at or before the moment that is not queued yet."""
    at = parse_moment(moment)
    counts = enqueue(due_reminders(at), at)
    db.session.commit()
    click.echo(
        f"reminders at {at.isoformat()}: "
        + (", ".join(f"{k.value} {n}" for k, n in counts.items()) or "none new")
    )


@outbox_cli.command("send")
def send_command():
    """Deliver what is due now."""
    with sender_lock():
        result = send_all()
    click.echo(
        f"sent {result.sent}, retried {result.retried}, failed {result.failed}, "
        f"cancelled {result.cancelled}, uncertain {result.uncertain}"
    )
    for error in result.errors:
        click.echo(f"error: {error}", err=True)


@scheduler_cli.command("run")
def scheduler_command():
    """Run the reminders and the outbox on a timer (production: a process of its own)."""
    # the jobs' own lines (what was queued and sent, standby and takeover) go to the journal
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per job run
    click.echo("scheduler: starting (waits on standby while another one is active)")
    run_blocking(current_app._get_current_object())
