"""Changing cases: create, edit, the care team and its consent gate, consents, notes, files, settings.

Each change records an audit event and commits nothing (the view or command does). The audit log
outlives the retention purge and is read by people outside the care team, so it names the fields a
change touched but never holds a personal value: no name, birth date, need, note or file name.
"""

from dataclasses import dataclass, fields
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.datastructures import FileStorage

from ..agencies.models import Agency, Council
from ..auth.models import User
from ..core import audit
from ..core.time import now, today_tokyo
from ..extensions import db
from ..meetings.attachments import store_upload
from .events import emergency_member_added
from .models import (
    CareRole,
    CareTeamMember,
    Case,
    CaseAttachment,
    CaseCodeCounter,
    CaseConsent,
    CaseNote,
    CaseNoteVersion,
    CaseStatus,
    ConferenceAgendaItem,
)


class CaseRefused(Exception):
    """A change the rules do not allow; the message is for the user."""


@dataclass
class CaseData:
    """What the case form gives, already checked for type and choice."""

    child_name: str
    child_kana: str
    birth_date: date | None
    municipality: str
    needs: list[str]
    main_hospital: Agency | None
    expected_discharge_date: date | None
    status: CaseStatus


#: personal fields of the form, by label: a change to them is audited by label only
PERSONAL = {
    "child_name": "氏名",
    "child_kana": "ふりがな",
    "birth_date": "生年月日",
    "municipality": "市町村",
    "needs": "医療的ケア",
}


#: how the access log page names the audit events of a case and their fields
ACTION_LABELS = {
    "case.create": "ケースを作成",
    "case.update": "ケースを変更",
    "case.team_add": "支援チームに機関を追加",
    "case.team_remove": "支援チームから機関を外す",
    "case.lead_change": "主担当機関を変更",
    "case.consent": "同意を記録",
    "case.attach": "ファイルを添付",
    "case.note_add": "経過記録を追加",
    "case.note_edit": "経過記録を修正",
    "case.note_correct": "訂正を追記",
    "case.purge": "個人情報を消去（保存期間の経過）",
}
FIELD_LABELS = {
    "code": "ケースコード",
    "status": "状態",
    "lead_agency": "主担当機関",
    "main_hospital": "主に受診する病院",
    "expected_discharge_date": "退院予定日",
    "personal_fields": "個人情報の項目",
    "agency": "機関",
    "role": "役割",
    "emergency": "同意",
    "consent_agencies": "同意の対象",
    "attachment": "ファイル番号",
    "note": "記録番号",
    "corrects": "訂正した記録",
    "version": "版",
    "erased": "消去した項目",
    "retention_years": "保存年数",
}


def _shown(name: str, value) -> str:
    if isinstance(value, Agency):
        return value.name
    if isinstance(value, CaseStatus):
        return value.label
    return "" if value is None else str(value)


def case_code(council: Council, year: int, number: int) -> str:
    return f"{council.case_prefix or f'C{council.id}'}-{year}-{number:04d}"


def next_number(council_id: int, year: int) -> int:
    """The council's next case number for the year. One UPDATE … RETURNING increments the counter, so
    concurrent creations wait on its row lock (PostgreSQL) or the write lock (SQLite), never collide."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(CaseCodeCounter.__table__)
        .values(council_id=council_id, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["council_id", "year"])
    )
    return db.session.scalar(
        sa.update(CaseCodeCounter)
        .where(CaseCodeCounter.council_id == council_id, CaseCodeCounter.year == year)
        .values(last_number=CaseCodeCounter.last_number + 1)
        .returning(CaseCodeCounter.last_number)
        .execution_options(synchronize_session=False)
    )


def create_case(actor: User, data: CaseData, role: CareRole, contact_person: str) -> Case:
    """The actor's agency leads the case and is the first of its care team."""
    if actor.agency is None:
        raise CaseRefused("ケースを作るには、利用者が機関に所属している必要があります。")
    council = actor.agency.council
    year = today_tokyo().year
    number = next_number(council.id, year)
    case = Case(
        council_id=council.id,
        code=case_code(council, year, number),
        year=year,
        number=number,
        lead_agency=actor.agency,
        created_by=actor,
        created_at=now(),
    )
    _apply(case, data)
    case.team.append(CareTeamMember(agency=actor.agency, role=role, contact_person=contact_person,
                                    added_by_id=actor.id, added_at=now()))  # fmt: skip
    db.session.add(case)
    audit.record(
        "case.create",
        actor=actor,
        obj=case,
        changes={"code": [None, case.code], "status": [None, case.status.label],
                 "lead_agency": [None, actor.agency.name]},
    )  # fmt: skip
    return case


