"""No input gets a 500: every route of `app.url_map`, every form field and query parameter it reads,
with random and malformed values, as an admin and as an agency member. A refused request (4xx, a
form shown again with its errors, an error message after a redirect) changes no row of any table.

The issue's cases come first, one by one, with the answer each must get. Then Hypothesis: its
examples are derandomized (the same on every run; HYPOTHESIS_PROFILE=explore for new ones) and few
per route, to keep the whole under a minute and a half per database.
"""

import io
import os
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qsl, urlencode

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import AnyConverter, IntegerConverter, RequestRedirect, Rule

from kosodate import create_app
from kosodate.agencies.models import Agency
from kosodate.auth.models import User
from kosodate.cases.changes import add_note, attach_file
from kosodate.cases.models import CareTeamMember, Case
from kosodate.core.audit import AuditEvent
from kosodate.core.forms import AppForm, AppSubForm
from kosodate.demo.loader import load_demo
from kosodate.extensions import db
from kosodate.followups.models import FollowUp
from kosodate.initiatives.models import Initiative, PlanItem
from kosodate.meetings.models import Attachment, Meeting
from kosodate.reminders.links import done_token
from kosodate.reminders.models import OutboxMessage, OutboxStatus, ReminderKind
from kosodate.reports.models import ProgressReport
from kosodate.reports.rounds import open_round, propose_initiative
from kosodate.tokens.services import create_token
from tests.conftest import DEMO_PASSWORD, AuthActions, _empty_all_tables, csrf_token_from, make_app
from tests.fuzzing import (
    READ_NAMES,
    Baseline,
    FuzzRequest,
    RecordingRequest,
    fuzz_requests,
    page_forms,
    path_for,
    split_action,
)

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=int(os.environ.get("KOSODATE_FUZZ_EXAMPLES", "20")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("explore", parent=settings.get_profile("ci"), derandomize=False, max_examples=100)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

ROLES = ("admin@example.org", "momiji@example.org")
#: audit events a refused request may leave: the record of the attempt itself
RECORDED_WHEN_REFUSED = ("auth.login_failed", "auth.2fa_failed", "backup.failed")
#: tables a refused request adds to on purpose: a failed sign-in is counted (the lockout), a refused
#: look at a case is logged (its access log)
COUNTED_WHEN_REFUSED = ("login_throttles", "case_access_log")


def _targets() -> list[tuple[str, str]]:
    """Every route and method; the JSON API's are Schemathesis' (tests/test_api_schemathesis.py)."""
    app = create_app("testing")
    return sorted(
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        if not rule.endpoint.startswith(("api_followups.", "api_catalog."))
    )


TARGETS = _targets()


# --- the world the requests are sent into ----------------------------------------------------------


@dataclass
class Target:
    rule: Rule
    method: str
    #: parameter names the view looked up in the query string / the form
    query_names: set[str] = field(default_factory=set)
    form_names: set[str] = field(default_factory=set)
    #: the forms pages offer for this route
    baselines: list[Baseline] = field(default_factory=list)


class World:
    """The demo data, one of every kind of object, a logged-in client per role, and what each route
    reads (learnt by visiting every page once)."""

    def __init__(self, app):
        self.app = app
        # thousands of wrong passwords and codes: the lockout and the sign-in rate limit have tests of
        # their own, and here they would only lock the roles out
        app.config.update(
            LOGIN_MAX_FAILURES=10**9, LOGIN_ADDRESS_MAX_FAILURES=10**9, LOGIN_RATE_LIMIT="1000000 per minute"
        )
        self.ids = _one_of_everything()
        self.users = {email: db.session.scalar(sa.select(User).where(User.email == email)) for email in ROLES}
        self.clients = {}
        self.tokens = {}
        for role in ROLES:
            self.log_in(role)
        self.targets = {
            (rule.endpoint, method): Target(rule, method)
            for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}
        }
        self.ids["attachment_id"] = self._attach()
        momiji = self.users["momiji@example.org"]
        #: good values of query parameters, by name
        self.query_values = {"council": str(momiji.agency.council_id), "agency": str(momiji.agency_id),
                             "meeting": str(self.ids["meeting_id"]), "fy": "2017",
                             "initiative": str(self.ids["initiative_id"])}  # fmt: skip
        self._learn()

    def log_in(self, role: str) -> None:
        client = self.app.test_client()
        assert AuthActions(client).login(role).status_code == 302
        self.clients[role] = client
        self.tokens[role] = csrf_token_from(client.get("/settings/notifications").get_data(as_text=True))

    def known(self, role: str) -> dict[str, str]:
        """A good value of every path argument, as this role would follow a link to it."""
        user_id = self.users[role].id
        return {
            **self.ids,
            "token": done_token(user_id, self.ids["followup_id"]),
            "filename": "css/app.css",
            "name": "kosodate-20180228-090000.tar.gz",
            "feed_token": "no-such-feed",
            "invitation_token": "no-such-invitation",
        }

    def missing_arguments(self, target: Target, role: str) -> set[str]:
        known = self.known(role)
        return {
            name
            for name, converter in target.rule._converters.items()
            if name not in known and not isinstance(converter, AnyConverter)
        }

    def path(self, target: Target, role: str) -> str:
        """The route's URL with good values (the first choice of an <any(…)>)."""
        known = self.known(role)
        return path_for(target.rule, {
            name: sorted(converter.items)[0] if isinstance(converter, AnyConverter) else known[name]
            for name, converter in target.rule._converters.items()
        })  # fmt: skip

    def _attach(self) -> int:
        meeting_id = self.ids["meeting_id"]
        client = self.clients["admin@example.org"]
        pdf = b"%PDF-1.4\n%%EOF\n"
        client.post(
            f"/meetings/{meeting_id}/attachments",
            data={"csrf_token": self.tokens["admin@example.org"], "file": (io.BytesIO(pdf), "別紙.pdf")},
            content_type="multipart/form-data",
        )
        return db.session.scalar(sa.select(Attachment.id).where(Attachment.meeting_id == meeting_id))

    def _learn(self) -> None:
        """Visit every page as every role: note the query parameters each GET reads and the forms
        each page offers; then post an empty form to every POST route to note the names it reads."""
        adapter = self.app.url_map.bind("localhost")
        for role in ROLES:
            for target in self.targets.values():
                if target.method != "GET" or self.missing_arguments(target, role):
                    continue
                path = self.path(target, role)
                READ_NAMES.clear()
                self._note_forms(adapter, path, self.clients[role].get(path))
                target.query_names |= READ_NAMES
                # again with good values of its parameters: /meetings/new?council=1 has a form
                query = {
                    name: self.query_values[name] for name in target.query_names & set(self.query_values)
                }
                if query:
                    page = f"{path}?{urlencode(query)}"
                    self._note_forms(adapter, page, self.clients[role].get(page))
                self.stay_logged_in(role)
        self._preview_an_import()
        for role in ROLES:
            for target in self.targets.values():
                if target.method != "POST" or self.missing_arguments(target, role):
                    continue
                READ_NAMES.clear()
                self.clients[role].post(self.path(target, role), data={"csrf_token": self.tokens[role]})
                target.form_names |= READ_NAMES - {"csrf_token"}
                self.stay_logged_in(role)

    def _preview_an_import(self) -> None:
        """The import's confirmation form is on the page an upload answers with, not on a GET page."""
        role = "admin@example.org"
        query = {"council": self.query_values["council"], "fy": "2017"}
        exported = self.clients[role].get(f"/reports/progress.xlsx?{urlencode(query)}").data
        response = self.clients[role].post(
            "/reports/import",
            data={"csrf_token": self.tokens[role], "council": query["council"], "fiscal_year": "2017",
                  "file": (io.BytesIO(exported), "list.xlsx")},
            content_type="multipart/form-data",
        )  # fmt: skip
        self._note_forms(self.app.url_map.bind("localhost"), "/reports/import", response)

    def _note_forms(self, adapter, page: str, response) -> None:
        if response.mimetype != "text/html":
            return
        for form in page_forms(response.get_data(as_text=True)):
            if form.method != "post":
                continue
            path, query = split_action(page, form.action)
            try:
                endpoint, _args = adapter.match(path, method="POST", query_args=query)
            except (NotFound, MethodNotAllowed, RequestRedirect):
                continue
            target = self.targets[(endpoint, "POST")]
            fields = list(form.fields.values())
            signature = (sorted(f.name for f in fields), query)
            if signature not in [(sorted(f.name for f in b), q) for b, q in target.baselines]:
                target.baselines.append((fields, query))

    def stay_logged_in(self, role: str) -> None:
        """A request may have logged the user out (/logout, a changed password): log in again."""
        with self.clients[role].session_transaction() as session:
            logged_in = session.get("_user_id") is not None
        if not logged_in:
            self.log_in(role)

    def counts(self) -> tuple[int, ...]:
        """Rows of every table, in one query; audit events of refused attempts left out."""
        counts = []
        for table in db.metadata.sorted_tables:
            if table.name in COUNTED_WHEN_REFUSED:
                continue
            query = sa.select(sa.func.count()).select_from(table)
            if table.name == AuditEvent.__tablename__:
                query = query.where(AuditEvent.action.not_in(RECORDED_WHEN_REFUSED))
            counts.append(query.scalar_subquery())
        values = db.session.execute(sa.select(*counts)).one()
        db.session.rollback()
        return tuple(values)

    def send(self, role: str, request: FuzzRequest):
        """Send the request; assert no 500, and no change of any table when it was refused."""
        client = self.clients[role]
        with client.session_transaction() as session:
            session.pop("_flashes", None)
        before = self.counts()
        response = request.send(client)
        body = response.get_data()
        assert response.status_code < 500, body[:2000]
        with client.session_transaction() as session:
            errors = [message for category, message in session.get("_flashes", []) if category == "error"]
        # an error shows as a field's message, or as a flashed one: after a redirect, or on the page
        shown = b"is-invalid" in body or b"alert-danger" in body or bool(errors)
        refused = response.status_code >= 400 or (request.method == "POST" and shown)
        if refused:
            assert self.counts() == before, f"refused ({response.status_code} {errors}) but rows changed"
        self.stay_logged_in(role)
        return response


