"""Every route × method × role answers as DESIGN.md §4 says. The matrix is checked against
`app.url_map`: a new route that is not in it, or an entry for a route that is gone, fails the test.

Outcomes: "ok" — the request reached its handler (2xx, a redirect elsewhere than the login, or 400
for the empty form the test sends); "login" — sent to the login page; 403; 404; 410 (an e-mail link
used by someone else). The JSON API (`/api/v1/…`) is called with each role's bearer token, the
"anonymous" column without one (401); 422 is a body the API refused for that user (an agency member
creating a follow-up for another agency, an agency of another council).
"""

import re

import sqlalchemy as sa

from kosodate.auth.models import User
from kosodate.extensions import db
from kosodate.feeds.models import CalendarFeed
from kosodate.followups.models import FollowUp, FollowUpStatus
from kosodate.meetings.models import Meeting
from kosodate.reminders.models import UsedLinkToken
from kosodate.reports.models import ProgressReport, ReportStatus
from kosodate.reports.rounds_models import InitiativeProposal, ProposalStatus
from tests.access_world import ROLES, api_headers, build_world, client_for, restore_case
from tests.conftest import csrf_token_from

L, OK = "login", "ok"

#: (endpoint, method) → outcome per role, in the order of ROLES:
#: anonymous, admin, secretariat, coordinator, owner, linked, unrelated, other_council
MATRIX = {
    ("auth.login", "GET"): (OK, OK, OK, OK, OK, OK, OK, OK),
    ("auth.login", "POST"): (OK, OK, OK, OK, OK, OK, OK, OK),
    ("auth.logout", "POST"): (OK, OK, OK, OK, OK, OK, OK, OK),  # signed out already: to /login
    ("health.healthz", "GET"): (OK, OK, OK, OK, OK, OK, OK, OK),
    ("static", "GET"): (OK, OK, OK, OK, OK, OK, OK, OK),
    ("dashboard.index", "GET"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("agencies.list_agencies", "GET"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("followups.list_view", "GET"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("followups.detail", "GET"): (L, OK, OK, OK, OK, OK, 404, 404),
    ("followups.create", "GET"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("followups.create", "POST"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("followups.edit", "GET"): (L, OK, OK, OK, OK, 403, 404, 404),
    ("followups.edit", "POST"): (L, OK, OK, OK, OK, 403, 404, 404),
    ("followups.change_status", "POST"): (L, OK, OK, OK, OK, 403, 404, 404),
    ("followups.comment", "POST"): (L, OK, OK, OK, OK, OK, 404, 404),
    ("followups.bulk", "POST"): (L, OK, OK, OK, 403, 403, 403, OK),
    # the people of an agency, for the owner pickers: anyone of the agency's council
    ("followups.owners", "GET"): (L, OK, OK, OK, OK, OK, OK, 404),
    ("initiatives.list_view", "GET"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("initiatives.detail", "GET"): (L, OK, OK, OK, OK, OK, OK, 404),
    ("meetings.list_view", "GET"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("meetings.detail", "GET"): (L, OK, OK, OK, OK, OK, OK, 404),
    ("meetings.create", "GET"): (L, OK, OK, OK, 403, 403, 403, OK),
    ("meetings.create", "POST"): (L, OK, OK, OK, 403, 403, 403, OK),
    ("meetings.edit", "GET"): (L, OK, OK, OK, OK, 403, 403, 404),
    ("meetings.edit", "POST"): (L, OK, OK, OK, OK, 403, 403, 404),
    ("meetings.upload", "POST"): (L, OK, OK, OK, OK, 403, 403, 404),
    ("meetings.download", "GET"): (L, OK, OK, OK, OK, OK, OK, 404),
    ("meetings.review", "GET"): (L, OK, OK, OK, OK, OK, OK, 404),
    ("meetings.review_print", "GET"): (L, OK, OK, OK, OK, OK, OK, 404),
    ("meetings.review_xlsx", "GET"): (L, OK, OK, OK, OK, OK, OK, 404),
    ("reports.progress", "GET"): (L, OK, OK, OK, OK, OK, OK, 404),
    ("reports.progress_download", "GET"): (L, OK, OK, OK, OK, OK, OK, 404),
    ("report_imports.upload", "GET"): (L, OK, OK, 403, 403, 403, 403, OK),
    ("report_imports.upload", "POST"): (L, OK, OK, 403, 403, 403, 403, OK),
    ("report_imports.confirm", "POST"): (L, OK, OK, 403, 403, 403, 403, OK),
    ("report_rounds.rounds", "GET"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("report_rounds.rounds", "POST"): (L, OK, OK, 403, 403, 403, 403, OK),
    ("report_rounds.round_page", "GET"): (L, OK, OK, OK, OK, OK, OK, 404),
    ("report_rounds.remind", "POST"): (L, OK, OK, 403, 403, 403, 403, 404),
    ("report_rounds.mine", "GET"): (L, 404, OK, OK, OK, OK, OK, OK),
    ("report_rounds.edit_report", "GET"): (L, OK, OK, 403, OK, 403, 403, 404),
    ("report_rounds.edit_report", "POST"): (L, OK, OK, 403, OK, 403, 403, 404),
    ("report_rounds.submit", "GET"): (L, OK, OK, 403, OK, 403, 403, 404),
    ("report_rounds.submit", "POST"): (L, OK, OK, 403, OK, 403, 403, 404),
    ("report_rounds.reopen", "POST"): (L, OK, OK, 403, 403, 403, 403, 404),
    ("report_rounds.propose", "GET"): (L, 403, 403, 403, OK, OK, OK, 404),
    ("report_rounds.propose", "POST"): (L, 403, 403, 403, OK, OK, OK, 404),
    ("report_rounds.decide", "POST"): (L, OK, OK, 403, 403, 403, 403, 404),
    ("reminders.notifications", "GET"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("reminders.notifications", "POST"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("reminders.outbox", "GET"): (L, OK, 403, 403, 403, 403, 403, 403),
    ("reminders.retry_message", "POST"): (L, OK, 404, 404, 404, 404, 404, 404),
    # the e-mail's one-click link is for the follow-up's owner only, signed in or not
    ("reminders.one_click", "GET"): (OK, 410, 410, 410, OK, 410, 410, 410),
    ("reminders.one_click", "POST"): (OK, 410, 410, 410, OK, 410, 410, 410),
    # sign-in security: one's own account; the second step answers only a half-signed-in visitor
    ("auth.login_2fa", "GET"): (OK, OK, OK, OK, OK, OK, OK, OK),
    ("auth.login_2fa", "POST"): (OK, OK, OK, OK, OK, OK, OK, OK),
    ("account.index", "GET"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("account.reauth", "GET"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("account.reauth", "POST"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("account.two_factor_page", "GET"): (OK, OK, OK, OK, OK, OK, OK, OK),
    ("account.two_factor_page", "POST"): (OK, OK, OK, OK, OK, OK, OK, OK),
    # administration: admins everyone and everything; the secretariat its own council's agencies and
    # users (the other council's secretariat sees its own lists, and 404 for this council's objects)
    ("user_admin.index", "GET"): (L, OK, OK, 403, 403, 403, 403, OK),
    ("user_admin.invite", "GET"): (L, OK, OK, 403, 403, 403, 403, OK),
    ("user_admin.invite", "POST"): (L, OK, OK, 403, 403, 403, 403, OK),
    ("user_admin.detail", "GET"): (L, OK, OK, 403, 403, 403, 403, 404),
    ("user_admin.detail", "POST"): (L, OK, OK, 403, 403, 403, 403, 404),
    # the invitation's link is its own authorisation, whoever opens it
    ("invitations.set_password", "GET"): (OK, OK, OK, OK, OK, OK, OK, OK),
    ("invitations.set_password", "POST"): (OK, OK, OK, OK, OK, OK, OK, OK),
    ("agency_admin.index", "GET"): (L, OK, OK, 403, 403, 403, 403, OK),
    ("agency_admin.create", "GET"): (L, OK, OK, 403, 403, 403, 403, OK),
    ("agency_admin.create", "POST"): (L, OK, OK, 403, 403, 403, 403, OK),
    ("agency_admin.edit", "GET"): (L, OK, OK, 403, 403, 403, 403, 404),
    ("agency_admin.edit", "POST"): (L, OK, OK, 403, 403, 403, 403, 404),
    ("council_admin.index", "GET"): (L, OK, 403, 403, 403, 403, 403, 403),
    ("council_admin.index", "POST"): (L, OK, 403, 403, 403, 403, 403, 403),
    ("council_admin.detail", "GET"): (L, OK, 403, 403, 403, 403, 403, 404),
    ("council_admin.detail", "POST"): (L, OK, 403, 403, 403, 403, 403, 404),
    ("council_admin.add_item", "POST"): (L, OK, 403, 403, 403, 403, 403, 404),
    ("council_admin.edit_item", "POST"): (L, OK, 403, 403, 403, 403, 403, 404),
    ("council_admin.move_item", "POST"): (L, OK, 403, 403, 403, 403, 403, 404),
    ("audit_log.index", "GET"): (L, OK, OK, 403, 403, 403, 403, OK),
    ("audit_log.export_csv", "GET"): (L, OK, OK, 403, 403, 403, 403, OK),
    ("backups.index", "GET"): (L, OK, 403, 403, 403, 403, 403, 403),
    ("backups.create", "POST"): (L, OK, 403, 403, 403, 403, 403, 403),
    ("backups.download", "GET"): (L, 404, 403, 403, 403, 403, 403, 403),  # no such archive
    ("backups.council_export", "GET"): (L, OK, OK, 403, 403, 403, 403, 404),
    ("meetings.cancel", "POST"): (L, OK, OK, OK, OK, 403, 403, 404),
    # the calendar: the address is the key (the owner's address, whoever holds it)
    ("feeds.settings", "GET"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("feeds.renew", "POST"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("feeds.feed", "GET"): (OK, OK, OK, OK, OK, OK, OK, OK),
    # personal access tokens: one's own only (the token of the matrix belongs to the owner)
    ("tokens.settings", "GET"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("tokens.create", "POST"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("tokens.revoke", "POST"): (L, 404, 404, 404, OK, 404, 404, 404),
    # the JSON API: no token is 401; what a user cannot open is 404 as on the pages
    ("api-docs.openapi_json", "GET"): (OK, OK, OK, OK, OK, OK, OK, OK),
    ("api_docs.docs", "GET"): (OK, OK, OK, OK, OK, OK, OK, OK),
    ("api_followups.list_view", "GET"): (401, OK, OK, OK, OK, OK, OK, OK),
    ("api_followups.detail", "GET"): (401, OK, OK, OK, OK, OK, 404, 404),
    ("api_followups.comments", "GET"): (401, OK, OK, OK, OK, OK, 404, 404),
    ("api_followups.create", "POST"): (401, OK, OK, OK, OK, 422, 422, 422),
    ("api_followups.update", "PATCH"): (401, OK, OK, OK, OK, 403, 404, 404),
    ("api_followups.change_status", "POST"): (401, OK, OK, OK, OK, 403, 404, 404),
    ("api_followups.add_comment", "POST"): (401, OK, OK, OK, OK, OK, 404, 404),
    ("api_catalog.meetings", "GET"): (401, OK, OK, OK, OK, OK, OK, OK),
    ("api_catalog.meeting", "GET"): (401, OK, OK, OK, OK, OK, OK, 404),
    ("api_catalog.initiatives", "GET"): (401, OK, OK, OK, OK, OK, OK, OK),
    ("api_catalog.initiative", "GET"): (401, OK, OK, OK, OK, OK, OK, 404),
    ("api_catalog.progress_reports", "GET"): (401, OK, OK, OK, OK, OK, OK, OK),
    ("api_catalog.progress_report", "GET"): (401, OK, OK, OK, OK, OK, OK, 404),
    ("api_catalog.agencies", "GET"): (401, OK, OK, OK, OK, OK, OK, OK),
    ("api_catalog.agency", "GET"): (401, OK, OK, OK, OK, OK, OK, 404),
    # cases: the care team (owner: its lead agency; linked: a member) sees it; everyone else 404
    ("cases.list_view", "GET"): (L, OK, OK, OK, OK, OK, OK, OK),
    ("cases.create", "GET"): (L, 403, OK, OK, OK, OK, OK, OK),
    ("cases.create", "POST"): (L, 403, OK, OK, OK, OK, OK, OK),
    ("cases.detail", "GET"): (L, 404, 404, 404, OK, OK, 404, 404),
    ("cases.edit", "GET"): (L, 404, 404, 404, OK, OK, 404, 404),
    ("cases.edit", "POST"): (L, 404, 404, 404, OK, OK, 404, 404),
    ("cases.settings", "GET"): (L, OK, OK, 403, 403, 403, 403, 404),
    ("cases.settings", "POST"): (L, OK, OK, 403, 403, 403, 403, 404),
    ("case_records.add_member", "POST"): (L, 404, 404, 404, OK, 403, 404, 404),
    ("case_records.remove_member", "POST"): (L, 404, 404, 404, OK, 403, 404, 404),
    ("case_records.make_lead", "POST"): (L, 404, 404, 404, OK, 403, 404, 404),
    ("case_records.record_consent", "POST"): (L, 404, 404, 404, OK, OK, 404, 404),
    ("case_records.upload", "POST"): (L, 404, 404, 404, OK, OK, 404, 404),
    ("case_records.download", "GET"): (L, 404, 404, 404, OK, OK, 404, 404),
    ("case_records.add_note", "POST"): (L, 404, 404, 404, OK, OK, 404, 404),
    ("case_records.note", "GET"): (L, 404, 404, 404, OK, OK, 404, 404),
    # the note is the owner's: only its author edits it (24 hours), only her agency appends a correction
    ("case_records.edit_note", "GET"): (L, 404, 404, 404, OK, 403, 404, 404),
    ("case_records.edit_note", "POST"): (L, 404, 404, 404, OK, 403, 404, 404),
    ("case_records.correct_note", "POST"): (L, 404, 404, 404, OK, 403, 404, 404),
    # the access log: the lead agency and the council's secretariat (and admins)
    ("case_log.access_log", "GET"): (L, OK, OK, 404, OK, 403, 404, 404),
    ("case_log.access_log_csv", "GET"): (L, OK, OK, 404, OK, 403, 404, 404),
}


def api_body(endpoint: str, world) -> dict | None:
    """A body the API accepts from those allowed, so that the matrix measures the rules, not
    validation; the update changes nothing, the status change is undone by _restore."""
    return {
        "api_followups.create": {
            "title": "マトリクスから",
            "responsible_agency_id": world.followup.responsible_agency_id,
        },
        "api_followups.update": {"title": world.followup.title},
        "api_followups.change_status": {"action": "start"},
        "api_followups.add_comment": {"body": "マトリクスから"},
    }.get(endpoint)


def outcome(response) -> str | int:
    status = response.status_code
    if status == 302 and response.headers["Location"].startswith("/login"):
        # a signed-out user is sent to sign in with ?next=; logging out ends on the plain /login
        return L if "next=" in response.headers["Location"] else OK
    if status in (401, 403, 404, 410, 422):
        return status
    if status < 400 or status in (400, 409):
        return OK
    return status


def routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_the_matrix_covers_every_route_and_method(app):
    present = routes(app)
    assert present - MATRIX.keys() == set(), "routes missing from the permission matrix"
    assert MATRIX.keys() - present == set(), "matrix entries for routes that do not exist"


def owner_id(world) -> int:
    return db.session.scalar(sa.select(User.id).where(User.email == world.emails["owner"][0]))


def _restore(world) -> None:
    """Undo what the empty POSTs of the matrix may have changed, so every role meets the same state."""
    db.session.execute(sa.delete(UsedLinkToken))
    db.session.execute(
        sa.update(FollowUp).where(FollowUp.id == world.followup.id).values(status=FollowUpStatus.OPEN)
    )
    db.session.execute(sa.update(Meeting).where(Meeting.id == world.meeting.id).values(cancelled_at=None))
    # the owner's "new address" would make the matrix's feed address 404 for the roles after her
    db.session.execute(
        sa.update(CalendarFeed).where(CalendarFeed.user_id == owner_id(world)).values(token=world.feed_token)
    )
    db.session.execute(
        sa.update(ProgressReport)
        .where(ProgressReport.id == world.report.id)
        .values(status=ReportStatus.SUBMITTED)
    )
    db.session.execute(
        sa.update(InitiativeProposal)
        .where(InitiativeProposal.id == world.proposal_id)
        .values(status=ProposalStatus.PROPOSED)
    )
    restore_case(world)
    db.session.commit()


def test_every_route_answers_each_role_as_the_rules_say(app, demo):
    world = build_world()
    mismatches = []
    for role_index, role in enumerate(ROLES):
        client = client_for(app, world, role)
        # one token serves the whole session (WTF_CSRF_TIME_LIMIT is None)
        token = csrf_token_from(client.get("/login" if role == "anonymous" else "/").get_data(True))
        for (endpoint, method), expected in sorted(MATRIX.items()):
            if endpoint == "auth.logout":
                continue  # last: it ends the role's sessions
            url = world.url(app, endpoint)
            if endpoint.startswith(("api_followups.", "api_catalog.")):
                headers = {**api_headers(world, role), "If-Match": "*"}
                response = client.open(url, method=method, json=api_body(endpoint, world), headers=headers)
                _restore(world)
            elif method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token})
                _restore(world)
            got = outcome(response)
            if got != expected[role_index]:
                mismatches.append(f"{method} {url} as {role}: expected {expected[role_index]}, got {got}")
        token = csrf_token_from(client.get("/login" if role == "anonymous" else "/").get_data(True))
        got = outcome(client.post("/logout", data={"csrf_token": token}))
        if got != MATRIX[("auth.logout", "POST")][role_index]:
            mismatches.append(f"POST /logout as {role}: got {got}")
    assert mismatches == []


def test_an_agency_member_meets_404_not_403_for_what_she_may_not_see(app, demo):
    world = build_world()
    unrelated = client_for(app, world, "unrelated")
    page = unrelated.get(f"/followups/{world.followup.id}")
    assert page.status_code == 404
    assert not re.search("MATRIX-OWNED", page.get_data(as_text=True))
