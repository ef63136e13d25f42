"""A personal access token is its owner's alone: nobody else sees or revokes it."""

import sqlalchemy as sa

from ..core.access import Rule, register
from .models import ApiToken


@register(ApiToken, name="api_token")
class ApiTokenRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        return ApiToken.user_id == user.id

    def can_view(self, user, token: ApiToken) -> bool:
        return token.user_id == user.id

    def allows(self, user, action: str, token: ApiToken | None) -> bool:
        return token is not None and action == "revoke"
