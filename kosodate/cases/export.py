"""The cases in a council's export (/admin/councils/<id>/export): codes, states and care teams as
plain CSVs; the children's data, consents, notes, the case meetings and every file of a case only
encrypted with BACKUP_KEY (personal kinds)."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..agencies.models import Council
from ..backups.council_export import ExportKind, register_export_kind
from ..backups.export_kinds import UNSAFE_NAME, attachment_arcname
from ..extensions import db
from ..meetings.attachments import attachment_path, storage_dir
from ..meetings.models import Attachment, Meeting
from .models import CareTeamMember, Case, CaseAttachment, CaseConsent, CaseNote


def _cases(council: Council) -> list[Case]:
    query = sa.select(Case).where(Case.council_id == council.id).order_by(Case.id)
    return list(db.session.scalars(query.options(selectinload(Case.consents))))


def _case_rows(council: Council):
    for case in _cases(council):
        yield (case.id, case.code, case.status, case.lead_agency_id, case.created_at, case.closed_on,
               case.purged_at)  # fmt: skip


def _team_rows(council: Council):
    query = (
        sa.select(CareTeamMember)
        .join(CareTeamMember.case)
        .where(Case.council_id == council.id)
        .order_by(CareTeamMember.case_id, CareTeamMember.id)
    )
    for member in db.session.scalars(query):
        yield (member.id, member.case_id, member.agency_id, member.role, member.emergency, member.added_at,
               member.removed_at)  # fmt: skip


def _child_rows(council: Council):
    for case in _cases(council):
        yield (case.id, case.child_name, case.child_kana, case.birth_date, case.municipality,
               "、".join(case.need_labels), case.main_hospital_id, case.expected_discharge_date)  # fmt: skip


def _contact_rows(council: Council):
    query = (
        sa.select(CareTeamMember)
        .join(CareTeamMember.case)
        .where(Case.council_id == council.id)
        .order_by(CareTeamMember.case_id, CareTeamMember.id)
    )
    for member in db.session.scalars(query):
        yield member.id, member.case_id, member.contact_person, member.emergency_reason


def _consent_rows(council: Council):
    query = (
        sa.select(CaseConsent)
        .join(CaseConsent.case)
        .where(Case.council_id == council.id)
        .options(selectinload(CaseConsent.agencies))
        .order_by(CaseConsent.id)
    )
    for consent in db.session.scalars(query):
        yield (consent.id, consent.case_id, consent.guardian_name, consent.relationship_to_child,
               consent.given_on, " ".join(str(agency.id) for agency in consent.agencies))  # fmt: skip


def _note_rows(council: Council):
    query = sa.select(CaseNote).join(CaseNote.case).where(Case.council_id == council.id).order_by(CaseNote.id)
    for note in db.session.scalars(query):
        yield (note.id, note.case_id, note.agency_id, note.author_id, note.noted_on, note.body,
               note.corrects_id, note.version)  # fmt: skip


def _case_meetings(council: Council) -> list[Meeting]:
    query = sa.select(Meeting).where(Meeting.council_id == council.id, Meeting.case_id.is_not(None))
    return list(db.session.scalars(query.order_by(Meeting.starts_at, Meeting.id)))


def _meeting_rows(council: Council):
    for meeting in _case_meetings(council):
        yield (meeting.id, meeting.case_id, meeting.kind, meeting.title, meeting.starts_at, meeting.place,
               meeting.notes, meeting.minutes)  # fmt: skip


def _case_file_arcname(attachment: CaseAttachment) -> str:
    return f"case_files/{attachment.case_id}/{attachment.id}_{UNSAFE_NAME.sub('_', attachment.filename)}"


def _files(council: Council):
    """Every file of a case and of a case's meetings, as it is on disk (purged ones are gone)."""
    case_files = db.session.scalars(
        sa.select(CaseAttachment).join(CaseAttachment.case).where(Case.council_id == council.id)
    )
    for attachment in case_files:
        path = storage_dir() / attachment.stored_name
        if attachment.erased_at is None and path.exists():
            yield _case_file_arcname(attachment), path
    meeting_files = db.session.scalars(
        sa.select(Attachment)
        .join(Attachment.meeting)
        .where(Meeting.council_id == council.id, Meeting.case_id.is_not(None))
    )
    for attachment in meeting_files:
        if attachment_path(attachment).exists():
            yield attachment_arcname(attachment), attachment_path(attachment)


for _kind in (
    ExportKind("cases.csv", "ケース（コード・状態）", _case_rows, (
        ("ID", "ケースの番号"), ("ケースコード", "例: ATG-2026-0001"),
        ("状態", "入院中・退院調整中・在宅・終了"),
        ("主担当機関ID", "関係機関のID"), ("登録日時", ""), ("終了日", ""),
        ("個人情報の消去日時", "保存期間を過ぎて消去した日時"))),
    ExportKind("case_team.csv", "ケースの支援チーム", _team_rows, (
        ("ID", "メンバーの番号"), ("ケースID", ""), ("機関ID", "関係機関のID"), ("役割", ""),
        ("緊急追加", "同意の範囲外から緊急に加えた"), ("追加日時", ""), ("外れた日時", ""))),
    ExportKind("case_children.csv", "ケースのお子さん", _child_rows, personal=True, columns=(
        ("ケースID", ""), ("氏名", ""), ("ふりがな", ""), ("生年月日", ""), ("市町村", ""),
        ("医療的ケア", ""), ("主な病院ID", "関係機関のID"), ("退院予定日", ""))),
    ExportKind("case_team_contacts.csv", "支援チームの担当者と緊急追加の理由", _contact_rows, personal=True,
               columns=(("メンバーID", "case_team.csv のID"), ("ケースID", ""), ("担当者", ""),
                        ("緊急追加の理由", ""))),
    ExportKind("case_consents.csv", "同意", _consent_rows, personal=True, columns=(
        ("ID", "同意の番号"), ("ケースID", ""), ("同意者", ""), ("続柄", ""), ("同意日", ""),
        ("対象機関ID", "同意の対象の関係機関（空白区切り）"))),
    ExportKind("case_notes.csv", "経過記録", _note_rows, personal=True, columns=(
        ("ID", "記録の番号"), ("ケースID", ""), ("機関ID", "記入した機関"), ("記入者ID", "利用者のID"),
        ("日付", ""), ("本文", ""), ("訂正対象ID", "訂正する記録のID"), ("版", ""))),
    ExportKind("case_meetings.csv", "ケースの会議（退院前カンファレンスなど）", _meeting_rows, files=_files,
               personal=True, columns=(
        ("ID", "会議の番号"), ("ケースID", ""), ("種別", ""), ("会議名", ""), ("日時", ""), ("場所", ""),
        ("メモ", ""), ("議事録", ""))),
):  # fmt: skip
    register_export_kind(_kind)
