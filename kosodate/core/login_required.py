"""Every page needs a login, but for the few listed here: safe by default for new views."""

from flask import Flask, redirect, request, url_for
from flask_login import current_user

from ..extensions import login_manager
from .problems import is_api_request

#: the one-click links of e-mails are authorised by their signed token, the calendar feed and an
#: invitation by the secret in their address, not by a session; the second sign-in step (/login/2fa,
#: and /account/2fa for who must enrol first) and /logout check for themselves whom they serve (a
#: half-signed-in visitor is anonymous everywhere else)
PUBLIC_ENDPOINTS = {
    "auth.login",
    "auth.login_2fa",
    "account.two_factor_page",
    "auth.logout",
    "health.healthz",
    "static",
    "reminders.one_click",
    "feeds.feed",
    "invitations.set_password",
}


def require_login_everywhere(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "ログインしてください。"
    login_manager.login_message_category = "warning"

    @app.before_request
    def _require_login():
        if is_api_request():  # bearer tokens, never the session: kosodate.api.auth
            return None
        if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
            return None
        if request.endpoint is None:  # unknown URL: let it 404 after login, not reveal it
            return redirect(url_for("auth.login"))
        return login_manager.unauthorized()
