"""Report rounds: the secretariat asks every agency of a council for its reports of a fiscal year."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..agencies.models import Agency, Council
from ..auth.models import User
from ..core.db import UTCDateTime, str_enum
from ..core.time import now
from ..extensions import db
from ..initiatives.models import Category, Initiative, PlanItem
from ..meetings.models import Meeting


class ReportRound(db.Model):
    __tablename__ = "report_rounds"
    __table_args__ = (sa.UniqueConstraint("council_id", "fiscal_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(sa.ForeignKey("councils.id"))
    fiscal_year: Mapped[int]
    deadline: Mapped[date]
    #: the meeting the compiled list is prepared for (FY2017: the 2018-02-28 liaison meeting)
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id"))
    #: 資料番号 printed in the compiled list's header, e.g. 資料２－２
    document_number: Mapped[str] = mapped_column(sa.String(50), default="")
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    council: Mapped[Council] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    opened_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReportRound {self.id} council={self.council_id} fy={self.fiscal_year}>"


class ReminderRequest(db.Model):
    """A reminder the secretariat asked to send to an agency that has not submitted (the reminders
    issue's outbox sends it; until then this table is the visible queue)."""

    __tablename__ = "report_reminder_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("report_rounds.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    agency: Mapped[Agency] = relationship()
    requested_by: Mapped[User | None] = relationship()


class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {"proposed": "提案中", "accepted": "採用", "declined": "見送り"}[self.value]


class InitiativeProposal(db.Model):
    """A new initiative an agency proposes inside a round; the secretariat accepts it into the list."""

    __tablename__ = "initiative_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("report_rounds.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    plan_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan_items.id"))
    category: Mapped[Category | None] = mapped_column(str_enum(Category))
    title: Mapped[str] = mapped_column(sa.String(300))
    content: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ProposalStatus] = mapped_column(str_enum(ProposalStatus), default=ProposalStatus.PROPOSED)
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the initiative created when it was accepted
    initiative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("initiatives.id"))

    report_round: Mapped[ReportRound] = relationship()
    agency: Mapped[Agency] = relationship()
    plan_item: Mapped[PlanItem | None] = relationship()
    initiative: Mapped[Initiative | None] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
