"""Who sees and edits meetings and their attachments: the council sees them; staff edit them, and
an agency member edits those her agency hosts."""

import sqlalchemy as sa

from ..core.access import Rule, can, council_clause, in_council, is_staff, register, runs_council
from .models import Attachment, Meeting


@register(Meeting)
class MeetingRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        return council_clause(user, Meeting.council_id)

    def can_view(self, user, meeting: Meeting) -> bool:
        return in_council(user, meeting.council_id)

    def allows(self, user, action: str, meeting: Meeting | None) -> bool:
        if meeting is None:
            return action == "create" and is_staff(user)
        if action == "edit":  # the meeting, its agenda, minutes and attachments
            return is_staff(user) or (user.agency_id is not None and meeting.host_agency_id == user.agency_id)
        # "prepare": the secretariat's checks before the meeting (the dashboard's 会議前の確認)
        return action == "prepare" and runs_council(user, meeting.council_id)


@register(Attachment)
class AttachmentRule(Rule):
    """An attachment is seen by those who see its meeting."""

    def visible(self, user) -> sa.ColumnElement[bool]:
        meetings = sa.select(Meeting.id).where(council_clause(user, Meeting.council_id))
        return Attachment.meeting_id.in_(meetings)

    def can_view(self, user, attachment: Attachment) -> bool:
        return can(user, "view", attachment.meeting)
