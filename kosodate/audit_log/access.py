"""Who reads the audit log: the admin all of it, the secretariat its own council's events."""

import sqlalchemy as sa

from ..core.access import Rule, council_clause, register, runs_council
from ..core.audit import AuditEvent
from ..core.roles import SECRETARIAT_ROLES


@register(AuditEvent, name="audit_event")
class AuditEventRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        if user.role not in SECRETARIAT_ROLES:
            return sa.false()
        return council_clause(user, AuditEvent.council_id)

    def can_view(self, user, event: AuditEvent) -> bool:
        return runs_council(user, event.council_id)

    def allows(self, user, action: str, event: AuditEvent | None) -> bool:
        # "read": the audit pages and their CSV
        return event is None and action == "read" and user.role in SECRETARIAT_ROLES
