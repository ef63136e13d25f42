"""Small factories for test objects; each adds to the session and flushes."""

import itertools

from kosodate.agencies.models import Agency, AgencyKind, Council
from kosodate.auth.models import Role, User
from kosodate.auth.passwords import hash_password
from kosodate.extensions import db

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
