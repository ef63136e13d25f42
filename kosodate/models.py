"""Imports every model so that the metadata is complete wherever it is needed."""

from .agencies.models import Agency, Council
from .auth.models import Invitation, LoginThrottle, RecoveryCode, User
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
from .core.installation import Installation
from .core.purge import PurgeRecord
from .feeds.models import CalendarFeed
from .followups.models import FollowUp, FollowUpComment
from .initiatives.models import Initiative, PlanItem
from .meetings.models import AgendaItem, Attachment, Meeting
from .reminders.models import NotificationSetting, OutboxMessage, UsedLinkToken
from .reports.models import ProgressReport
from .reports.rounds_models import InitiativeProposal, ReminderRequest, ReportRound
from .tokens.models import ApiToken

__all__ = [
    "Agency",
    "AgendaItem",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "CalendarFeed",
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
    "Installation",
    "Invitation",
    "LoginThrottle",
    "Meeting",
    "NotificationSetting",
    "OutboxMessage",
    "PlanItem",
    "ProgressReport",
    "PurgeRecord",
    "RecoveryCode",
    "ReminderRequest",
    "ReportRound",
    "UsedLinkToken",
    "User",
]
