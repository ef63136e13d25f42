"""`flask --app app demo load`"""

import time

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..agencies.models import Council
from ..auth.passwords import password_problem
from ..extensions import db
from .generate import GenerateRefused, GenerateSpec, generate
from .loader import DEMO_USERS, DemoLoadRefused, load_demo

demo_cli = AppGroup("demo", help="デモデータ (平成29年度 厚木地域) / demo data")


@demo_cli.command("load")
@click.option("--password", help="デモ利用者のパスワード (省略すると生成して表示します)")
@click.option("--force", is_flag=True, help="他のデータがあるデータベースにも読み込む")
@click.option("--if-empty", is_flag=True, help="データベースに連絡会議が一つでもあれば何もしない")
def load_command(password, force, if_empty):
    """Load the FY2017 Atsugi council's data and one demo user per role."""
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Council)):
        click.echo("the database already holds data: demo data not loaded")
        return
    if password and password_problem(password):
        raise click.ClickException(password_problem(password))
    try:
        result = load_demo(password=password, force=force)
        db.session.commit()
    except DemoLoadRefused as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo("demo data " + ("loaded" if result.loaded_data else "already present: nothing added"))
    click.echo(", ".join(f"{name} {count}" for name, count in result.counts.items()))
    click.echo("demo logins:")
    for email, _name, role, agency in DEMO_USERS:
        click.echo(f"  {email:<26} {role.value:<14} {agency or ''}")
    if result.password:
        click.echo(f"password: {result.password}")
    else:
        click.echo("password: unchanged (give --password to reset it)")


@demo_cli.command("generate")
@click.option("--councils", default=10, show_default=True, type=click.IntRange(min=1))
@click.option("--agencies", default=300, show_default=True, type=click.IntRange(min=1))
@click.option("--users", default=3000, show_default=True, type=click.IntRange(min=1))
@click.option("--followups", default=100_000, show_default=True, type=click.IntRange(min=0))
@click.option("--meetings", default=5000, show_default=True, type=click.IntRange(min=0))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--password", help="生成する全利用者のパスワード (省略すると誰もログインできません)")
def generate_command(councils, agencies, users, followups, meetings, seed, password):
    """Fill an empty database with deterministic synthetic data at prefecture scale (benchmarks)."""
    spec = GenerateSpec(councils, agencies, users, followups, meetings, seed, password)
    started = time.perf_counter()
    try:
        counts = generate(spec)
        db.session.commit()
    except (GenerateRefused, ValueError) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"generated in {time.perf_counter() - started:.1f} s (seed {seed})")
    click.echo(", ".join(f"{name} {count}" for name, count in counts.items()))
