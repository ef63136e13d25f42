"""Error pages in Japanese; no stack trace ever reaches a user."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from ..extensions import db

MESSAGES = {
    400: ("リクエストが正しくありません", "入力内容を確認して、もう一度お試しください。"),
    403: ("権限がありません", "このページを表示・変更する権限がありません。"),
    404: ("ページが見つかりません", "URLが正しいか、表示する権限があるかを確認してください。"),
    405: ("この操作はできません", "このページではその操作は受け付けていません。"),
    413: ("ファイルが大きすぎます", "アップロードできるのは1ファイル20MBまでです。何も保存していません。"),
    500: ("エラーが発生しました", "時間をおいてもう一度お試しください。続く場合は事務局へ連絡してください。"),
}


def register_error_handlers(app: Flask) -> None:
    def render(code: int, detail: str | None = None):
        title, message = MESSAGES[code]
        return render_template("errors/error.html", code=code, title=title, message=detail or message), code

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render(
            400,
            "フォームの有効期限が切れたか、正しく送信されませんでした。ページを開き直してもう一度送信してください。",
        )

    def handler(error):
        # abort(400, "…") carries a message for the user; werkzeug's own descriptions are English
        custom = error.description if error.description != type(error).description else None
        return render(error.code, custom)

    for code in (400, 403, 404, 405, 413):
        app.register_error_handler(code, handler)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render(500)
