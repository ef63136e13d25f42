"""/settings/calendar (the user's feed address, and a new one) and the feed itself,
/calendar/<token>.ics, which calendar programs read without a login."""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ..extensions import db
from .ics import absolute, feed_calendar
from .services import feed_followups, feed_meetings, feed_of, new_address, user_by_token

bp = Blueprint("feeds", __name__)


@bp.get("/settings/calendar")
def settings():
    feed = feed_of(current_user)
    address = absolute(url_for("feeds.feed", feed_token=feed.token)) if feed else None
    return render_template("feeds/settings.html", feed=feed, address=address, form=FlaskForm())


@bp.post("/settings/calendar")
def renew():
    if not FlaskForm().validate_on_submit():
        flash("フォームの有効期限が切れました。もう一度操作してください。", "error")
        return redirect(url_for("feeds.settings"))
    had_one = feed_of(current_user) is not None
    new_address(current_user)
    db.session.commit()
    flash(
        "新しいアドレスにしました。前のアドレスはもう使えません。カレンダーに登録し直してください。"
        if had_one
        else "カレンダーのアドレスを作りました。",
        "success",
    )
    return redirect(url_for("feeds.settings"))


@bp.get("/calendar/<feed_token>.ics")
def feed(feed_token: str):
    user = user_by_token(feed_token)
    if user is None:
        abort(404)
    name = f"小児等在宅医療 連携支援（{user.name}）"
    response = make_response(feed_calendar(name, feed_meetings(user), feed_followups(user)))
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = 'inline; filename="kosodate.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
