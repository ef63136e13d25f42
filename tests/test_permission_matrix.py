"""Every route × method × role answers as DESIGN.md §4 says. The matrix is checked against
`app.url_map`: a new route that is not in it, or an entry for a route that is gone, fails the test.

Outcomes: "ok" — the request reached its handler (2xx, a redirect elsewhere than the login, or 400
for the empty form the test sends); "login" — sent to the login page; 403; 404; 410 (an e-mail link
used by someone else).
"""

import re

import sqlalchemy as sa

from kosodate.extensions import db
from kosodate.followups.models import FollowUp, FollowUpStatus
from kosodate.reminders.models import UsedLinkToken
from kosodate.reports.models import ProgressReport, ReportStatus
from kosodate.reports.rounds_models import InitiativeProposal, ProposalStatus
from tests.access_world import ROLES, build_world, client_for
from tests.conftest import csrf_token_from

L, OK = "login", "ok"

#: (endpoint, method) → outcome per role, in the order of ROLES:
#: anonymous, admin, secretariat, coordinator, owner, linked, unrelated, other_council
MATRIX = {
    ("auth.login", "GET"): (OK, OK, OK, OK, OK, OK, OK, OK),
    ("auth.login", "POST"): (OK, OK, OK, OK, OK, OK, OK, OK),
    ("auth.logout", "POST"): (L, OK, OK, OK, OK, OK, OK, OK),
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
}


def outcome(response) -> str | int:
    status = response.status_code
    if status == 302 and response.headers["Location"].startswith("/login"):
        # a signed-out user is sent to sign in with ?next=; logging out ends on the plain /login
        return L if "next=" in response.headers["Location"] else OK
    if status in (403, 404, 410):
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


def _restore(world) -> None:
    """Undo what the empty POSTs of the matrix may have changed, so every role meets the same state."""
    db.session.execute(sa.delete(UsedLinkToken))
    db.session.execute(
        sa.update(FollowUp).where(FollowUp.id == world.followup.id).values(status=FollowUpStatus.OPEN)
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
    db.session.commit()


def test_every_route_answers_each_role_as_the_rules_say(app, demo):
    world = build_world()
    mismatches = []
    for role_index, role in enumerate(ROLES):
        client = client_for(app, world, role)
        for (endpoint, method), expected in sorted(MATRIX.items()):
            if endpoint == "auth.logout":
                continue  # last: it ends the role's sessions
            url = world.url(app, endpoint)
            if method == "GET":
                response = client.get(url)
            else:
                token = csrf_token_from(client.get("/login" if role == "anonymous" else "/").get_data(True))
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
