"""A change a service refuses, shown next to the form field it concerns, with nothing stored.

Services raise a subclass of `Refused` (its `field` says where the message goes) and never commit;
the view hands the change to `commit_unless_refused`, which commits it or rolls it back.
"""

from collections.abc import Callable
from typing import TypeVar

from flask_wtf import FlaskForm

from ..extensions import db

T = TypeVar("T")


class Refused(ValueError):
    """The message is for the user, next to the form's `field` (each kind of change sets its default)."""

    field = "name"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        if field is not None:
            self.field = field


def commit_unless_refused(form: FlaskForm, change: Callable[[], T]) -> tuple[bool, T | None]:
    """(True, what `change` returned), committed; or (False, None), rolled back, with the refusal's
    message on its field of `form`."""
    try:
        result = change()
    except Refused as refused:
        db.session.rollback()
        getattr(form, refused.field).errors.append(str(refused))
        return False, None
    db.session.commit()
    return True, result
