"""`demo generate`: synthetic data shaped like the real council, deterministic, in an empty database."""

from datetime import date

import sqlalchemy as sa

from kosodate.agencies.models import Agency, Council
from kosodate.auth.models import Role, User
from kosodate.demo.generate import GenerateSpec, generate
from kosodate.extensions import db
from kosodate.followups.models import OPEN_STATUSES, FollowUp, FollowUpStatus
from kosodate.meetings.models import Meeting, MeetingKind
from kosodate.reports.models import ProgressReport
from tests.conftest import _empty_all_tables
from tests.factories import PASSWORD, make_council

TODAY = date(2026, 11, 25)
SMALL = GenerateSpec(councils=2, agencies=20, users=60, followups=2000, meetings=100, seed=7, today=TODAY)


def followup_fingerprint() -> list[tuple]:
    query = sa.select(
        FollowUp.id, FollowUp.title, FollowUp.due_date, FollowUp.status, FollowUp.responsible_agency_id
    ).order_by(FollowUp.id)
    return [tuple(row) for row in db.session.execute(query)]


def test_generated_data_has_the_asked_size_and_shape(app):
    counts = generate(SMALL)
    db.session.commit()
    assert counts["councils"] == 2
    assert counts["agencies"] == 20
    assert counts["users"] == 60
    assert counts["followups"] == 2000
    assert counts["meetings"] == 100
    followups = db.session.scalars(sa.select(FollowUp)).all()
    open_ = [f for f in followups if f.status in OPEN_STATUSES]
    overdue = [f for f in open_ if f.due_date < TODAY]
    assert 0.25 < len(open_) / len(followups) < 0.35
    assert 0.07 < len(overdue) / len(followups) < 0.13
    for followup in followups[:200]:
        assert followup.responsible_agency.council_id == followup.council_id
        assert all(agency.council_id == followup.council_id for agency in followup.linked_agencies)
        if followup.owner is not None:
            assert followup.owner.agency_id == followup.responsible_agency_id
    done = [f for f in followups if f.status is FollowUpStatus.DONE]
    assert counts["audit_events"] == len(done)  # the history of marking them done
    assert 0 < counts["followup_comments"] < len(followups) / 5
    kinds = set(db.session.scalars(sa.select(Meeting.kind).distinct()))
    assert kinds == set(MeetingKind)
    years = set(db.session.scalars(sa.select(ProgressReport.fiscal_year).distinct()))
    assert years == {2024, 2025, 2026}
    roles = set(db.session.scalars(sa.select(User.role).distinct()))
    assert roles == {Role.SECRETARIAT, Role.COORDINATOR, Role.AGENCY_MEMBER}


def test_the_same_seed_gives_the_same_data(app):
    generate(SMALL)
    db.session.commit()
    first = followup_fingerprint()
    db.session.remove()
    _empty_all_tables()
    generate(SMALL)
    db.session.commit()
    assert followup_fingerprint() == first


def test_password_makes_users_able_to_log_in(app, auth):
    generate(GenerateSpec(councils=1, agencies=3, users=5, followups=10, meetings=2, password=PASSWORD))
    db.session.commit()
    email = db.session.scalar(sa.select(User.email).where(User.role == Role.AGENCY_MEMBER))
    assert auth.login(email, PASSWORD).status_code == 302


def test_without_password_nobody_can_log_in(app, auth):
    generate(GenerateSpec(councils=1, agencies=3, users=5, followups=10, meetings=2))
    db.session.commit()
    email = db.session.scalar(sa.select(User.email).where(User.role == Role.AGENCY_MEMBER))
    response = auth.login(email, PASSWORD)
    assert response.status_code == 200
    assert "メールアドレスまたはパスワードが正しくありません。" in response.get_data(as_text=True)


def test_new_rows_after_generation_get_fresh_ids(app):
    generate(GenerateSpec(councils=2, agencies=4, users=4, followups=10, meetings=2))
    db.session.commit()
    council = make_council("あとから追加した連絡会議")
    db.session.commit()
    assert council.id == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agency)) == 4


def test_cli_refuses_a_database_that_is_not_empty(app, runner):
    make_council()
    db.session.commit()
    result = runner.invoke(args=["demo", "generate", "--followups", "10", "--agencies", "3", "--users", "3"])
    assert result.exit_code != 0
    assert "空ではありません" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Council)) == 1


def test_cli_generates_and_reports_counts(app, runner):
    args = ["--councils", "1", "--agencies", "3", "--users", "4", "--followups", "50", "--meetings", "5"]
    result = runner.invoke(args=["demo", "generate", *args, "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "followups 50" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 50
