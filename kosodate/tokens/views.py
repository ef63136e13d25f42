"""/settings/tokens: a user's personal access tokens — list, make, revoke."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ..core.access import get_for
from ..core.time import now
from ..extensions import db
from .forms import TokenForm
from .models import ApiToken
from .services import TokenError, create_token, revoke_token, user_tokens

bp = Blueprint("tokens", __name__)


def _page(form: TokenForm, new_secret: str | None = None, status: int = 200):
    return render_template(
        "tokens/settings.html",
        form=form,
        tokens=user_tokens(current_user),
        new_secret=new_secret,
        revoke_form=FlaskForm(),
        now=now(),
    ), status


@bp.get("/settings/tokens")
def settings():
    return _page(TokenForm())


@bp.post("/settings/tokens")
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        days = int(form.expires_days.data) if form.expires_days.data else None
        new = create_token(current_user, form.name.data, form.scope.data, days)
    except TokenError as error:
        db.session.rollback()
        form.name.errors.append(str(error))
        return _page(form, status=400)
    db.session.commit()
    # the secret is shown in this answer only: never in a flash message, which the session cookie carries
    return _page(TokenForm(formdata=None), new_secret=new.secret)


@bp.post("/settings/tokens/<id:token_id>/revoke")
def revoke(token_id: int):
    token = get_for(current_user, "revoke", ApiToken, token_id)
    if not FlaskForm().validate_on_submit():
        flash("フォームの有効期限が切れました。もう一度操作してください。", "error")
        return redirect(url_for("tokens.settings"))
    revoke_token(current_user, token)
    db.session.commit()
    flash(f"トークン「{token.name}」を無効にしました。", "success")
    return redirect(url_for("tokens.settings"))
