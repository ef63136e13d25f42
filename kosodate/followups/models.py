"""Follow-ups and the agencies linked to them."""

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..agencies.models import Agency, Council
from ..auth.models import User
from ..core.db import UTCDateTime, str_enum
from ..core.time import now
from ..extensions import db
from ..initiatives.models import Initiative
from ..meetings.models import Meeting

if TYPE_CHECKING:
    from ..cases.models import Case


class FollowUpStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return FOLLOWUP_STATUS_LABELS[self]

    @property
    def is_closed(self) -> bool:
        return self in (FollowUpStatus.DONE, FollowUpStatus.CANCELLED)


FOLLOWUP_STATUS_LABELS = {
    FollowUpStatus.OPEN: "未着手",
    FollowUpStatus.IN_PROGRESS: "対応中",
    FollowUpStatus.DONE: "完了",
    FollowUpStatus.CANCELLED: "取消",
}
OPEN_STATUSES = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)


class FollowUpPriority(StrEnum):
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def label(self) -> str:
        return {"high": "高", "normal": "中", "low": "低"}[self.value]


followup_agencies = sa.Table(
    "followup_agencies",
    db.metadata,
    sa.Column("followup_id", sa.ForeignKey("followups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("agency_id", sa.ForeignKey("agencies.id"), primary_key=True, index=True),
)


class FollowUp(db.Model):
    __tablename__ = "followups"
    # the dashboard's and the reminders' query: a council's unfinished follow-ups by due date
    __table_args__ = (
        sa.Index("ix_followups_council_status_due", "council_id", "status", "due_date"),
        #: the pre-meeting review: what was done in a council between two meetings
        sa.Index("ix_followups_council_done_at", "council_id", "done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(sa.ForeignKey("councils.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    responsible_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    due_date: Mapped[date | None]
    status: Mapped[FollowUpStatus] = mapped_column(str_enum(FollowUpStatus), default=FollowUpStatus.OPEN)
    priority: Mapped[FollowUpPriority] = mapped_column(
        str_enum(FollowUpPriority),
        default=FollowUpPriority.NORMAL,
        server_default=FollowUpPriority.NORMAL.value,
    )
    #: 会議で協議したい: the agency wants it on the next meeting's agenda
    discuss_at_next_meeting: Mapped[bool] = mapped_column(default=False)
    source_meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    source_initiative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("initiatives.id"))
    #: the case it is for: shown everywhere by the case's code only
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    completion_note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    #: optimistic locking: a save based on an older version is refused
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    council: Mapped[Council] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    responsible_agency: Mapped[Agency] = relationship()
    linked_agencies: Mapped[list[Agency]] = relationship(
        secondary=followup_agencies, order_by=Agency.sort_order
    )
    source_meeting: Mapped[Meeting | None] = relationship()
    source_initiative: Mapped[Initiative | None] = relationship()
    case: Mapped["Case | None"] = relationship()
    comments: Mapped[list["FollowUpComment"]] = relationship(
        back_populates="followup", order_by="FollowUpComment.created_at", cascade="all, delete-orphan"
    )

    def is_overdue(self, today: date) -> bool:
        return not self.status.is_closed and self.due_date is not None and self.due_date < today

    def __repr__(self) -> str:
        return f"<FollowUp {self.id} {self.status} {self.title}>"


class FollowUpComment(db.Model):
    __tablename__ = "followup_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(sa.ForeignKey("followups.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    followup: Mapped[FollowUp] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<FollowUpComment {self.id} on {self.followup_id}>"
