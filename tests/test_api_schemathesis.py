"""Schemathesis against the API's own OpenAPI document, in-process: every operation gets generated
requests, valid and invalid ones, with a write token of the coordinator, on each database. No answer
may be a server error or break the document: its status, content type, headers and body."""

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks

from kosodate import create_app
from kosodate.auth.models import User
from kosodate.extensions import db
from kosodate.tokens.services import create_token

#: examples per operation and database: enough to meet every parameter, while CI stays fast
EXAMPLES = 30

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


def operations() -> list[tuple[str, str]]:
    """(method, path) of every operation, read from the document of an app without a database."""
    document = create_app("testing").test_client().get("/api/v1/openapi.json").get_json()
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    ]


@pytest.mark.parametrize("method, path", operations())
def test_the_api_keeps_to_its_openapi_document(app, demo, method, path):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
    headers = {"Authorization": f"Bearer {create_token(coordinator, 'schemathesis', 'write').secret}"}
    db.session.commit()
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]
    # the token is part of every case, valid or not: the API's 401s have tests of their own
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE, headers=headers),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE, headers=headers),
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def keeps_to_the_document(case):
        case.call_and_validate(checks=CHECKS)

    keeps_to_the_document()
