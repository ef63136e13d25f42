"""Making, checking and revoking personal access tokens.

A token is 256 random bits: a fast keyed hash (HMAC-SHA256 under the secret key) is enough to keep
it safe at rest, and cheap enough to check at every API request (argon2 is for guessable passwords).
Changing SECRET_KEY therefore invalidates every token.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..auth.models import User
from ..core import audit
from ..core.time import now
from ..extensions import db
from .models import ApiToken, TokenScope

#: recognisable in logs and by secret scanners; the rest is secrets.token_urlsafe(32)
PREFIX = "kosodate_"
MAX_TOKEN_LENGTH = 200
NAME_MAX = 100
MAX_EXPIRES_DAYS = 3650
#: last use is written at most this often per token
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token cannot be made as asked; the message is for the person asking."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    #: the secret, shown to its owner once and never stored
    secret: str


def token_hash(secret: str) -> str:
    key = ("kosodate.api-token:" + current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def create_token(
    user: User, name: str, scope: str, expires_days: int | None = None, *, by_command: bool = False
) -> NewToken:
    """A new token of the user, made by herself on the settings page or by a command (no actor)."""
    name = (name or "").strip()
    if not name:
        raise TokenError("トークンの名前を入力してください（例: kintone 連携）。")
    if len(name) > NAME_MAX:
        raise TokenError(f"トークンの名前は{NAME_MAX}文字以内で入力してください。")
    if scope not in TokenScope._value2member_map_:
        raise TokenError("権限は read（読み取りのみ）か write（読み取りと書き込み）を選んでください。")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRES_DAYS:
        raise TokenError(f"有効期限は1〜{MAX_EXPIRES_DAYS}日で指定してください。")
    if not user.active:
        raise TokenError("利用停止中の利用者にはトークンを作れません。")
    secret = PREFIX + secrets.token_urlsafe(32)
    created = now()
    token = ApiToken(
        user=user,
        name=name,
        scope=TokenScope(scope),
        token_hash=token_hash(secret),
        created_at=created,
        expires_at=created + timedelta(days=expires_days) if expires_days else None,
    )
    db.session.add(token)
    audit.record(
        "api_token.create",
        actor=None if by_command else user,
        obj=token,
        changes={"name": [None, name], "scope": [None, scope], "user": [None, user.email]},
    )
    return NewToken(token, secret)


def revoke_token(actor: User, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = now()
        audit.record("api_token.revoke", actor=actor, obj=token, changes={"name": [token.name, None]})


def user_tokens(user: User) -> list[ApiToken]:
    query = sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    return list(db.session.scalars(query))


def find_usable_token(secret: str) -> ApiToken | None:
    """The token with this secret when it may be used now (not revoked or expired, its user active);
    its last use is noted (committed by the caller)."""
    if not secret.startswith(PREFIX) or len(secret) > MAX_TOKEN_LENGTH:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    moment = now()
    if token is None or not token.usable_at(moment) or not token.user.active:
        return None
    if token.last_used_at is None or moment - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = moment
    return token