def update_case(actor: User, case: Case, data: CaseData) -> dict:
    before = {field.name: getattr(case, field.name) for field in fields(CaseData)}
    _apply(case, data)
    changed = [name for name, value in before.items() if getattr(case, name) != value]
    changes = {
        name: [_shown(name, before[name]), _shown(name, getattr(case, name))]
        for name in changed
        if name not in PERSONAL
    }
    personal = [label for name, label in PERSONAL.items() if name in changed]
    if personal:
        changes["personal_fields"] = [None, "、".join(personal)]
    if changes:
        audit.record("case.update", actor=actor, obj=case, changes=changes)
    return changes


def _apply(case: Case, data: CaseData) -> None:
    if case.status is not CaseStatus.CLOSED and data.status is CaseStatus.CLOSED:
        case.closed_on = today_tokyo()
    elif data.status is not CaseStatus.CLOSED:
        case.closed_on = None
    for field in fields(CaseData):
        setattr(case, field.name, getattr(data, field.name))


# --- the care team -------------------------------------------------------------------------------


def add_team_member(
    actor: User, case: Case, agency: Agency, role: CareRole, contact_person: str, emergency_reason: str = ""
) -> CareTeamMember:
    """An agency the consent does not cover joins only in an emergency, with a written reason; the
    lead agency's members and the secretariat are told (by the case code)."""
    if agency.council_id != case.council_id or not agency.active:
        raise CaseRefused("この連絡会議の機関から選んでください。")
    if agency.id in case.team_agency_ids:
        raise CaseRefused(f"「{agency.name}」は既に支援チームに入っています。")
    emergency = agency.id not in case.consented_agency_ids
    if emergency and not emergency_reason.strip():
        raise CaseRefused(
            f"「{agency.name}」は同意の範囲に含まれていません。保護者の同意を記録してから加えてください。"
            "緊急で加える場合は、その理由を書いてください。"
        )
    member = next((m for m in case.team if m.agency_id == agency.id), None)
    if member is None:
        member = CareTeamMember(agency=agency)
        case.team.append(member)
    member.role, member.contact_person = role, contact_person
    member.emergency, member.emergency_reason = emergency, emergency_reason.strip() if emergency else ""
    member.added_at, member.added_by_id, member.removed_at = now(), actor.id, None
    changes = {"agency": [None, agency.name], "role": [None, role.label]}
    if emergency:
        changes["emergency"] = [None, "同意の範囲外（緊急）"]
    audit.record("case.team_add", actor=actor, obj=case, changes=changes)
    if emergency:
        db.session.flush()
        emergency_member_added.send(member, actor=actor)
    return member


def remove_team_member(actor: User, case: Case, member: CareTeamMember) -> None:
    if member.removed_at is not None:
        raise CaseRefused(f"「{member.agency.name}」は既に支援チームから外れています。")
    if member.agency_id == case.lead_agency_id:
        raise CaseRefused("主担当機関は外せません。先に主担当機関を他の機関に移してください。")
    member.removed_at = now()
    audit.record("case.team_remove", actor=actor, obj=case, changes={"agency": [member.agency.name, None]})


def make_lead(actor: User, case: Case, member: CareTeamMember) -> None:
    if member.removed_at is not None:
        raise CaseRefused("支援チームの機関から選んでください。")
    if member.agency_id == case.lead_agency_id:
        return
    before = case.lead_agency.name
    case.lead_agency = member.agency
    audit.record(
        "case.lead_change", actor=actor, obj=case, changes={"lead_agency": [before, member.agency.name]}
    )


# --- consents, notes, files ----------------------------------------------------------------------


