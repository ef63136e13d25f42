"""Categories, plan items and initiatives."""

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..agencies.models import Agency, Council
from ..core.db import str_enum
from ..extensions import db


class Category(StrEnum):
    """課題区分: the council's seven fixed categories, in the council's order."""

    SYSTEM_BUILDING = "system_building"
    COORDINATION = "coordination"
    TRAINING = "training"
    INFORMATION = "information"
    AWARENESS = "awareness"
    RESOURCES = "resources"
    OTHER = "other"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.SYSTEM_BUILDING: "体制構築",
    Category.COORDINATION: "コーディネート",
    Category.TRAINING: "人材育成",
    Category.INFORMATION: "情報集約",
    Category.AWARENESS: "普及啓発",
    Category.RESOURCES: "資源把握",
    Category.OTHER: "その他",
}


PLAN_ITEM_SEPARATOR = "・"


class PlanItem(db.Model):
    __tablename__ = "plan_items"
    __table_args__ = (sa.UniqueConstraint("council_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(sa.ForeignKey("councils.id"), index=True)
    #: the council's number for the item (8 退院前のケースカンファレンス…)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))
    category: Mapped[Category | None] = mapped_column(str_enum(Category))

    council: Mapped[Council] = relationship()

    def __repr__(self) -> str:
        return f"<PlanItem {self.number} {self.title}>"


#: further plan items an initiative reports on besides its primary one (厚木保健福祉事務所: 1, then 8 and 9)
initiative_secondary_plan_items = sa.Table(
    "initiative_secondary_plan_items",
    db.metadata,
    sa.Column("initiative_id", sa.ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("plan_item_id", sa.ForeignKey("plan_items.id"), primary_key=True, index=True),
)

initiative_agencies = sa.Table(
    "initiative_agencies",
    db.metadata,
    sa.Column("initiative_id", sa.ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("agency_id", sa.ForeignKey("agencies.id"), primary_key=True),
)


class Initiative(db.Model):
    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(sa.ForeignKey("councils.id"), index=True)
    lead_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    #: the primary plan item, the first the agency names: used for ordering and grouping
    plan_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan_items.id"), index=True)
    #: the primary category, used for filters and grouping; None where the agency gave none (－)
    category: Mapped[Category | None] = mapped_column(str_enum(Category), index=True)
    #: further categories the agency ticked (厚木医師会: 体制構築、コーディネート、人材育成、その他)
    secondary_categories: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    title: Mapped[str] = mapped_column(sa.String(300))
    #: column (1) 項目・内容, as the agency wrote it
    content: Mapped[str] = mapped_column(sa.Text, default="")
    #: the agency's column header in the compiled list, e.g. 厚木市障がい福祉課①
    column_label: Mapped[str] = mapped_column(sa.String(200), default="")
    #: position of the column in the compiled list
    sort_order: Mapped[int] = mapped_column(default=0)

    council: Mapped[Council] = relationship()
    lead_agency: Mapped[Agency] = relationship()
    plan_item: Mapped[PlanItem | None] = relationship()
    secondary_plan_items: Mapped[list[PlanItem]] = relationship(
        secondary=initiative_secondary_plan_items, order_by=PlanItem.number
    )
    linked_agencies: Mapped[list[Agency]] = relationship(
        secondary=initiative_agencies, order_by=Agency.sort_order
    )

    @property
    def categories(self) -> list[Category]:
        primary = [self.category] if self.category else []
        return primary + [Category(code) for code in self.secondary_categories]

    @property
    def plan_items(self) -> list[PlanItem]:
        """Every plan item the initiative reports on, the primary one first."""
        primary = [self.plan_item] if self.plan_item else []
        return primary + self.secondary_plan_items

    @plan_items.setter
    def plan_items(self, items: list[PlanItem]) -> None:
        unique = list(dict.fromkeys(items))
        self.plan_item = unique[0] if unique else None
        self.secondary_plan_items = unique[1:]

    @property
    def plan_item_numbers(self) -> str:
        """1・8・9: the numbers as the lists show them."""
        return PLAN_ITEM_SEPARATOR.join(str(item.number) for item in self.plan_items)

    def __repr__(self) -> str:
        return f"<Initiative {self.id} {self.title}>"
