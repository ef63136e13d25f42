"""One initiative's progress report for one fiscal year: columns (2)–(5) of the list."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..agencies.models import Agency
from ..core.db import UTCDateTime, str_enum
from ..core.time import now
from ..extensions import db
from ..initiatives.models import Initiative


class ReportStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"

    @property
    def label(self) -> str:
        return {ReportStatus.DRAFT: "下書き", ReportStatus.SUBMITTED: "提出済み"}[self]


report_proposal_agencies = sa.Table(
    "report_proposal_agencies",
    db.metadata,
    sa.Column("report_id", sa.ForeignKey("progress_reports.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("agency_id", sa.ForeignKey("agencies.id"), primary_key=True),
)


class ProgressReport(db.Model):
    __tablename__ = "progress_reports"
    __table_args__ = (sa.UniqueConstraint("initiative_id", "fiscal_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiatives.id"), index=True)
    #: the fiscal year by its starting calendar year: 2017 is 平成29年度
    fiscal_year: Mapped[int] = mapped_column(index=True)
    #: (2) 今年度の進捗状況について、実績や検討している内容
    progress: Mapped[str] = mapped_column(sa.Text, default="")
    #: (3) 取組みを進める中で見えてきた課題
    challenges: Mapped[str] = mapped_column(sa.Text, default="")
    #: (4) 課題に対する考えうる解決策または関係機関と話し合いたいこと
    proposals: Mapped[str] = mapped_column(sa.Text, default="")
    #: (5) 来年度以降の取組み
    next_year_plan: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus), default=ReportStatus.DRAFT)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    initiative: Mapped[Initiative] = relationship(backref="reports")
    #: the agencies column (4) wants to talk with
    proposal_agencies: Mapped[list[Agency]] = relationship(
        secondary=report_proposal_agencies, order_by=Agency.sort_order
    )

    def __repr__(self) -> str:
        return f"<ProgressReport {self.id} initiative={self.initiative_id} fy={self.fiscal_year}>"
