"""Meetings of a council."""

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..agencies.models import Agency, Council
from ..core.db import UTCDateTime, str_enum
from ..core.time import now
from ..extensions import db
from ..initiatives.models import Initiative, PlanItem

if TYPE_CHECKING:
    from ..cases.models import Case


class MeetingKind(StrEnum):
    LIAISON = "liaison"
    SUBCOMMITTEE = "subcommittee"
    STUDY = "study"
    DISCHARGE_CONFERENCE = "discharge_conference"
    OTHER = "other"

    @property
    def label(self) -> str:
        return MEETING_KIND_LABELS[self]


MEETING_KIND_LABELS = {
    MeetingKind.LIAISON: "連絡会議",
    MeetingKind.SUBCOMMITTEE: "部会",
    MeetingKind.STUDY: "勉強会・研修",
    MeetingKind.DISCHARGE_CONFERENCE: "退院前カンファレンス",
    MeetingKind.OTHER: "その他",
}

meeting_attendees = sa.Table(
    "meeting_attendees",
    db.metadata,
    sa.Column("meeting_id", sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("agency_id", sa.ForeignKey("agencies.id"), primary_key=True),
)


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (sa.Index("ix_meetings_council_starts_at", "council_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(sa.ForeignKey("councils.id"))
    kind: Mapped[MeetingKind] = mapped_column(str_enum(MeetingKind))
    title: Mapped[str] = mapped_column(sa.String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    host_agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"))
    #: the agency that runs the meeting's secretariat, when not the host (11/28: 厚木保健福祉事務所)
    secretariat_agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    #: 議事録
    minutes: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    #: iCalendar SEQUENCE: grows each time the meeting moves (time or place), so calendars update it
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    #: 中止: a cancelled meeting stays listed, and in calendars as STATUS:CANCELLED
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: a case's meeting (a discharge conference): seen in full by the care team only
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)

    council: Mapped[Council] = relationship()
    case: Mapped["Case | None"] = relationship()
    host_agency: Mapped[Agency | None] = relationship(foreign_keys=[host_agency_id])
    secretariat_agency: Mapped[Agency | None] = relationship(foreign_keys=[secretariat_agency_id])
    attendee_agencies: Mapped[list[Agency]] = relationship(
        secondary=meeting_attendees, order_by=Agency.sort_order
    )
    agenda_items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="meeting", order_by="Attachment.uploaded_at", cascade="all, delete-orphan"
    )

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def public_title(self) -> str:
        """The title outside the meeting's own page: a case's meeting is its kind and the case code."""
        return self.title if self.case_id is None else f"{self.kind.label}（{self.case.code}）"

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.starts_at:%Y-%m-%d} {self.title}>"


class AgendaItem(db.Model):
    """議題: one line of a meeting's agenda, optionally about a plan item or an initiative."""

    __tablename__ = "meeting_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(300))
    plan_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan_items.id"))
    initiative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("initiatives.id"))

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")
    plan_item: Mapped[PlanItem | None] = relationship()
    initiative: Mapped[Initiative | None] = relationship()


class Attachment(db.Model):
    """別紙: a file of a meeting, stored under the instance folder by a random name."""

    __tablename__ = "meeting_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    #: the name the user gave the file, shown and offered on download
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: the type found in the file's content, not the one its name claims
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    meeting: Mapped[Meeting] = relationship(back_populates="attachments")
