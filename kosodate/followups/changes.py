"""Changing follow-ups: create, edit, status, comments, bulk actions — each kept in the history.

The history of a follow-up is its audit events: who, when, and {field: [old, new]} as shown on screen.
"""

from dataclasses import dataclass
from datetime import date

from ..agencies.models import Agency
from ..auth.models import User
from ..cases.models import Case
from ..core import audit
from ..core.roles import Role
from ..core.time import date_ja, now
from ..extensions import db
from ..initiatives.models import Initiative
from ..meetings.models import Meeting
from .events import followup_assigned
from .models import FollowUp, FollowUpComment, FollowUpPriority, FollowUpStatus


class FollowUpConflict(Exception):
    """The follow-up was changed by someone else since the form was opened."""

    def __init__(self, followup: FollowUp):
        super().__init__(f"follow-up {followup.id} is at version {followup.version}")
        self.followup = followup


class FollowUpRefused(Exception):
    """A change the rules do not allow; the message is for the user, next to the form's `field`."""

    def __init__(self, message: str, field: str = "owner"):
        super().__init__(message)
        self.field = field


@dataclass
class FollowUpData:
    """What the form gives, already checked for type and choice."""

    title: str
    description: str
    responsible_agency: Agency
    owner: User | None
    linked_agencies: list[Agency]
    due_date: date | None
    priority: FollowUpPriority
    discuss_at_next_meeting: bool
    source_meeting: Meeting | None = None
    source_initiative: Initiative | None = None
    #: the case it is for (set when created, never changed)
    case: Case | None = None


#: the fields the history shows, with their labels and how a value is shown
TRACKED = {
    "title": ("件名", str),
    "description": ("内容", str),
    "responsible_agency": ("担当機関", lambda agency: agency.name if agency else ""),
    "owner": ("担当者", lambda user: user.name if user else "（なし）"),
    "linked_agencies": (
        "関係機関",
        lambda agencies: "、".join(agency.name for agency in agencies) or "（なし）",
    ),
    "due_date": ("期限", lambda day: date_ja(day) if day else "（なし）"),
    "priority": ("優先度", lambda priority: priority.label),
    "discuss_at_next_meeting": ("会議で協議したい", lambda flag: "はい" if flag else "いいえ"),
    "status": ("状態", lambda status: status.label),
    "source_meeting": ("元の会議", lambda meeting: meeting.public_title if meeting else "（なし）"),
}


def _shown(name: str, value) -> str:
    return TRACKED[name][1](value)


def check_owner(data: FollowUpData) -> None:
    if data.owner is not None and data.owner.agency_id != data.responsible_agency.id:
        raise FollowUpRefused("担当者は担当機関に所属する利用者から選んでください。")


def check_agency(actor: User, data: FollowUpData, case: Case | None) -> None:
    """An agency member creates and moves follow-ups for her own agency only (the form offers no
    other; this guards every other way in, such as the API) — but for a case, the care team
    assigns its outcomes among its agencies (check_case keeps them in the team)."""
    if case is not None:
        return
    if actor.role is Role.AGENCY_MEMBER and data.responsible_agency.id != actor.agency_id:
        raise FollowUpRefused("担当機関は自機関を選んでください。")


def check_case(case: Case | None, data: FollowUpData | None = None, *texts: str) -> None:
    """A case's follow-up is the care team's, and is read outside it (the review, e-mails): its
    agencies come from the team, and no text of it may name the child."""
    if case is None:
        return
    if data is not None:
        team = case.team_agency_ids
        if any(agency.id not in team for agency in [data.responsible_agency, *data.linked_agencies]):
            raise FollowUpRefused(
                "ケースの対応事項の担当機関・関係機関は、ケースの支援チームの機関から選んでください。",
                "responsible_agency",
            )
        texts = (data.title, data.description, *texts)
    if case.named_in(*texts):
        raise FollowUpRefused(
            f"お子さんの氏名（ふりがな）は書かないでください。この対応事項はケースコード {case.code} で"
            "会議前の確認やメールに載ります。",
            "title",
        )


def create_followup(actor: User, data: FollowUpData) -> FollowUp:
    check_owner(data)
    check_agency(actor, data, data.case)
    check_case(data.case, data)
    followup = FollowUp(
        council_id=data.responsible_agency.council_id,
        created_by=actor,
        created_at=now(),
        status=FollowUpStatus.OPEN,
        case=data.case,
    )
    _apply(followup, data)
    db.session.add(followup)
    db.session.flush()
    audit.record(
        "followup.create",
        actor=actor,
        obj=followup,
        changes={name: [None, _shown(name, getattr(followup, name))] for name in TRACKED},
    )
    followup_assigned.send(followup, actor=actor)
    return followup


