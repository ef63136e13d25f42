"""/invitations/<token>: the link of an invitation e-mail, where the invited user sets their first
password. The link itself is the authorisation (public endpoint): usable once, for 72 hours."""

from flask import Blueprint, flash, redirect, render_template, url_for

from ..extensions import db, limiter
from . import invitations, sessions
from .admin_forms import SetPasswordForm
from .invitations import InvitationState
from .views import login_rate

bp = Blueprint("invitations", __name__)

#: why a link cannot be used, and the answer's status
REFUSALS = {
    InvitationState.UNKNOWN: (
        404,
        "このリンクは使えません。招待が送り直された場合は、新しいメールのリンクを開いてください。",
    ),
    InvitationState.USED: (410, "このリンクはすでに使われました。設定したパスワードでログインしてください。"),
    InvitationState.EXPIRED: (
        410,
        "このリンクは有効期限（72時間）が切れています。登録した事務局またはシステム管理者に、"
        "招待の送り直しを頼んでください。",
    ),
}


@bp.route("/invitations/<invitation_token>", methods=["GET", "POST"])
@limiter.limit(login_rate, methods=["POST"])
def set_password(invitation_token: str):
    found = invitations.find(invitation_token)
    if found.state is not InvitationState.OPEN:
        status, message = REFUSALS[found.state]
        return render_template("auth/invitation.html", refused=message), status
    user = found.invitation.user
    form = SetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            invitations.accept(found.invitation, form.password.data)
        except invitations.InvitationRefused as refused:
            db.session.rollback()
            form.password.errors.append(str(refused))
        else:
            db.session.commit()
            sessions.sign_out()  # whoever was signed in in this browser: the new user signs in next
            flash(
                "パスワードを設定しました。メールアドレスと新しいパスワードでログインしてください。",
                "success",
            )
            return redirect(url_for("auth.login"))
    if form.is_submitted():
        status = 400
    return render_template("auth/invitation.html", form=form, user=user), status
