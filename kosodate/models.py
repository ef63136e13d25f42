"""Imports every model so that the metadata is complete wherever it is needed."""

from .agencies.models import Agency, Council
from .auth.models import User
from .cases.models import (
    CareTeamMember,
    Case,
    CaseAccessLog,
    CaseAttachment,
    CaseCodeCounter,
    CaseConsent,
    CaseNote,
    CaseNoteVersion,
    ConferenceAgendaItem,
)
from .core.audit import AuditEvent
from .followups.models import FollowUp, FollowUpComment
from .initiatives.models import Initiative, PlanItem
from .meetings.models import AgendaItem, Attachment, Meeting
from .reminders.models import NotificationSetting, OutboxMessage, UsedLinkToken
from .reports.models import ProgressReport
from .reports.rounds_models import InitiativeProposal, ReminderRequest, ReportRound

__all__ = [
    "Agency",
    "AgendaItem",
    "Attachment",
    "AuditEvent",
    "CareTeamMember",
    "Case",
    "CaseAccessLog",
    "CaseAttachment",
    "CaseCodeCounter",
    "CaseConsent",
    "CaseNote",
    "CaseNoteVersion",
    "ConferenceAgendaItem",
    "Council",
    "FollowUp",
    "FollowUpComment",
    "Initiative",
    "InitiativeProposal",
    "Meeting",
    "NotificationSetting",
    "OutboxMessage",
    "PlanItem",
    "ProgressReport",
    "ReminderRequest",
    "ReportRound",
    "UsedLinkToken",
    "User",
]
