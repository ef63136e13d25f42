"""Meetings of a council."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..agencies.models import Agency, Council
from ..core.db import UTCDateTime, str_enum
from ..core.time import now
from ..extensions import db


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    council: Mapped[Council] = relationship()
    host_agency: Mapped[Agency | None] = relationship(foreign_keys=[host_agency_id])
    secretariat_agency: Mapped[Agency | None] = relationship(foreign_keys=[secretariat_agency_id])
    attendee_agencies: Mapped[list[Agency]] = relationship(
        secondary=meeting_attendees, order_by=Agency.sort_order
    )

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.starts_at:%Y-%m-%d} {self.title}>"
