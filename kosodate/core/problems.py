"""Errors of the JSON API as RFC 9457 problem details (application/problem+json), in Japanese.

Every error under /api/ takes this shape — those of the API's own views, and the 404 and 405 that
routing gives before any view runs — so that programs reading the API never meet an HTML page.
"""

from http import HTTPStatus

from flask import Response, json, request

API_PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: "リクエストが正しくありません",
    401: "認証が必要です",
    403: "権限がありません",
    404: "見つかりません",
    405: "この操作はできません",
    406: "この形式では返せません",
    409: "他の更新と競合しました",
    412: "前提条件が満たされていません",
    413: "リクエストが大きすぎます",
    415: "この形式は受け付けません",
    422: "入力内容に誤りがあります",
    428: "版の指定が必要です",
    429: "リクエストが多すぎます",
    500: "サーバーでエラーが発生しました",
}
DETAILS = {
    400: "リクエストの形式を確認してください。",
    401: "Authorization: Bearer ヘッダーで有効なトークンを送ってください。",
    403: "この操作をする権限がありません。",
    404: "指定したものは存在しないか、表示する権限がありません。",
    405: "このURLではそのメソッドは使えません。",
    413: "リクエストが大きすぎます。",
    415: "本文は application/json で送ってください。",
    429: "しばらく待ってから、もう一度お試しください。",
    500: "時間をおいてもう一度お試しください。続く場合は事務局へ連絡してください。",
}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(status: int, detail: str | None = None, *, headers=None, **extensions) -> Response:
    """A problem details response; `extensions` add members (e.g. `errors`, `current`)."""
    title = TITLES.get(status) or HTTPStatus(status).phrase
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail or DETAILS.get(status, title),
        "instance": request.path,
        **extensions,
    }
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    response.headers.extend(headers or {})
    return response


def problem_from_exception(error) -> Response:
    """The problem details of an HTTPException raised under /api/: its status, its headers (Allow,
    WWW-Authenticate), the field errors of a request that did not validate, Retry-After of a 429."""
    status = error.code or 500
    headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
    extensions = {}
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if messages:  # webargs: {location: {field: [message, …]}}
        extensions["errors"] = [
            {"location": location, "field": field, "messages": _flat(found)}
            for location, fields in messages.items()
            for field, found in (fields.items() if isinstance(fields, dict) else [("", fields)])
        ]
    detail = DETAILS.get(status)
    if extensions.get("errors"):
        detail = "入力内容に誤りがあります: " + " ".join(
            f"{item['field'] or item['location']}: {'、'.join(item['messages'])}"
            for item in extensions["errors"]
        )
    if status == 429 and "Retry-After" not in headers:
        window = getattr(getattr(error, "limit", None), "limit", None)
        headers["Retry-After"] = str(window.get_expiry() if window is not None else 60)
    return problem(status, detail, headers=headers, **extensions)


def _flat(messages) -> list[str]:
    """Marshmallow's messages of one field: a list, or nested dicts for lists and nested schemas."""
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _flat(value)]
    if isinstance(messages, list | tuple):
        return [text for value in messages for text in _flat(value)]
    return [str(messages)]
