"""`flask --app app tokens …`"""

import click
from flask.cli import AppGroup

from ..auth.services import find_user_by_email
from ..extensions import db
from .models import TokenScope
from .services import TokenError, create_token

tokens_cli = AppGroup("tokens", help="API のトークン / personal access tokens of the JSON API")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="トークンの名前 (例: kintone 連携)")
@click.option("--scope", required=True, type=click.Choice([scope.value for scope in TokenScope]))
@click.option("--expires-days", type=int, help="有効期限 (日数); 省略すると無期限")
def create_command(email, name, scope, expires_days):
    """Make a token for a user; the token is printed once, alone on the last line."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"利用者が見つかりません: {email}")
    try:
        new = create_token(user, name, scope, expires_days, by_command=True)
        db.session.commit()
    except TokenError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    expires = f", expires {new.token.expires_at:%Y-%m-%d}" if new.token.expires_at else ""
    click.echo(f"created token {new.token.id} '{new.token.name}' ({scope}{expires}) for {user.email}")
    click.echo("the token is shown only now; keep it like a password:")
    click.echo(new.secret)
