"""`flask --app app users …`"""

import click
from flask.cli import AppGroup

from ..extensions import db
from . import lockout
from .models import Role, normalise_email
from .passwords import generate_password
from .services import NewUser, UserError, create_user, find_user_by_email
from .two_factor import reset_two_factor

users_cli = AppGroup("users", help="利用者の管理 / manage users")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, help="|".join(r.value for r in Role))
@click.option("--agency", "agency_name", help="所属機関の正式名称 (admin 以外は必須)")
@click.option("--name", help="表示名 (省略時はメールアドレスの@より前)")
@click.option("--password", help="省略すると生成して一度だけ表示します")
def create_command(email, role, agency_name, name, password):
    """Create a user."""
    generated = password is None
    password = password or generate_password(email=email, name=name or "")
    new = NewUser(email, role, agency_name, name, password)
    try:
        user = create_user(new)
        db.session.commit()
    except UserError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"created {user.email} ({user.role.value}, {user.agency.name if user.agency else '—'})")
    if generated:
        click.echo(f"password: {new.password}")


@users_cli.command("reset-2fa")
@click.argument("email")
def reset_2fa_command(email):
    """Forget a user's two-factor sign-in (a lost phone): they enrol again at the next sign-in."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"利用者が見つかりません: {email}")
    had_two_factor = user.has_two_factor
    reset_two_factor(user)
    db.session.commit()
    state = "reset" if had_two_factor else "had no two-factor sign-in; recovery codes and sessions cleared"
    click.echo(f"{user.email}: two-factor sign-in {state}")


@users_cli.command("unlock")
@click.argument("email")
def unlock_command(email):
    """Open an account locked after failed sign-ins."""
    unlocked = lockout.unlock(email)
    db.session.commit()
    click.echo(f"{normalise_email(email)}: " + ("unlocked" if unlocked else "was not locked"))
