"""/account: one's own account; /account/2fa: enrolling two-factor sign-in and new recovery codes;
/account/reauth: the password asked again before changing 2FA or users."""

from functools import wraps

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ..extensions import db
from . import sessions, two_factor
from .forms import CodeForm, PasswordAgainForm
from .redirects import safe_next_path
from .services import PASSWORD_WRONG, SignInRefused, authenticate, log_out, password_confirmed, signed_in

bp = Blueprint("account", __name__)

CODE_WRONG = "確認コードが正しくありません。認証アプリに表示されている6桁の数字を入れてください。"


@bp.get("/account")
def index():
    return render_template(
        "auth/account.html",
        required=two_factor.two_factor_required(current_user),
        codes_left=two_factor.recovery_codes_left(current_user) if current_user.has_two_factor else 0,
    )


def enrolling_user_required(view):
    """/account/2fa is for a signed-in user and for one who must enrol before signing in."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        user = sessions.enrolling_user()
        if user is None:
            flash("ログインしてください。", "warning")
            return redirect(url_for("auth.login"))
        return view(user, *args, **kwargs)

    return wrapped


@bp.route("/account/2fa", methods=["GET", "POST"])
@enrolling_user_required
@sessions.recent_password_required
def two_factor_page(user):
    signing_in = not current_user.is_authenticated
    form = CodeForm()
    if request.method == "POST" and request.form.get("action") == "renew_codes":
        if signing_in or not user.has_two_factor or not FlaskForm().validate_on_submit():
            return redirect(url_for("account.two_factor_page"))
        codes = two_factor.new_recovery_codes(user)
        db.session.commit()
        return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("account.index"))
    if form.validate_on_submit():
        codes = two_factor.confirm_enrolment(user, form.code.data)
        if codes is not None:
            next_url = url_for("account.index")
            if signing_in:
                step = sessions.pending()
                signed_in(user, "totp")
                sessions.sign_in(user)
                next_url = safe_next_path(step.next_path if step else None) or url_for("dashboard.index")
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, next_url=next_url, enrolled=True)
        db.session.commit()  # the failed attempt's audit event
        form.code.errors.append(CODE_WRONG)
    enrolling = not user.has_two_factor or request.args.get("change") == "1" or request.method == "POST"
    secret = two_factor.pending_secret(user) if enrolling else None
    db.session.commit()
    uri = two_factor.provisioning_uri(user, secret) if secret else None
    return render_template(
        "auth/two_factor.html", form=form, user=user, secret=secret, signing_in=signing_in,
        qr_code=two_factor.qr_code_svg(uri) if uri else None, enrolling=enrolling,
    )  # fmt: skip


@bp.route("/account/reauth", methods=["GET", "POST"])
def reauth():
    """The password again; wrong ones count towards the lock, and a lock ends the session."""
    form = PasswordAgainForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            authenticate(current_user.email, form.password.data, wrong_message=PASSWORD_WRONG)
        except SignInRefused as refused:
            if refused.closed:
                log_out(current_user)
                db.session.commit()
                sessions.sign_out()
                flash(str(refused), "danger")
                return redirect(url_for("auth.login"))
            db.session.commit()
            form.password.errors.append(str(refused))
        else:
            password_confirmed(current_user)
            sessions.confirm_password_given()
            db.session.commit()
            return redirect(safe_next_path(form.next.data) or url_for("account.index"))
    return render_template("auth/reauth.html", form=form)
