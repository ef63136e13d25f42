"""/admin/accounts: accounts locked after failed sign-ins, and resetting a user's two-factor sign-in.
(The admin-users pages will take these over.)"""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from ..core.access import permission_required
from ..extensions import db
from . import lockout
from .forms import AccountActionForm
from .models import User
from .services import find_user_by_email
from .sessions import recent_password_required
from .two_factor import reset_two_factor

bp = Blueprint("account_admin", __name__)


@bp.route("/admin/accounts", methods=["GET", "POST"])
@permission_required("unlock", User)
@recent_password_required
def index():
    form = AccountActionForm()
    if form.validate_on_submit():
        if form.action.data == "unlock":
            if lockout.unlock(form.email.data, actor=current_user):
                flash(f"{form.email.data} のロックを解除しました。", "success")
            else:
                flash(f"{form.email.data} はロックされていません。", "info")
        else:
            user = find_user_by_email(form.email.data)
            if user is None:
                flash(f"利用者が見つかりません: {form.email.data}", "danger")
            else:
                reset_two_factor(user, actor=current_user)
                flash(
                    f"{user.email} の2段階認証をリセットしました。次のログインで登録し直します。", "success"
                )
        db.session.commit()
        return redirect(url_for("account_admin.index"))
    return render_template("auth/admin_accounts.html", form=form, locked=lockout.locked_accounts())
