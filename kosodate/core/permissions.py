"""Who may do what (DESIGN.md §4): role checks and the council scope of a user."""

from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from ..auth.models import Role, User

STAFF_ROLES = (Role.ADMIN, Role.SECRETARIAT, Role.COORDINATOR)


def require_roles(*roles: Role):
    """A view decorator: 403 for users whose role is not among `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def council_scope(user: User, council_id_column: sa.ColumnElement) -> sa.ColumnElement[bool]:
    """A WHERE clause limiting rows to the councils the user belongs to (all for admins)."""
    if user.is_admin:
        return sa.true()
    return council_id_column == user.council_id


def can_see_council(user: User, council_id: int) -> bool:
    return user.is_admin or user.council_id == council_id
