"""Pages, the API's lists and the calendar feed run a fixed number of SQL queries whatever the amount
of data (no query per row)."""

import sqlalchemy as sa

from bench.queries import recorded_statements
from kosodate.auth.models import Role, User
from kosodate.demo.generate import GenerateSpec, generate
from kosodate.extensions import db
from kosodate.feeds.services import new_address
from kosodate.meetings.models import Meeting, MeetingKind
from kosodate.tokens.services import create_token
from tests.conftest import AuthActions, _empty_all_tables
from tests.factories import PASSWORD

PAGES = [
    "/",
    "/initiatives",
    "/meetings",
    "/agencies",
    "/followups",
    "/followups?view=all&status=all",
    "/followups?overdue=1",
    "/meetings/{meeting}",
    "/meetings/{meeting}/review",
]
#: read with the user's API token, or her calendar address ({feed})
TOKEN_PATHS = [
    "/api/v1/followups?status=all&per_page=100",
    "/api/v1/meetings",
    "/api/v1/initiatives?per_page=100",
    "/api/v1/progress-reports?per_page=100",
    "/api/v1/agencies?per_page=100",
    "/calendar/{feed}.ics",
]
MOST_QUERIES_PER_PAGE = 12
ROLES = [Role.SECRETARIAT, Role.COORDINATOR, Role.AGENCY_MEMBER]


def queries_per_page(app, followups: int, meetings: int) -> dict[tuple[Role, str], int]:
    generate(GenerateSpec(2, 12, 60, followups, meetings, password=PASSWORD))
    db.session.commit()
    counts = {}
    for role in ROLES:
        user = db.session.scalar(sa.select(User).where(User.role == role).order_by(User.id))
        meeting = db.session.scalar(
            sa.select(Meeting.id)
            .where(Meeting.council_id == user.council_id)
            .order_by(Meeting.kind != MeetingKind.LIAISON, Meeting.starts_at.desc())
        )
        client = app.test_client()
        assert AuthActions(client).login(user.email, PASSWORD).status_code == 302
        for path in PAGES:
            with recorded_statements(db.engine) as statements:
                response = client.get(path.format(meeting=meeting))
            assert response.status_code == 200, (role, path)
            counts[role, path] = len(statements)
        headers = {"Authorization": f"Bearer {create_token(user, 'counts', 'read').secret}"}
        feed = new_address(user).token
        db.session.commit()
        for path in TOKEN_PATHS:
            with recorded_statements(db.engine) as statements:
                response = app.test_client().get(path.format(feed=feed), headers=headers)
            assert response.status_code == 200, (role, path)
            counts[role, path] = len(statements)
    db.session.remove()
    _empty_all_tables()
    return counts


def test_query_count_does_not_grow_with_the_data(app):
    few = queries_per_page(app, followups=100, meetings=20)
    many = queries_per_page(app, followups=2000, meetings=300)
    growing = {page: (few[page], many[page]) for page in many if few[page] != many[page]}
    assert not growing, growing
    too_many = {page: count for page, count in many.items() if count > MOST_QUERIES_PER_PAGE}
    assert not too_many, too_many
