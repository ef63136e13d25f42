"""Councils (連絡会議) and agencies (関係機関)."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, str_enum
from ..core.time import now
from ..extensions import db


class AgencyKind(StrEnum):
    GOVERNMENT = "government"
    ASSOCIATION = "association"
    MEDICAL = "medical"
    VISITING_NURSE = "visiting_nurse"
    WELFARE = "welfare"
    CONSULTATION = "consultation"
    EDUCATION = "education"
    CHILD_GUIDANCE = "child_guidance"
    OTHER = "other"

    @property
    def label(self) -> str:
        return AGENCY_KIND_LABELS[self]


AGENCY_KIND_LABELS = {
    AgencyKind.GOVERNMENT: "行政",
    AgencyKind.ASSOCIATION: "医師会・団体",
    AgencyKind.MEDICAL: "医療機関",
    AgencyKind.VISITING_NURSE: "訪問看護",
    AgencyKind.WELFARE: "福祉事業所",
    AgencyKind.CONSULTATION: "相談支援",
    AgencyKind.EDUCATION: "教育",
    AgencyKind.CHILD_GUIDANCE: "児童相談所",
    AgencyKind.OTHER: "その他",
}


class Council(db.Model):
    __tablename__ = "councils"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: the municipalities it covers, as the council writes them (厚木市・愛川町・清川村)
    area: Mapped[str] = mapped_column(sa.String(200), default="")
    prefecture: Mapped[str] = mapped_column(sa.String(20), default="")
    #: the first part of its case codes (ATG → ATG-2026-0001); the secretariat sets it
    case_prefix: Mapped[str] = mapped_column(sa.String(10), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    agencies: Mapped[list["Agency"]] = relationship(
        back_populates="council", order_by="Agency.sort_order, Agency.id"
    )

    def __repr__(self) -> str:
        return f"<Council {self.id} {self.name}>"


class Agency(db.Model):
    __tablename__ = "agencies"
    __table_args__ = (sa.UniqueConstraint("council_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(sa.ForeignKey("councils.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[AgencyKind] = mapped_column(str_enum(AgencyKind))
    municipality: Mapped[str | None] = mapped_column(sa.String(100))
    #: where reminders for the agency as a whole go (a shared inbox), optional
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    address: Mapped[str | None] = mapped_column(sa.String(200))
    #: the agency's own web site (http or https)
    website: Mapped[str | None] = mapped_column(sa.String(300))
    #: the council's order of agencies: the column order of the progress status list
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    council: Mapped[Council] = relationship(back_populates="agencies")

    def __repr__(self) -> str:
        return f"<Agency {self.id} {self.name}>"
