"""The retention purge: CASE_RETENTION_YEARS after a case was closed, its personal fields are erased —
the child's name, kana, birth date, municipality and needs, the notes' texts and their versions, the
files, the consents' guardians, the contact persons and emergency reasons. The code, the dates, the
care team's agencies, the counts, the audit events and the access log stay; the purge is audited.

Every purge goes through the purge journal (kosodate.core.purge), whose handler for cases is
`erase_case`: a restore of an older backup purges again what was purged after it was made.
"""

import logging
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import Flask, current_app

from ..core import audit
from ..core.purge import purge, register_purge_handler
from ..core.time import now, today_tokyo
from ..extensions import db
from ..meetings.attachments import storage_dir
from .models import Case, CaseAttachment, CaseNote, CaseNoteVersion, CaseStatus

log = logging.getLogger(__name__)

ERASED = "、".join(
    ("氏名", "ふりがな", "生年月日", "市町村", "医療的ケア", "経過記録の本文", "添付ファイル", "同意者",
     "担当者", "緊急追加の理由")
)  # fmt: skip


@dataclass(frozen=True)
class PurgedCase:
    case_id: int
    code: str
    closed_on: date
    notes: int
    attachments: int


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def purge_expired_cases(
    today: date | None = None, years: int | None = None, dry_run: bool = False
) -> list[PurgedCase]:
    """Erase the personal fields of the cases closed `years` (CASE_RETENTION_YEARS) or more before
    `today`, in the session (the caller commits); with `dry_run` only say which."""
    today = today or today_tokyo()
    years = current_app.config["CASE_RETENTION_YEARS"] if years is None else years
    cases = db.session.scalars(
        sa.select(Case)
        .where(
            Case.status == CaseStatus.CLOSED,
            Case.closed_on <= years_before(today, years),
            Case.purged_at.is_(None),
        )
        .order_by(Case.id)
    ).all()
    purged = []
    for case in cases:
        notes = db.session.scalar(sa.select(sa.func.count()).where(CaseNote.case_id == case.id))
        attachments = db.session.scalars(
            sa.select(CaseAttachment).where(CaseAttachment.case_id == case.id)
        ).all()
        purged.append(PurgedCase(case.id, case.code, case.closed_on, notes, len(attachments)))
        if not dry_run:
            purge(Case.__tablename__, case.id)
            audit.record(
                "case.purge", obj=case, changes={"erased": [None, ERASED], "retention_years": [None, years]}
            )
    return purged


def erase_case(case_id: int) -> None:
    """The purge journal's handler: erase a case's personal fields and files (again, after a restore)."""
    case = db.session.get(Case, case_id)
    if case is None:
        return
    attachments = db.session.scalars(sa.select(CaseAttachment).where(CaseAttachment.case_id == case.id)).all()
    case.child_name = case.child_kana = case.municipality = ""
    case.birth_date, case.needs = None, []
    for member in case.team:
        member.contact_person = member.emergency_reason = ""
    for consent in case.consents:
        consent.guardian_name = consent.relationship_to_child = ""
    notes = sa.select(CaseNote.id).where(CaseNote.case_id == case.id)
    db.session.execute(sa.update(CaseNote).where(CaseNote.case_id == case.id).values(body=""))
    db.session.execute(sa.update(CaseNoteVersion).where(CaseNoteVersion.note_id.in_(notes)).values(body=""))
    folder = storage_dir()
    for attachment in attachments:
        (folder / attachment.stored_name).unlink(missing_ok=True)
        attachment.filename = ""
        attachment.erased_at = attachment.erased_at or now()
    case.purged_at = case.purged_at or now()


register_purge_handler(Case.__tablename__, erase_case)


def run_purge(app: Flask) -> None:
    """The scheduler's daily job."""
    with app.app_context():
        purged = purge_expired_cases()
        db.session.commit()
        if purged:
            log.info("cases purged: %s", ", ".join(case.code for case in purged))
