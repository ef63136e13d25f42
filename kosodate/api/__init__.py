"""The JSON API under /api/v1, for the prefecture's and municipalities' own tools.

Built with flask-smorest: marshmallow schemas check what comes in and shape what goes out, and the
same schemas generate the OpenAPI 3.1 document at /api/v1/openapi.json (README, "API").
"""

import http

from flask import Blueprint, Flask, current_app, render_template
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from ..core.args import ID_MAX, IdConverter
from ..core.problems import MEDIA_TYPE
from .schemas import ProblemSchema

DESCRIPTION = """小児等在宅医療 連携支援の JSON API です。

- 認証: `/settings/tokens` で作る個人用トークンを `Authorization: Bearer …` で送ります。
  read のトークンは読み取りだけ、write は変更もできます。
- 見える範囲は画面と同じです。開けないものは 404 になります。
- 一覧はページ分け（`page`, `per_page`）で、次のページは `Link` ヘッダー（RFC 8288）にあります。
- エラーは `application/problem+json`（RFC 9457）で、`detail` に日本語の説明があります。
- 対応事項の変更は、読んだときの `version`（本文）か `If-Match`（ETag）を送ります。
"""


class KosodateApi(Api):
    """flask-smorest's Api answering errors as problem details."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """kosodate.core.errors already answers problem details for every error under /api/."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "エラー（problem details）", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, MEDIA_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


docs_bp = Blueprint("api_docs", __name__)


@docs_bp.get("/api/v1/docs")
def docs():
    """The API's documentation page (Swagger UI, served by the app itself)."""
    response = current_app.make_response(render_template("api/docs.html"))
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    return response


def init_api(app: Flask) -> None:
    from .catalog import blp as catalog
    from .followups import blp as followups

    app.json.ensure_ascii = False  # Japanese stays readable in curl's output
    api = KosodateApi(
        app,
        spec_kwargs={
            "info": {"description": DESCRIPTION},
            "security": [{"bearerAuth": []}],
        },
    )
    api.spec.components.security_scheme(
        "bearerAuth",
        {"type": "http", "scheme": "bearer", "description": "個人用トークン（/settings/tokens）"},
    )
    # ids in paths are the app's `id` converter (1 … 2³¹−1): integers in the document too
    api.register_converter(
        IdConverter, lambda _converter: {"type": "integer", "minimum": 1, "maximum": ID_MAX}
    )
    for blueprint in (followups, catalog):
        api.register_blueprint(blueprint)
    app.register_blueprint(docs_bp)
