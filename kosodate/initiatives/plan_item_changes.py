"""Adding, changing and reordering a council's plan items (項目) from /admin/councils/<id>. Each
change is audited; nothing here commits (the view does)."""

from dataclasses import dataclass

import sqlalchemy as sa

from ..agencies.models import Council
from ..core import audit
from ..core.refusals import Refused
from ..extensions import db
from .models import Category, PlanItem

NUMBER_TAKEN = "この項目番号は既に使われています。"


class PlanItemRefused(Refused):
    """The message is for the user, next to the form's number."""

    field = "number"


@dataclass(frozen=True)
class PlanItemData:
    number: int
    title: str
    category: Category | None


def plan_items(council: Council) -> list[PlanItem]:
    query = sa.select(PlanItem).where(PlanItem.council_id == council.id).order_by(PlanItem.number)
    return list(db.session.scalars(query))


def _number_taken(council_id: int, number: int, item: PlanItem | None = None) -> bool:
    query = sa.select(PlanItem.id).where(PlanItem.council_id == council_id, PlanItem.number == number)
    if item is not None:
        query = query.where(PlanItem.id != item.id)
    return db.session.scalar(query) is not None


def add_plan_item(actor, council: Council, data: PlanItemData) -> PlanItem:
    if _number_taken(council.id, data.number):
        raise PlanItemRefused(NUMBER_TAKEN)
    item = PlanItem(council=council, number=data.number, title=data.title, category=data.category)
    db.session.add(item)
    audit.record(
        "plan_item.create", actor=actor, obj=item, changes={"number": data.number, "title": data.title}
    )
    return item


def update_plan_item(actor, item: PlanItem, data: PlanItemData) -> dict[str, list]:
    if _number_taken(item.council_id, data.number, item):
        raise PlanItemRefused(NUMBER_TAKEN)
    changes = {}
    for name in ("number", "title", "category"):
        old, new = getattr(item, name), getattr(data, name)
        if old != new:
            changes[name] = [getattr(old, "value", old), getattr(new, "value", new)]
            setattr(item, name, new)
    if changes:
        audit.record("plan_item.update", actor=actor, obj=item, changes=changes)
    return changes


def move_plan_item(actor, item: PlanItem, direction: str) -> bool:
    """Swap the item's number with the one before (up) or after (down) it; False at either end.
    The numbers are unique per council, so the swap passes through a number no item has (0)."""
    numbers = PlanItem.number < item.number if direction == "up" else PlanItem.number > item.number
    order = PlanItem.number.desc() if direction == "up" else PlanItem.number
    query = (
        sa.select(PlanItem).where(PlanItem.council_id == item.council_id, numbers).order_by(order).limit(1)
    )
    neighbour = db.session.scalar(query)
    if neighbour is None:
        return False
    mine, theirs = item.number, neighbour.number
    item.number = 0
    db.session.flush()
    neighbour.number = mine
    db.session.flush()
    item.number = theirs
    audit.record(
        "plan_item.move",
        actor=actor,
        obj=item,
        changes={"number": [mine, theirs], "swapped_with": neighbour.id},
    )
    return True
