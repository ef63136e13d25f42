"""Imports every domain's visibility rule so that kosodate.core.access knows them all."""

from .agencies import access as agencies_access
from .audit_log import access as audit_log_access
from .auth import access as auth_access
from .backups import access as backups_access
from .cases import access as cases_access
from .followups import access as followups_access
from .initiatives import access as initiatives_access
from .meetings import access as meetings_access
from .reminders import access as reminders_access
from .reports import access as reports_access
from .tokens import access as tokens_access

__all__ = [
    "agencies_access",
    "audit_log_access",
    "auth_access",
    "backups_access",
    "cases_access",
    "followups_access",
    "initiatives_access",
    "meetings_access",
    "reminders_access",
    "reports_access",
    "tokens_access",
]
