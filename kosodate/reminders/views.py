"""/settings/notifications, /admin/outbox, and the one-click links of the e-mails (/m/<token>)."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from ..auth.models import User
from ..core import audit
from ..core.access import can, get_for, permission_required
from ..extensions import db
from ..followups import changes
from ..followups.models import FollowUp
from .forms import OneClickForm
from .links import LinkProblem, read_token
from .models import DIGESTIBLE, SWITCHABLE, NotificationSetting, OutboxMessage, OutboxStatus, UsedLinkToken
from .outbox import retry

bp = Blueprint("reminders", __name__)


@bp.route("/settings/notifications", methods=["GET", "POST"])
def notifications():
    setting = db.session.get(NotificationSetting, current_user.id) or NotificationSetting(
        user_id=current_user.id, disabled_kinds=[], daily_digest=False
    )
    form = FlaskForm()
    if form.validate_on_submit():
        chosen = set(request.form.getlist("kinds"))
        setting.disabled_kinds = [kind.value for kind in SWITCHABLE if kind.value not in chosen]
        setting.daily_digest = request.form.get("daily_digest") == "1"
        db.session.add(setting)
        choices = {"disabled": [None, setting.disabled_kinds], "digest": [None, setting.daily_digest]}
        audit.record("notifications.update", actor=current_user, obj=current_user, changes=choices)
        db.session.commit()
        flash("通知の設定を保存しました。", "success")
        return redirect(url_for("reminders.notifications"))
    return render_template(
        "reminders/notifications.html", form=form, setting=setting, kinds=SWITCHABLE, digestible=DIGESTIBLE
    )


@bp.get("/admin/outbox")
@permission_required("administer", OutboxMessage)
def outbox():
    counts = dict(
        db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    uncertain = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.uncertain.is_(True)))
    problems = db.session.scalars(
        sa.select(OutboxMessage)
        .where(sa.or_(OutboxMessage.status == OutboxStatus.FAILED, OutboxMessage.last_error != ""))
        .where(OutboxMessage.status != OutboxStatus.SENT)
        .order_by(OutboxMessage.id.desc())
        .limit(200)
    ).all()
    return render_template(
        "reminders/outbox.html", counts=counts, statuses=list(OutboxStatus), uncertain=uncertain,
        problems=problems, form=FlaskForm(),
    )  # fmt: skip


@bp.post("/admin/outbox/<id:message_id>/retry")
def retry_message(message_id: int):
    message = get_for(current_user, "retry", OutboxMessage, message_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    retry(message)
    audit.record("outbox.retry", actor=current_user, obj=message)
    db.session.commit()
    flash("もう一度送信します。", "success")
    return redirect(url_for("reminders.outbox"))


# --- one-click links -----------------------------------------------------------------------------


def _checked(token: str):
    """(recipient, follow-up) of a link, or a message saying why it cannot be used."""
    try:
        claim = read_token(token)
    except LinkProblem as problem:
        return None, None, str(problem)
    if db.session.get(UsedLinkToken, claim.token_id) is not None:
        return None, None, "このリンクはすでに使われています。アプリから状態を確認してください。"
    user = db.session.get(User, claim.user_id)
    followup = db.session.get(FollowUp, claim.followup_id)
    if user is None or not user.active or followup is None or not can(user, "change", followup):
        return None, None, "このリンクでは操作できません。アプリにログインして確認してください。"
    if current_user.is_authenticated and current_user.id != user.id:
        return None, None, "このリンクは別の利用者あてのメールのものです。"
    if followup.status.is_closed:
        return None, None, f"この対応事項はすでに「{followup.status.label}」です。"
    return user, followup, None


@bp.route("/m/<token>", methods=["GET", "POST"])
def one_click(token: str):
    """GET only shows what would happen (mail scanners open links); the POST does it."""
    user, followup, problem = _checked(token)
    form = OneClickForm()
    if problem is None and form.validate_on_submit():
        claim = read_token(token)
        try:
            db.session.add(UsedLinkToken(token_id=claim.token_id))
            db.session.flush()
            changes.change_status(user, followup, "done", form.note.data or "")
            db.session.commit()
        except IntegrityError:  # the same link posted twice at once
            db.session.rollback()
            problem = "このリンクはすでに使われています。アプリから状態を確認してください。"
        else:
            return render_template(
                "reminders/one_click.html", done=True, followup=followup, problem=None, form=form
            )
    status = 410 if problem else 400 if form.errors else 200
    return render_template(
        "reminders/one_click.html", done=False, followup=followup, problem=problem, form=form
    ), status
