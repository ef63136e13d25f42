"""Who is calling the API: a personal access token in `Authorization: Bearer …`, never the session
cookie. No token, or one that is unknown, expired or revoked: 401; a read token on a write: 403."""

from flask import abort, current_app, g, request
from flask_limiter.util import get_remote_address

from ..auth.models import User
from ..core.problems import problem
from ..extensions import csrf, db, limiter
from ..tokens.models import ApiToken, TokenScope
from ..tokens.services import find_usable_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNSET = object()


def _bearer_secret() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return (secret.strip() or None) if scheme.lower() == "bearer" else None


def current_token() -> ApiToken | None:
    """The request's usable token, looked up once per request."""
    token = g.get("api_token", _UNSET)
    if token is _UNSET:
        secret = _bearer_secret()
        token = find_usable_token(secret) if secret else None
        g.api_token = token
    return token


def rate_limit_key() -> str:
    """The rate limits count per token; requests without a usable one count per address."""
    token = current_token()
    return f"api-token:{token.id}" if token is not None else f"api-address:{get_remote_address()}"


def require_token() -> None:
    """before_request of every API blueprint."""
    token = current_token()
    if token is None:
        sent = _bearer_secret() is not None
        detail = (
            "トークンが正しくないか、期限切れか、無効にされています。"
            if sent
            else "Authorization: Bearer ヘッダーでトークンを送ってください（/settings/tokens で作れます）。"
        )
        challenge = 'Bearer realm="kosodate"' + (', error="invalid_token"' if sent else "")
        abort(problem(401, detail, headers={"WWW-Authenticate": challenge}))
    db.session.commit()  # the token's last use
    if request.method not in SAFE_METHODS and token.scope is not TokenScope.WRITE:
        abort(
            problem(
                403,
                "このトークンは読み取り専用です。書き込みには権限「読み取りと書き込み」のトークンを使ってください。",
                headers={
                    "WWW-Authenticate": 'Bearer realm="kosodate", error="insufficient_scope", scope="write"'
                },
            )
        )


def api_user() -> User:
    return current_token().user


def protect(blueprint) -> None:
    """Make a blueprint part of the API: bearer tokens (so no CSRF: no cookie is ever read), and one
    rate limit per token shared by every API route (API_RATE_LIMIT)."""
    blueprint.before_request(require_token)
    csrf.exempt(blueprint)
    limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api", key_func=rate_limit_key)(
        blueprint
    )
