"""Error pages in Japanese; no stack trace ever reaches a user. Under /api/ errors are problem
details (core.problems) instead of pages."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..extensions import db
from .problems import is_api_request, problem_from_exception

MESSAGES = {
    400: ("リクエストが正しくありません", "入力内容を確認して、もう一度お試しください。"),
    403: ("権限がありません", "このページを表示・変更する権限がありません。"),
    404: ("ページが見つかりません", "URLが正しいか、表示する権限があるかを確認してください。"),
    405: ("この操作はできません", "このページではその操作は受け付けていません。"),
    413: ("ファイルが大きすぎます", "アップロードできるのは1ファイル20MBまでです。何も保存していません。"),
    429: ("操作が多すぎます", "短い時間に続けて送信されました。しばらく待ってからもう一度お試しください。"),
    500: ("エラーが発生しました", "時間をおいてもう一度お試しください。続く場合は事務局へ連絡してください。"),
}


def register_error_handlers(app: Flask) -> None:
    def render(error, code: int, detail: str | None = None):
        if is_api_request():
            return problem_from_exception(error)
        title, message = MESSAGES[code]
        return render_template("errors/error.html", code=code, title=title, message=detail or message), code

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render(
            error,
            400,
            "フォームの有効期限が切れたか、正しく送信されませんでした。ページを開き直してもう一度送信してください。",
        )

    def handler(error):
        # abort(400, "…") carries a message for the user; werkzeug's own descriptions, and those of
        # other statuses (Flask-Limiter's "30 per 1 minute"), are English
        custom = (
            error.description if error.code == 400 and error.description != type(error).description else None
        )
        return render(error, error.code, custom)

    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, handler)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render(error if isinstance(error, HTTPException) else InternalServerError(), 500)

    @app.errorhandler(HTTPException)
    def other_http_error(error):
        """Statuses without a page of their own (401, 409, 422, 429 …): problem details under /api/,
        werkzeug's short page elsewhere."""
        return problem_from_exception(error) if is_api_request() else error
