"""The outbox holds every recipient's e-mail: only admins see it."""

import sqlalchemy as sa

from ..core.access import Rule, register
from ..core.roles import Role
from .models import OutboxMessage


@register(OutboxMessage, name="outbox_message")
class OutboxMessageRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        return sa.true() if user.role is Role.ADMIN else sa.false()

    def can_view(self, user, message: OutboxMessage) -> bool:
        return user.role is Role.ADMIN

    def allows(self, user, action: str, message: OutboxMessage | None) -> bool:
        # "administer" the outbox (its page), "retry" a message
        return user.role is Role.ADMIN and action in ("administer", "retry")