def _one_of_everything() -> dict[str, int]:
    """Ids of objects both roles can reach: もみじ's follow-up, initiative and report, a meeting of
    the council, a report round with a proposal of もみじ, a failed e-mail; for the admin pages a
    user, an agency and a plan item that are not もみじ's (the admin's requests may change them)."""
    momiji = db.session.scalar(sa.select(User).where(User.email == "momiji@example.org"))
    secretariat = db.session.scalar(sa.select(User).where(User.email == "jimukyoku@example.org"))
    agency = momiji.agency
    followup = db.session.scalar(sa.select(FollowUp).where(FollowUp.responsible_agency_id == agency.id))
    initiative = db.session.scalar(sa.select(Initiative).where(Initiative.lead_agency_id == agency.id))
    meeting = db.session.scalar(sa.select(Meeting).order_by(Meeting.starts_at))
    report_round = open_round(secretariat, agency.council, 2018, date(2019, 1, 31), meeting, "資料２")
    proposal = propose_initiative(momiji, report_round, "新しい取組み", "内容", None, None)
    report = db.session.scalar(
        sa.select(ProgressReport).where(
            ProgressReport.initiative_id == initiative.id, ProgressReport.fiscal_year == 2018
        )
    )
    message = OutboxMessage(
        dedupe_key="fuzz", kind=ReminderKind.ASSIGNED, recipient_email="x@example.org", subject="件名",
        body_text="本文", message_id="<fuzz@example.org>", status=OutboxStatus.FAILED,
    )  # fmt: skip
    db.session.add(message)
    token = create_token(momiji, "連携", "read").token
    # a case もみじ works on, with a note of hers and a file
    case = db.session.scalar(
        sa.select(Case).join(Case.team).where(CareTeamMember.agency_id == agency.id).order_by(Case.id)
    )
    member = next(member for member in case.team if member.agency_id != agency.id)
    note = add_note(momiji, case, date(2026, 4, 1), "経過")
    upload = FileStorage(
        io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="同意書.pdf", content_type="application/pdf"
    )
    case_file = attach_file(momiji, case, upload)
    db.session.commit()
    return {
        "followup_id": followup.id,
        "initiative_id": initiative.id,
        "meeting_id": meeting.id,
        "round_id": report_round.id,
        "proposal_id": proposal.id,
        "report_id": report.id,
        "message_id": message.id,
        "council_id": agency.council_id,
        "token_id": token.id,
        "case_id": case.id,
        "member_id": member.id,
        "note_id": note.id,
        "file_id": case_file.id,
        "user_id": db.session.scalar(sa.select(User.id).where(User.email == "zama@example.org")),
        "agency_id": db.session.scalar(sa.select(Agency.id).where(Agency.name == "厚木医師会")),
        "plan_item_id": db.session.scalar(sa.select(PlanItem.id).order_by(PlanItem.number.desc())),
    }


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory):
    app = make_app(database_url, tmp_path_factory.mktemp("fuzz-instance"))
    app.request_class = RecordingRequest
    with app.app_context():
        load_demo(password=DEMO_PASSWORD)
        db.session.commit()
        yield World(app)
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


