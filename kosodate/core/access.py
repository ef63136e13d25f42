"""Who may see and do what: one rule per kind of object, registered by its domain, used everywhere.

Every list, page, count, download, e-mail and API answer asks the rule of its kind:
`visible(user, FollowUp)` for the rows a user may open, `can(user, "change", followup)` for an action,
`get_or_404(user, FollowUp, id)` for a page. What a user may not open is a 404 (its existence is not
revealed); what a user may open but not change is a 403.

A domain writes a `Rule` subclass in its `access.py` and decorates it with `@register(Model)`; core
imports no domain.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from ..extensions import db
from .args import parse_id
from .roles import SECRETARIAT_ROLES, STAFF_ROLES, Role


class Rule:
    """The visibility and the actions of one kind of object. Subclasses override what differs."""

    model: type
    #: the name templates use: can("edit", "meeting")
    name: str

    def visible(self, user) -> sa.ColumnElement[bool]:
        """A WHERE clause over the model for the rows the user may open."""
        raise NotImplementedError

    def can_view(self, user, obj) -> bool:
        raise NotImplementedError

    def allows(self, user, action: str, obj) -> bool:
        """Actions other than "view"; `obj` is None for actions on the kind (e.g. "create")."""
        return False


_rules: dict[type, Rule] = {}
_rules_by_name: dict[str, Rule] = {}


def register(model: type, name: str | None = None) -> Callable[[type[Rule]], type[Rule]]:
    def decorator(rule_class: type[Rule]) -> type[Rule]:
        rule = rule_class()
        rule.model = model
        rule.name = name or model.__name__.lower()
        _rules[model] = rule
        _rules_by_name[rule.name] = rule
        return rule_class

    return decorator


def rule_for(kind: type | str | Any) -> Rule:
    if isinstance(kind, str):
        return _rules_by_name[kind]
    if isinstance(kind, type):
        return _rules[kind]
    return _rules[type(kind)]


def visible_clause(user, model: type) -> sa.ColumnElement[bool]:
    return rule_for(model).visible(user)


def visible(user, model: type) -> sa.Select:
    """SELECT of the rows of `model` the user may open."""
    return sa.select(model).where(visible_clause(user, model))


def can(user, action: str, target) -> bool:
    """May the user do `action` to `target` (an object, or a model class / rule name for actions on
    the kind)? Every action needs the object to be visible first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if isinstance(target, type | str):
        return rule_for(target).allows(user, action, None)
    rule = rule_for(target)
    if not rule.can_view(user, target):
        return False
    return action == "view" or rule.allows(user, action, target)


def get_or_404(user, model: type, obj_id, *options):
    """The object, with loader `options` applied, or 404 when it does not exist or the user may
    not open it."""
    obj_id = parse_id(obj_id)
    obj = None
    if obj_id is not None:
        obj = db.session.scalar(sa.select(model).where(model.id == obj_id).options(*options))
    if obj is None or not can(user, "view", obj):
        abort(404)
    return obj


def require(user, action: str, target) -> None:
    """403 unless the user may do `action`; for an object, 404 first when it is not visible."""
    if not isinstance(target, type | str) and not can(user, "view", target):
        abort(404)
    if not can(user, action, target):
        abort(403)


def get_for(user, action: str, model: type, obj_id, *options):
    """get_or_404, then 403 unless the user may do `action` to it."""
    obj = get_or_404(user, model, obj_id, *options)
    require(user, action, obj)
    return obj


def permission_required(action: str, kind: type | str):
    """A view decorator for actions on a kind of object (create, import, administer)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require(current_user, action, kind)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# --- the shared pieces of the rules ---------------------------------------------------------------


def is_staff(user) -> bool:
    return user.role in STAFF_ROLES


def runs_council(user, council_id: int | None) -> bool:
    """Admin anywhere; the secretariat in its own council."""
    return user.role in SECRETARIAT_ROLES and in_council(user, council_id)


def in_council(user, council_id: int | None) -> bool:
    return user.role is Role.ADMIN or (council_id is not None and user.council_id == council_id)


def council_clause(user, council_id_column) -> sa.ColumnElement[bool]:
    """Rows of the councils the user belongs to (all for an admin)."""
    if user.role is Role.ADMIN:
        return sa.true()
    return council_id_column == user.council_id


def template_can(action: str, target) -> bool:
    """`can` for templates, for the signed-in user: templates get permission flags, not roles."""
    return can(current_user, action, target)
