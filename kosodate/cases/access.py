"""Who sees a case (need-to-know, as Primero): the users of the agencies on its care team, whatever
their role, see it in full and work on it. Nobody else — the secretariat, coordinators and admins
included — opens it (404); the council's staff see its code-level summary only: code, status, lead
agency and the counts of open and overdue follow-ups, never a name, birth date, need or note.

Its access log is read by the lead agency's users and by the council's secretariat (and admins).
Notes and files are seen with their case; a note is changed by its author for 24 hours, then only
corrected by an appended note of the same agency. A purged case is read-only.
"""

import sqlalchemy as sa

from ..core.access import Rule, can, council_clause, is_staff, register, rule_for, runs_council
from ..core.time import now
from .models import CareTeamMember, Case, CaseAttachment, CaseNote


def on_team_clause(user, case_id_column) -> sa.ColumnElement[bool]:
    """Rows whose case (`case_id_column`) has the user's agency on its care team."""
    if user.agency_id is None:
        return sa.false()
    teams = sa.select(CareTeamMember.case_id).where(
        CareTeamMember.agency_id == user.agency_id, CareTeamMember.removed_at.is_(None)
    )
    return case_id_column.in_(teams)


def on_team(user, case: Case) -> bool:
    return user.agency_id is not None and user.agency_id in case.team_agency_ids


def is_lead(user, case: Case) -> bool:
    return user.agency_id is not None and user.agency_id == case.lead_agency_id


@register(Case)
class CaseRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        return on_team_clause(user, Case.id)

    def can_view(self, user, case: Case) -> bool:
        return on_team(user, case)

    def allows(self, user, action: str, case: Case | None) -> bool:
        if case is None:
            # "create": the creator's agency becomes the lead agency, so she needs one
            return action == "create" and user.agency_id is not None
        if action == "read_access_log":
            return self.reads_access_log(user, case)
        if case.purged_at is not None:
            return False
        if action == "edit":  # the child's record, consents, notes, files, meetings, follow-ups
            return True
        return action == "manage_team" and is_lead(user, case)

    # --- what those outside the care team get -----------------------------------------------------

    def summary_visible(self, user) -> sa.ColumnElement[bool]:
        """Cases whose code-level summary the user sees: the council's, for its staff; else her own."""
        return council_clause(user, Case.council_id) if is_staff(user) else on_team_clause(user, Case.id)

    def reads_access_log(self, user, case) -> bool:
        """`case` may be a Case or its summary: both have council_id and lead_agency_id."""
        return runs_council(user, case.council_id) or is_lead(user, case)


def summary_clause(user) -> sa.ColumnElement[bool]:
    return rule_for(Case).summary_visible(user)


def may_read_access_log(user, case) -> bool:
    return rule_for(Case).reads_access_log(user, case)


@register(CaseNote, name="case_note")
class CaseNoteRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        return on_team_clause(user, CaseNote.case_id)

    def can_view(self, user, note: CaseNote) -> bool:
        return can(user, "view", note.case)

    def allows(self, user, action: str, note: CaseNote | None) -> bool:
        if note is None or note.case.purged_at is not None:
            return False
        if action == "edit":
            return note.author_id == user.id and now() < note.editable_until and note.corrects_id is None
        # an appended correction: by the note's agency (its author may have left it)
        return action == "correct" and note.agency_id == user.agency_id and note.corrects_id is None


@register(CaseAttachment, name="case_attachment")
class CaseAttachmentRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        return on_team_clause(user, CaseAttachment.case_id)

    def can_view(self, user, attachment: CaseAttachment) -> bool:
        return can(user, "view", attachment.case)
