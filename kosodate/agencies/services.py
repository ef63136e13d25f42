"""Which councils and agencies a user sees."""

import sqlalchemy as sa
from flask import abort

from ..auth.models import User
from ..core.permissions import can_see_council, council_scope
from ..extensions import db
from .models import Agency, Council


def visible_councils(user: User) -> list[Council]:
    return list(
        db.session.scalars(sa.select(Council).where(council_scope(user, Council.id)).order_by(Council.id))
    )


def visible_agencies(user: User, council_id: int | None = None, active_only: bool = False) -> list[Agency]:
    """The agencies of the user's councils (or of one of them); `active_only` for choices in forms."""
    query = (
        sa.select(Agency)
        .where(council_scope(user, Agency.council_id))
        .order_by(Agency.council_id, Agency.sort_order, Agency.id)
    )
    if council_id is not None:
        query = query.where(Agency.council_id == council_id)
    if active_only:
        query = query.where(Agency.active)
    return list(db.session.scalars(query))


def get_council_or_404(user: User, council_id: int) -> Council:
    council = db.session.get(Council, council_id)
    if council is None or not can_see_council(user, council.id):
        abort(404)
    return council
