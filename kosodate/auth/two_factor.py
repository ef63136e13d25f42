"""Two-factor sign-in: who must use it, TOTP (RFC 6238) enrolment and codes, recovery codes, reset."""

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import timedelta

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup

from ..core import audit
from ..core.time import now
from ..extensions import db
from .models import RecoveryCode, Role, User

#: RFC 6238's step; a code of the step before or after is accepted too (clocks drift)
STEP_SECONDS = 30
ACCEPTED_STEPS = (0, -1, 1)
RECOVERY_CODES = 10
#: no 0/o, 1/l/i: read from paper and typed by hand
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_LENGTH = 16

TwoFactorRule = Callable[[User], bool]
_rules: list[TwoFactorRule] = []


def two_factor_rule(rule: TwoFactorRule) -> TwoFactorRule:
    """Register who must use two-factor sign-in (a domain adds its own: the cases, their care
    teams). A decorator; registering the same rule twice counts once."""
    if rule not in _rules:
        _rules.append(rule)
    return rule


@two_factor_rule
def manages_users_or_councils(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.SECRETARIAT)


def two_factor_required(user: User) -> bool:
    """Must this user sign in with a second factor? Only when KOSODATE_REQUIRE_2FA is on; a user
    who enrolled of their own accord is asked for a code all the same."""
    return bool(current_app.config["KOSODATE_REQUIRE_2FA"]) and any(rule(user) for rule in _rules)


# --- TOTP ------------------------------------------------------------------------------------------


def _step_of(secret: str, code: str) -> int | None:
    """The time step whose code this is (now, or one step off), or None."""
    code = re.sub(r"\s", "", code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp, moment = pyotp.TOTP(secret, interval=STEP_SECONDS), now()
    for offset in ACCEPTED_STEPS:
        at = moment + timedelta(seconds=offset * STEP_SECONDS)
        if hmac.compare_digest(totp.at(at), code):
            return totp.timecode(at)
    return None


def _accept_step(user: User, step: int) -> bool:
    """Record the step as used, unless this or a later one was used already (at once, by another
    request, too): each code signs in once."""
    changed = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
    )
    return changed.rowcount == 1


def provisioning_uri(user: User, secret: str) -> str:
    issuer = current_app.config["TOTP_ISSUER"]
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_code_svg(uri: str) -> Markup:
    """The QR code of the otpauth:// link as inline SVG, made here (no outside service sees it)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, title="2段階認証の登録用QRコード")
    return Markup(svg)  # noqa: S704 (segno's own markup: paths only, the data is not in it as text)


def pending_secret(user: User) -> str:
    """The secret offered for enrolment: the same one until it is confirmed (a reload shows the
    same QR code the app may have scanned already)."""
    if user.totp_pending_secret is None:
        user.totp_pending_secret = pyotp.random_base32()
    return user.totp_pending_secret


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Check a code of the pending secret; on success the secret is the user's second factor and ten
    new recovery codes are returned (to be shown once). None when the code is wrong."""
    secret = user.totp_pending_secret
    step = _step_of(secret, code) if secret else None
    if step is None:
        audit.record("auth.2fa_failed", actor=user, obj=user, changes={"during": "enrolment"})
        return None
    replacing = user.totp_secret is not None
    user.totp_secret, user.totp_pending_secret = secret, None
    user.totp_enrolled_at, user.totp_last_step = now(), step
    codes = _new_recovery_codes(user)
    audit.record(
        "auth.2fa_enrolled", actor=user, obj=user, changes={"replaced": replacing} if replacing else {}
    )
    return codes


def verify_code(user: User, code: str) -> str | None:
    """How a second-factor code signs the user in — "totp" or "recovery_code" — or None. A code is
    accepted once; a recovery code is then spent."""
    step = _step_of(user.totp_secret, code) if user.totp_secret else None
    if step is not None and _accept_step(user, step):
        audit.record("auth.2fa_success", actor=user, obj=user)
        return "totp"
    if step is None and _spend_recovery_code(user, code):
        left = recovery_codes_left(user)
        audit.record("auth.recovery_code_used", actor=user, obj=user, changes={"left": left})
        return "recovery_code"
    audit.record(
        "auth.2fa_failed", actor=user, obj=user, changes={"reused": True} if step is not None else {}
    )
    return None


# --- recovery codes --------------------------------------------------------------------------------


def _normalise_recovery_code(code: str) -> str:
    return re.sub(r"[^0-9a-z]", "", code.lower())


def _hash_code(code: str) -> str:
    return hashlib.sha256(_normalise_recovery_code(code).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    """Ten fresh codes replace the old ones; returned as written for the user (xxxx-xxxx-…)."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(raw)))
    return codes


def new_recovery_codes(user: User) -> list[str]:
    codes = _new_recovery_codes(user)
    audit.record("auth.recovery_codes_renewed", actor=user, obj=user)
    return codes


def _spend_recovery_code(user: User, code: str) -> bool:
    if len(_normalise_recovery_code(code)) != RECOVERY_LENGTH:
        return False
    changed = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now()),
        execution_options={"synchronize_session": False},
    )
    return changed.rowcount == 1


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


# --- reset ---------------------------------------------------------------------------------------


def reset_two_factor(user: User, *, actor: User | None = None) -> None:
    """Forget the user's second factor and recovery codes (a lost phone): they enrol again at the
    next sign-in when they must. Their sessions end, in case the phone was stolen."""
    user.totp_secret = user.totp_pending_secret = None
    user.totp_enrolled_at = user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.end_all_sessions()
    audit.record("auth.2fa_reset", actor=actor, obj=user)