def update_followup(actor: User, followup: FollowUp, data: FollowUpData, version: int) -> dict:
    """Apply the form; refused when the follow-up moved on since `version`. Returns the changes."""
    _check_version(followup, version)
    check_owner(data)
    if data.responsible_agency.id != followup.responsible_agency_id:
        check_agency(actor, data, followup.case)
    check_case(followup.case, data)
    before = {name: _shown(name, getattr(followup, name)) for name in TRACKED}
    assigned_before = (followup.owner_id, followup.responsible_agency_id)
    _apply(followup, data)
    changes = _record_changes(actor, followup, before, "followup.update")
    if (followup.owner.id if followup.owner else None, followup.responsible_agency.id) != assigned_before:
        followup_assigned.send(followup, actor=actor)
    return changes


def _apply(followup: FollowUp, data: FollowUpData) -> None:
    followup.title = data.title
    followup.description = data.description
    followup.responsible_agency = data.responsible_agency
    followup.owner = data.owner
    followup.linked_agencies = [a for a in data.linked_agencies if a.id != data.responsible_agency.id]
    followup.due_date = data.due_date
    followup.priority = data.priority
    followup.discuss_at_next_meeting = data.discuss_at_next_meeting
    if data.source_meeting is not None or followup.id is None:
        followup.source_meeting = data.source_meeting
    if data.source_initiative is not None or followup.id is None:
        followup.source_initiative = data.source_initiative


def _record_changes(
    actor: User, followup: FollowUp, before: dict, action: str, extra: dict | None = None
) -> dict:
    after = {name: _shown(name, getattr(followup, name)) for name in TRACKED}
    changes = {name: [before[name], after[name]] for name in TRACKED if before[name] != after[name]}
    changes.update(extra or {})
    if changes:
        followup.updated_at = now()
        audit.record(action, actor=actor, obj=followup, changes=changes)
    return changes


def _check_version(followup: FollowUp, version: int | None) -> None:
    if version is not None and version != followup.version:
        raise FollowUpConflict(followup)


# --- status --------------------------------------------------------------------------------------

#: action → (statuses it starts from, status it leads to, label)
TRANSITIONS = {
    "start": ((FollowUpStatus.OPEN,), FollowUpStatus.IN_PROGRESS, "対応中にする"),
    "done": ((FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS), FollowUpStatus.DONE, "完了にする"),
    "cancel": ((FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS), FollowUpStatus.CANCELLED, "取り消す"),
    "reopen": ((FollowUpStatus.DONE, FollowUpStatus.CANCELLED), FollowUpStatus.OPEN, "再開する"),
}


def available_actions(followup: FollowUp) -> list[tuple[str, str]]:
    return [
        (action, label) for action, (sources, _, label) in TRANSITIONS.items() if followup.status in sources
    ]


def change_status(
    actor: User, followup: FollowUp, action: str, note: str = "", version: int | None = None
) -> None:
    _check_version(followup, version)
    if action not in TRANSITIONS:
        raise FollowUpRefused("その操作はできません。")
    sources, target, _label = TRANSITIONS[action]
    if followup.status not in sources:
        raise FollowUpRefused(f"「{followup.status.label}」の対応事項には、その操作はできません。")
    check_case(followup.case, None, note)
    before = {name: _shown(name, getattr(followup, name)) for name in TRACKED}
    followup.status = target
    extra = None
    if target is FollowUpStatus.DONE:
        followup.done_at = now()
        followup.done_by = actor
        followup.completion_note = note
        extra = {"completion_note": ["", note]} if note else None
    elif action == "reopen":
        followup.done_at = None
        followup.done_by = None
    _record_changes(actor, followup, before, f"followup.{action}", extra)


def add_comment(actor: User, followup: FollowUp, body: str) -> FollowUpComment:
    check_case(followup.case, None, body)
    comment = FollowUpComment(followup=followup, author=actor, body=body, created_at=now())
    db.session.add(comment)
    audit.record("followup.comment", actor=actor, obj=followup, changes={"comment": [None, body]})
    return comment


# --- bulk actions (coordinators and the secretariat) -----------------------------------------------


def bulk_reassign(actor: User, followups: list[FollowUp], agency: Agency, owner: User | None) -> None:
    for followup in followups:
        data = data_of(followup)
        data.responsible_agency, data.owner = agency, owner
        update_followup(actor, followup, data, followup.version)


def bulk_due_date(actor: User, followups: list[FollowUp], due_date: date) -> None:
    for followup in followups:
        data = data_of(followup)
        data.due_date = due_date
        update_followup(actor, followup, data, followup.version)


def bulk_close(actor: User, followups: list[FollowUp], note: str) -> int:
    closed = 0
    for followup in followups:
        if followup.status in TRANSITIONS["done"][0]:
            change_status(actor, followup, "done", note)
            closed += 1
    return closed


def data_of(followup: FollowUp) -> FollowUpData:
    return FollowUpData(
        title=followup.title,
        description=followup.description,
        responsible_agency=followup.responsible_agency,
        owner=followup.owner,
        linked_agencies=list(followup.linked_agencies),
        due_date=followup.due_date,
        priority=followup.priority,
        discuss_at_next_meeting=followup.discuss_at_next_meeting,
    )
