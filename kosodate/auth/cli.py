"""`flask --app app users …`"""

import click
from flask.cli import AppGroup

from ..extensions import db
from .models import Role
from .passwords import generate_password
from .services import NewUser, UserError, create_user

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
    new = NewUser(email, role, agency_name, name, password or generate_password())
    try:
        user = create_user(new)
        db.session.commit()
    except UserError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"created {user.email} ({user.role.value}, {user.agency.name if user.agency else '—'})")
    if generated:
        click.echo(f"password: {new.password}")
