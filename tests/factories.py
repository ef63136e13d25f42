"""Small factories for test objects; each adds to the session and flushes."""

import itertools
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from kosodate.agencies.models import Agency, AgencyKind, Council
from kosodate.auth.models import Role, User
from kosodate.auth.passwords import hash_password
from kosodate.core.time import TOKYO, today_tokyo
from kosodate.extensions import db
from kosodate.meetings.models import Meeting, MeetingKind

PASSWORD = "correct-horse-battery"
_sequence = itertools.count(1)


def make_council(name: str | None = None) -> Council:
    council = Council(name=name or f"テスト連絡会議{next(_sequence)}")
    db.session.add(council)
    db.session.flush()
    return council


def make_agency(council: Council, name: str | None = None, kind=AgencyKind.MEDICAL) -> Agency:
    agency = Agency(council=council, name=name or f"テスト機関{next(_sequence)}", kind=kind)
    db.session.add(agency)
    db.session.flush()
    return agency


def make_user(
    agency: Agency | None, role: Role = Role.AGENCY_MEMBER, email: str | None = None, active: bool = True
) -> User:
    user = User(
        email=email or f"user{next(_sequence)}@example.org",
        name="テスト利用者",
        role=role,
        agency=agency,
        active=active,
        password_hash=hash_password(PASSWORD),
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_next_liaison_meeting() -> Meeting:
    """The demo council's liaison meeting after 2018-02-28, a week from today (committed)."""
    meeting = Meeting(
        council_id=db.session.scalar(sa.select(Meeting.council_id).limit(1)),
        kind=MeetingKind.LIAISON,
        title="第３回厚木地域小児等在宅医療連絡会議",
        starts_at=datetime.combine(today_tokyo() + timedelta(days=7), time(14), TOKYO),
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting
