"""Helpers of the sign-in tests: posting a form with its CSRF token, TOTP codes, what a page shows."""

import re
from datetime import timedelta

import pyotp
import sqlalchemy as sa

from kosodate.core.audit import AuditEvent
from kosodate.core.time import now
from kosodate.extensions import db

from .conftest import csrf_token_from


def post_form(client, path: str, data: dict, page: str | None = None):
    """POST like a browser: open the page first for its CSRF token."""
    token = csrf_token_from(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def totp_code(secret: str, steps: int = 0) -> str:
    """The code an authenticator app shows now, or `steps` time steps (30 s) away."""
    return pyotp.TOTP(secret).at(now() + timedelta(seconds=30 * steps))


def shown_secret(html: str) -> str:
    match = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', html)
    assert match, "the page shows no TOTP secret"
    return match.group(1)


def shown_recovery_codes(html: str) -> list[str]:
    block = re.search(r'data-testid="recovery-codes">(.*?)</ul>', html, re.S)
    assert block, "the page shows no recovery codes"
    return re.findall(r"<li>([0-9a-z-]+)</li>", block.group(1))


def audit_actions(prefix: str = "auth.") -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)
        )
    )