# --- the issue's cases -----------------------------------------------------------------------------

CASES = [
    # (role, method, path, form, status, text in the answer)
    ("admin", "GET", "/followups/2147483648", None, 404, "ページが見つかりません"),
    ("admin", "GET", "/followups/99999999999999999999", None, 404, "ページが見つかりません"),
    ("admin", "GET", "/followups?agency=2147483648", None, 200, "対応事項"),
    ("admin", "GET", "/followups?q=%00", None, 400, "制御文字"),
    ("admin", "GET", "/followups?meeting=1e20", None, 200, "対応事項"),
    ("admin", "GET", "/followups?page=100000000000000000000", None, 200, "対応事項"),
    ("admin", "GET", "/followups?due_after=0001-01-01", None, 200, "対応事項"),
    ("admin", "GET", "/reports/progress?council=2147483648", None, 200, "進捗状況一覧"),
    ("admin", "GET", "/meetings?fy=0", None, 200, "会議"),
    ("admin", "GET", "/meetings?fy=10000", None, 200, "会議"),
    ("admin", "GET", "/meetings?page=100000000000000000000", None, 200, "会議"),
    ("admin", "GET", "/meetings?council=2147483648", None, 200, "会議"),
    ("admin", "GET", "/initiatives?fy=0", None, 200, "取組み"),
    ("admin", "GET", "/initiatives?agency=2147483648", None, 200, "取組み"),
    # a follow-up from a meeting that cannot exist: the form is not offered for it
    ("admin", "GET", "/followups/new?meeting=2147483648", None, 404, "ページが見つかりません"),
    ("momiji", "GET", "/meetings/{meeting_id}/attachments/2147483648", None, 404, "ページが見つかりません"),
    ("admin", "POST", "/followups/new", {"priority": "urgent"}, 400, "優先度を一覧から選んでください。"),
    ("admin", "POST", "/followups/new", {"title": "件名\x00"}, 400, "使えない文字（制御文字）"),
    ("admin", "POST", "/followups/new", {"description": "a\x1bb"}, 400, "使えない文字（制御文字）"),
    (
        "admin",
        "POST",
        "/followups/new",
        {"linked_agencies": ["", "2147483648"]},
        400,
        "選択肢にない値があります",
    ),
    ("admin", "POST", "/followups/new", {"responsible_agency": "2147483648"}, 400, "選択肢にない値です"),
    ("admin", "POST", "/followups/new", {"due_date": "0001-01-01"}, 400, "1900年から2100年まで"),
    ("admin", "POST", "/followups/{followup_id}/comments", {"body": "\x00"}, 400, "使えない文字（制御文字）"),
    ("admin", "POST", "/meetings/{meeting_id}/edit", {"day": "0001-01-01"}, 400, "1900年から2100年まで"),
    ("admin", "POST", "/meetings/{meeting_id}/edit", {"title": "会議\x00"}, 400, "使えない文字（制御文字）"),
    (
        "admin",
        "POST",
        "/meetings/{meeting_id}/edit",
        {"kind": "party"},
        400,
        "種別を一覧から選んでください。",
    ),
    (
        "admin",
        "POST",
        "/meetings/{meeting_id}/edit",
        {"attendee_agencies": ["", "99999"]},
        400,
        "選択肢にない値",
    ),
    (
        "momiji",
        "POST",
        "/reports/rounds/{round_id}/proposals/new",
        {"title": "t", "category": "x"},
        400,
        "課題区分を一覧から選んでください。",
    ),
    (
        "momiji",
        "POST",
        "/reports/{report_id}/edit",
        {"proposal_agencies": ["", "2147483648"]},
        400,
        "選択肢にない値",
    ),
    ("momiji", "POST", "/reports/{report_id}/edit", {"progress": "\x00"}, 400, "使えない文字（制御文字）"),
    (
        "admin",
        "POST",
        "/reports/import/confirm",
        {"council": "²", "fiscal_year": "2017", "token": "x"},
        400,
        "リクエストが正しくありません",
    ),
    (
        "admin",
        "POST",
        "/reports/rounds?council={council_id}",
        {"fiscal_year": "1e20", "deadline": "2019-01-31"},
        400,
        "無効な整数です",
    ),
]
BASE_FORMS = {
    "/followups/new": {"title": "件名", "responsible_agency": "{agency_id}", "priority": "normal"},
    "/meetings/{meeting_id}/edit": {
        "title": "会議",
        "kind": "liaison",
        "day": "2018-02-28",
        "start_time": "14:00",
    },
}


