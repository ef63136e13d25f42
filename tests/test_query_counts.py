"""Pages run a fixed number of SQL queries whatever the amount of data (no query per row)."""

import sqlalchemy as sa

from bench.queries import recorded_statements
from kosodate.auth.models import Role, User
from kosodate.demo.generate import GenerateSpec, generate
from kosodate.extensions import db
from kosodate.meetings.models import Meeting, MeetingKind
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
