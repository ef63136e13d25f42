"""Who sees and edits meetings and their attachments: the council sees them; staff edit them, and
an agency member edits those her agency hosts.

A case's meeting (a discharge conference) is the care team's: only its agencies' users open it — its
title, place, attendees, agenda, minutes and attachments — and it is edited by the agency hosting it
and the case's lead agency. Everyone else in the council gets 404 and never finds it in a list; where
one of the case's follow-ups names it as its source, it shows as "退院前カンファレンス（ATG-2026-0001）"
and its date (`Meeting.public_title`). Its reminders go to the care team's agencies only.
"""

import sqlalchemy as sa

from ..cases.access import is_lead, on_team_clause
from ..core.access import (
    Rule,
    can,
    council_clause,
    in_council,
    is_staff,
    register,
    runs_council,
    visible_clause,
)
from .models import Attachment, Meeting


@register(Meeting)
class MeetingRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        return sa.and_(
            council_clause(user, Meeting.council_id),
            sa.or_(Meeting.case_id.is_(None), on_team_clause(user, Meeting.case_id)),
        )

    def can_view(self, user, meeting: Meeting) -> bool:
        if not in_council(user, meeting.council_id):
            return False
        return meeting.case_id is None or can(user, "view", meeting.case)

    def allows(self, user, action: str, meeting: Meeting | None) -> bool:
        if meeting is None:
            return action == "create" and is_staff(user)
        if action == "prepare":  # the secretariat's checks before the meeting (the dashboard's 会議前の確認)
            return runs_council(user, meeting.council_id)
        if action != "edit":  # the meeting, its agenda, minutes and attachments
            return False
        hosts = user.agency_id is not None and meeting.host_agency_id == user.agency_id
        if meeting.case_id is not None:
            return can(user, "edit", meeting.case) and (hosts or is_lead(user, meeting.case))
        return is_staff(user) or hosts


@register(Attachment)
class AttachmentRule(Rule):
    """An attachment is seen by those who see its meeting."""

    def visible(self, user) -> sa.ColumnElement[bool]:
        meetings = sa.select(Meeting.id).where(visible_clause(user, Meeting))
        return Attachment.meeting_id.in_(meetings)

    def can_view(self, user, attachment: Attachment) -> bool:
        return can(user, "view", attachment.meeting)
