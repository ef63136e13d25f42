"""/login and /logout."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, login_manager
from .forms import LoginForm
from .models import User
from .redirects import safe_next_path
from .services import authenticate, log_out

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "メールアドレスまたはパスワードが正しくありません。"


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    return db.session.scalar(
        sa.select(User).where(User.session_token == session_token, User.active.is_(True))
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next_path(form.next.data) or url_for("dashboard.index"))
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            destination = safe_next_path(form.next.data) or url_for("dashboard.index")
            session.clear()  # a fresh session at every login: no fixation
            login_user(user)
            db.session.commit()
            return redirect(destination)
        db.session.commit()  # keep the audit event of the failed attempt
        form.password.errors.append(LOGIN_FAILED)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    log_out(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("ログアウトしました。", "info")
    return redirect(url_for("auth.login"))