@pytest.mark.parametrize(("role", "method", "path", "form", "status", "text"), CASES)
def test_the_issues_cases_get_a_clear_answer_and_store_nothing(world, role, method, path, form, status, text):
    email = f"{role}@example.org"
    momiji = world.users["momiji@example.org"]
    values = {**world.ids, "agency_id": momiji.agency_id, "council_id": momiji.agency.council_id}
    data = [("csrf_token", world.tokens[email])] if method == "POST" else []
    base = {name: value.format(**values) for name, value in BASE_FORMS.get(path, {}).items()}
    for name, value in {**base, **(form or {})}.items():
        data += [(name, item) for item in (value if isinstance(value, list) else [value])]
    path, _, query = path.format(**values).partition("?")
    response = world.send(email, FuzzRequest(method, path, parse_qsl(query, keep_blank_values=True), data))
    assert response.status_code == status
    assert text in response.get_data(as_text=True)


# --- every route, with Hypothesis ----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("target_key", TARGETS, ids=[f"{endpoint}:{method}" for endpoint, method in TARGETS])
@settings(settings.get_profile(PROFILE))
@given(data=st.data())
def test_no_input_gets_a_500(world, target_key, role, data):
    target = world.targets[target_key]
    missing = world.missing_arguments(target, role)
    if missing:
        pytest.fail(
            f"{target.rule.rule}: no known value for {sorted(missing)}; add one to World.known "
            "(tests/test_no_500.py) so that the route can be fuzzed"
        )
    strategy = fuzz_requests(
        target.rule, target.method, world.known(role), world.query_values, target.query_names,
        target.form_names, target.baselines, world.tokens[role],
    )  # fmt: skip
    world.send(role, data.draw(strategy, label="request"))