def record_consent(
    actor: User,
    case: Case,
    guardian_name: str,
    relationship_to_child: str,
    given_on: date,
    agencies: list[Agency],
    form_upload: FileStorage | None = None,
) -> CaseConsent:
    consent = CaseConsent(
        guardian_name=guardian_name, relationship_to_child=relationship_to_child, given_on=given_on,
        agencies=agencies, recorded_by=actor, recorded_at=now(),
    )  # fmt: skip
    case.consents.append(consent)
    if form_upload is not None and form_upload.filename:
        attach_file(actor, case, form_upload, consent=consent)
    names = "、".join(agency.name for agency in agencies)
    audit.record("case.consent", actor=actor, obj=case, changes={"consent_agencies": [None, names]})
    return consent


def attach_file(actor: User, case: Case, upload: FileStorage, consent: CaseConsent | None = None):
    """Raises meetings.attachments.AttachmentRefused (nothing kept) for a file we do not keep."""
    stored = store_upload(upload)
    attachment = CaseAttachment(
        case=case, consent=consent, filename=stored.filename, stored_name=stored.stored_name,
        content_type=stored.content_type, size=stored.size, uploaded_by_id=actor.id, uploaded_at=now(),
    )  # fmt: skip
    db.session.add(attachment)
    db.session.flush()
    audit.record("case.attach", actor=actor, obj=case, changes={"attachment": [None, attachment.id]})
    return attachment


def add_note(
    actor: User, case: Case, noted_on: date, body: str, corrects: CaseNote | None = None
) -> CaseNote:
    note = CaseNote(
        case=case, agency_id=actor.agency_id, author=actor, noted_on=noted_on, body=body,
        corrects_id=corrects.id if corrects else None, created_at=now(), updated_at=now(),
    )  # fmt: skip
    note.versions.append(
        CaseNoteVersion(version=1, noted_on=noted_on, body=body, saved_at=now(), saved_by=actor)
    )
    db.session.add(note)
    db.session.flush()
    action = "case.note_correct" if corrects else "case.note_add"
    changes = {"note": [None, note.id]} | ({"corrects": [None, corrects.id]} if corrects else {})
    audit.record(action, actor=actor, obj=case, changes=changes)
    return note


def edit_note(actor: User, note: CaseNote, noted_on: date, body: str) -> None:
    """Within the author's 24 hours (the rule checks); the earlier text stays as a version."""
    if (note.noted_on, note.body) == (noted_on, body):
        return
    note.version += 1
    note.noted_on, note.body, note.updated_at = noted_on, body, now()
    note.versions.append(
        CaseNoteVersion(version=note.version, noted_on=noted_on, body=body, saved_at=now(), saved_by=actor)
    )
    audit.record(
        "case.note_edit", actor=actor, obj=note.case,
        changes={"note": [None, note.id], "version": [note.version - 1, note.version]},
    )  # fmt: skip


def correct_note(actor: User, note: CaseNote, body: str) -> CaseNote:
    """訂正: appended under the note, dated today; the note itself stays as it was."""
    return add_note(actor, note.case, today_tokyo(), body, corrects=note)


# --- the council's settings ----------------------------------------------------------------------


def save_settings(actor: User, council: Council, case_prefix: str, agenda: list[str]) -> None:
    before_prefix = council.case_prefix
    before_agenda = [item.title for item in _agenda_items(council.id)]
    council.case_prefix = case_prefix
    if agenda != before_agenda:
        db.session.execute(
            sa.delete(ConferenceAgendaItem).where(ConferenceAgendaItem.council_id == council.id)
        )
        db.session.add_all(
            ConferenceAgendaItem(council_id=council.id, position=position, title=title)
            for position, title in enumerate(agenda, start=1)
        )
    changes = {}
    if before_prefix != case_prefix:
        changes["case_prefix"] = [before_prefix, case_prefix]
    if agenda != before_agenda:
        changes["conference_agenda"] = ["\n".join(before_agenda), "\n".join(agenda)]
    if changes:
        audit.record("council.case_settings", actor=actor, obj=council, changes=changes)


def _agenda_items(council_id: int) -> list[ConferenceAgendaItem]:
    return list(
        db.session.scalars(
            sa.select(ConferenceAgendaItem)
            .where(ConferenceAgendaItem.council_id == council_id)
            .order_by(ConferenceAgendaItem.position)
        )
    )
