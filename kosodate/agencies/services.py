"""The agencies a user sees."""

from ..auth.models import User
from ..core.access import visible
from ..extensions import db
from .models import Agency


def visible_agencies(user: User, council_id: int | None = None, active_only: bool = False) -> list[Agency]:
    """The agencies of the user's councils (or of one of them); `active_only` for choices in forms."""
    query = visible(user, Agency).order_by(Agency.council_id, Agency.sort_order, Agency.id)
    if council_id is not None:
        query = query.where(Agency.council_id == council_id)
    if active_only:
        query = query.where(Agency.active)
    return list(db.session.scalars(query))