# --- what makes the above hold for routes still to come ------------------------------------------


def test_every_id_in_a_url_goes_through_the_id_converter():
    """<int:…> lets 2147483648 through to PostgreSQL's integer columns: use <id:…>."""
    app = create_app("testing")
    plain = [rule.rule for rule in app.url_map.iter_rules()
             if any(isinstance(c, IntegerConverter) for c in rule._converters.values())]  # fmt: skip
    assert plain == []


def test_every_form_checks_its_text():
    """A form that is not an AppForm lets NUL bytes through to the database."""
    create_app("testing")  # imports every view and form
    from flask_wtf import FlaskForm
    from wtforms import Form

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [cls for cls in subclasses(Form) if cls.__module__.startswith("kosodate.")]
    unchecked = [
        f"{cls.__module__}.{cls.__name__}" for cls in ours if not issubclass(cls, AppForm | AppSubForm)
    ]
    assert ours and unchecked == []
    assert all(issubclass(cls, AppForm) for cls in ours if issubclass(cls, FlaskForm))


def test_a_json_body_is_no_form(world):
    """Flask-WTF would read a JSON body into the form: numbers and lists where text is expected."""
    role = "admin@example.org"
    client = world.clients[role]
    before = world.counts()
    response = client.post(
        "/followups/new",
        json={"title": 123, "description": ["a"], "responsible_agency": {"id": 1}},
        headers={"X-CSRFToken": world.tokens[role]},
    )
    assert response.status_code == 400
    assert "件名を入力してください。" in response.get_data(as_text=True)
    assert world.counts() == before
