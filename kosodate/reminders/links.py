"""One-click links in e-mails: signed with the app's secret, bound to the recipient and the
follow-up, valid 14 days, usable once. Opening one only shows a page; its POST acts."""

import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "kosodate.followup-done"
MAX_AGE = 14 * 24 * 3600


@dataclass(frozen=True)
class LinkClaim:
    user_id: int
    followup_id: int
    token_id: str


class LinkProblem(Exception):
    """Expired, tampered with: the message is for the user."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def done_token(user_id: int, followup_id: int) -> str:
    return _serializer().dumps({"u": user_id, "f": followup_id, "j": secrets.token_urlsafe(12)})


def read_token(token: str) -> LinkClaim:
    try:
        data = _serializer().loads(token, max_age=MAX_AGE)
    except SignatureExpired:
        raise LinkProblem(
            "このリンクは有効期限（14日）が切れています。アプリから操作してください。"
        ) from None
    except BadSignature:
        raise LinkProblem("このリンクは正しくありません。メールのリンクをそのままお使いください。") from None
    return LinkClaim(int(data["u"]), int(data["f"]), str(data["j"]))
