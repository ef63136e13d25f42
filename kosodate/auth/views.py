"""/login, /login/2fa and /logout."""

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db, limiter, login_manager
from . import sessions
from .forms import CodeForm, LoginForm
from .models import User
from .redirects import safe_next_path
from .services import SignInRefused, authenticate, check_second_factor, log_out, signed_in
from .throttle import ThrottleUnavailable
from .two_factor import recovery_codes_left, two_factor_required

bp = Blueprint("auth", __name__)

ENROL_FIRST = "このアカウントでは2段階認証が必要です。認証アプリに登録してからお使いください。"
SIGN_IN_AGAIN = "もう一度ログインしてください。"


def login_rate() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    return db.session.scalar(
        sa.select(User).where(User.session_token == session_token, User.active.is_(True))
    )


def _home(next_path: str | None) -> str:
    return safe_next_path(next_path) or url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_rate, methods=["POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_home(form.next.data))
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except SignInRefused as refused:
            db.session.commit()  # keep the audit event and the count of the failed attempt
            form.password.errors.append(str(refused))
        else:
            response = _after_password(user, safe_next_path(form.next.data))
            db.session.commit()
            return response
    return render_template("auth/login.html", form=form)


def _after_password(user: User, next_path: str | None):
    """The password was right: ask for the second factor, have it set up first, or sign in."""
    if user.has_two_factor:
        sessions.begin_second_step(user, next_path, enrol=False)
        return redirect(url_for("auth.login_2fa"))
    if two_factor_required(user):
        sessions.begin_second_step(user, next_path, enrol=True)
        flash(ENROL_FIRST, "info")
        return redirect(url_for("account.two_factor_page"))
    signed_in(user)
    sessions.sign_in(user)
    return redirect(_home(next_path))


@bp.route("/login/2fa", methods=["GET", "POST"])
@limiter.limit(login_rate, methods=["POST"])
def login_2fa():
    step = sessions.pending()
    if step is not None and step.enrol:
        return redirect(url_for("account.two_factor_page"))
    if step is None:
        flash(SIGN_IN_AGAIN, "warning")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            method = check_second_factor(step.user, form.code.data)
        except SignInRefused as refused:
            db.session.commit()
            if refused.closed:
                sessions.sign_out()
                flash(str(refused), "danger")
                return redirect(url_for("auth.login"))
            form.code.errors.append(str(refused))
        else:
            signed_in(step.user, method)
            sessions.sign_in(step.user)
            if method == "recovery_code":
                left = recovery_codes_left(step.user)
                flash(
                    f"リカバリーコードを使いました（残り{left}個）。使ったコードはもう使えません。", "warning"
                )
            db.session.commit()
            return redirect(_home(step.next_path))
    return render_template("auth/login_2fa.html", form=form)


@bp.post("/logout")
def logout():
    """Logging out ends the user's sessions everywhere; half signed in, it just forgets the step."""
    if current_user.is_authenticated:
        log_out(current_user)
        db.session.commit()
    sessions.sign_out()
    flash("ログアウトしました。", "info")
    return redirect(url_for("auth.login"))


@bp.app_errorhandler(ThrottleUnavailable)
def throttle_unavailable(error):
    """The shared store of lockouts (Redis) does not answer: nobody signs in unthrottled."""
    current_app.logger.error("login throttling store unavailable: %s", error)
    db.session.rollback()
    message = (
        "ただいまログインできません。しばらくしてからもう一度お試しください。"
        "続く場合はシステム管理者へ連絡してください。"
    )
    return render_template("errors/error.html", code=503, title="ログインできません", message=message), 503
