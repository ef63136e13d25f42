"""Cases (ケース): one child's coordination record — the child, the care team, consents, notes, files —
and the log of every look at it. Personal fields are marked: the retention purge erases them."""

import re
import unicodedata
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..agencies.models import Agency, Council
from ..auth.models import User
from ..core.append_only import append_only
from ..core.db import UTCDateTime, str_enum
from ..core.time import now
from ..extensions import db

#: a note's author may change it this long after writing it; later only an appended correction
NOTE_EDIT_WINDOW = timedelta(hours=24)


class CaseStatus(StrEnum):
    INPATIENT = "inpatient"
    DISCHARGE_PLANNING = "discharge_planning"
    HOME = "home"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"inpatient": "入院中", "discharge_planning": "退院調整中", "home": "在宅",
                "closed": "終了"}[self.value]  # fmt: skip


class CareNeed(StrEnum):
    VENTILATOR = "ventilator"
    TRACHEOSTOMY = "tracheostomy"
    SUCTION = "suction"
    TUBE_FEEDING = "tube_feeding"
    OXYGEN = "oxygen"
    CATHETERISATION = "catheterisation"
    CENTRAL_VENOUS = "central_venous"
    POWER = "power"

    @property
    def label(self) -> str:
        return CARE_NEED_LABELS[self]


CARE_NEED_LABELS = {
    CareNeed.VENTILATOR: "人工呼吸器",
    CareNeed.TRACHEOSTOMY: "気管切開",
    CareNeed.SUCTION: "吸引",
    CareNeed.TUBE_FEEDING: "経管栄養",
    CareNeed.OXYGEN: "酸素",
    CareNeed.CATHETERISATION: "導尿",
    CareNeed.CENTRAL_VENOUS: "中心静脈栄養",
    CareNeed.POWER: "要電源",
}


class CareRole(StrEnum):
    HOSPITAL = "hospital"
    HOME_DOCTOR = "home_doctor"
    VISITING_NURSE = "visiting_nurse"
    CONSULTATION = "consultation"
    EDUCATION = "education"
    GOVERNMENT = "government"
    WELFARE = "welfare"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"hospital": "病院", "home_doctor": "在宅医", "visiting_nurse": "訪問看護",
                "consultation": "相談支援", "education": "教育", "government": "行政",
                "welfare": "福祉サービス", "other": "その他"}[self.value]  # fmt: skip


def _folded(text: str) -> str:
    """For finding a name in a text: width-folded, without spaces, katakana as hiragana."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (sa.UniqueConstraint("council_id", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(sa.ForeignKey("councils.id"), index=True)
    #: ATG-2026-0001 (council prefix, year, number): the only identifier that leaves the case's pages
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    year: Mapped[int]
    number: Mapped[int]
    # --- personal: erased by the retention purge ---
    child_name: Mapped[str] = mapped_column(sa.String(100))
    child_kana: Mapped[str] = mapped_column(sa.String(100), default="")
    birth_date: Mapped[date | None]
    municipality: Mapped[str] = mapped_column(sa.String(100), default="")
    #: CareNeed values
    needs: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # --- kept ---
    main_hospital_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"))
    expected_discharge_date: Mapped[date | None]
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus), default=CaseStatus.INPATIENT)
    #: 主担当機関: manages the care team and reads the access log
    lead_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    #: the day the case was closed; the retention period counts from it
    closed_on: Mapped[date | None]
    #: when the retention purge erased the personal fields; the case is read-only from then on
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    council: Mapped[Council] = relationship()
    main_hospital: Mapped[Agency | None] = relationship(foreign_keys=[main_hospital_id])
    lead_agency: Mapped[Agency] = relationship(foreign_keys=[lead_agency_id])
    created_by: Mapped[User | None] = relationship()
    team: Mapped[list["CareTeamMember"]] = relationship(
        back_populates="case", order_by="CareTeamMember.id", cascade="all, delete-orphan"
    )
    consents: Mapped[list["CaseConsent"]] = relationship(
        back_populates="case", order_by="CaseConsent.given_on", cascade="all, delete-orphan"
    )

    @property
    def active_team(self) -> list["CareTeamMember"]:
        return [member for member in self.team if member.removed_at is None]

    @property
    def team_agency_ids(self) -> set[int]:
        return {member.agency_id for member in self.active_team}

    @property
    def consented_agency_ids(self) -> set[int]:
        return {agency.id for consent in self.consents for agency in consent.agencies}

    @property
    def need_labels(self) -> list[str]:
        return [need.label for need in CareNeed if need.value in (self.needs or [])]

    def named_in(self, *texts: str) -> bool:
        """Does any text contain the child's name or kana (spaces, width and kana type aside)?"""
        names = [name for name in (_folded(self.child_name), _folded(self.child_kana)) if name]
        return any(name in _folded(text) for name in names for text in texts)

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.code}>"


class CareTeamMember(db.Model):
    """An agency taking part in a case (支援チーム). Leaving keeps the row: who was on the team when."""

    __tablename__ = "case_team"
    __table_args__ = (sa.UniqueConstraint("case_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    role: Mapped[CareRole] = mapped_column(str_enum(CareRole))
    #: personal: the agency's contact for this child (name, extension)
    contact_person: Mapped[str] = mapped_column(sa.String(200), default="")
    #: personal: why the lead agency added an agency the consent did not cover ("" when it did)
    emergency_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: the agency was added without consent, in an emergency (kept after the purge)
    emergency: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="team")
    agency: Mapped[Agency] = relationship()


case_consent_agencies = sa.Table(
    "case_consent_agencies",
    db.metadata,
    sa.Column("consent_id", sa.ForeignKey("case_consents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("agency_id", sa.ForeignKey("agencies.id"), primary_key=True),
)


class CaseConsent(db.Model):
    """同意: the guardian agreed that these agencies share the child's information."""

    __tablename__ = "case_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    #: personal: who consented (保護者)
    guardian_name: Mapped[str] = mapped_column(sa.String(100))
    #: personal: 母, 父, 祖母 …
    relationship_to_child: Mapped[str] = mapped_column(sa.String(30), default="")
    given_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    case: Mapped[Case] = relationship(back_populates="consents")
    agencies: Mapped[list[Agency]] = relationship(secondary=case_consent_agencies, order_by=Agency.sort_order)
    recorded_by: Mapped[User | None] = relationship()
    forms: Mapped[list["CaseAttachment"]] = relationship(back_populates="consent")


class CaseNote(db.Model):
    """経過記録: dated, by agency. Every saved text is a version; a later fix is an appended correction."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: the day the note is about (not the day it was written)
    noted_on: Mapped[date]
    #: personal
    body: Mapped[str] = mapped_column(sa.Text)
    #: the note this one corrects (訂正), appended after the edit window closed
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_notes.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    case: Mapped[Case] = relationship()
    agency: Mapped[Agency] = relationship()
    author: Mapped[User | None] = relationship()
    corrections: Mapped[list["CaseNote"]] = relationship(order_by="CaseNote.created_at")
    versions: Mapped[list["CaseNoteVersion"]] = relationship(
        back_populates="note", order_by="CaseNoteVersion.version", cascade="all, delete-orphan"
    )

    @property
    def editable_until(self) -> datetime:
        return self.created_at + NOTE_EDIT_WINDOW


class CaseNoteVersion(db.Model):
    __tablename__ = "case_note_versions"
    __table_args__ = (sa.UniqueConstraint("note_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(sa.ForeignKey("case_notes.id", ondelete="CASCADE"))
    version: Mapped[int]
    noted_on: Mapped[date]
    #: personal
    body: Mapped[str] = mapped_column(sa.Text)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    saved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    note: Mapped[CaseNote] = relationship(back_populates="versions")
    saved_by: Mapped[User | None] = relationship()


class CaseAttachment(db.Model):
    """A file of a case (a scanned consent form among them), checked and stored as meetings' are."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    #: the consent this file is the scanned form of
    consent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_consents.id"))
    #: personal (a file name often names the child): "" once purged
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    #: the stored file was deleted by the retention purge
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
    consent: Mapped[CaseConsent | None] = relationship(back_populates="forms")
    uploaded_by: Mapped[User | None] = relationship()


class CaseCodeCounter(db.Model):
    """The last case number of a council and year, incremented in one UPDATE (concurrent creation)."""

    __tablename__ = "case_code_counters"

    council_id: Mapped[int] = mapped_column(sa.ForeignKey("councils.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class ConferenceAgendaItem(db.Model):
    """A line of the agenda a council's discharge conferences open with; the secretariat edits it."""

    __tablename__ = "case_conference_agenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(sa.ForeignKey("councils.id"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))


class AccessKind(StrEnum):
    PAGE = "page"
    NOTE = "note"
    ATTACHMENT = "attachment"
    MEETING = "meeting"
    ACCESS_LOG = "access_log"
    EXPORT = "export"

    @property
    def label(self) -> str:
        return ACCESS_KIND_LABELS[self]


ACCESS_KIND_LABELS = {
    AccessKind.PAGE: "ケースのページ",
    AccessKind.NOTE: "経過記録",
    AccessKind.ATTACHMENT: "添付ファイル",
    AccessKind.MEETING: "ケースの会議",
    AccessKind.ACCESS_LOG: "閲覧記録",
    AccessKind.EXPORT: "書き出し",
}


class CaseAccessLog(db.Model):
    """Every look at a case and every refused try: append-only (PostgreSQL refuses UPDATE/DELETE)."""

    __tablename__ = "case_access_log"
    __table_args__ = (sa.Index("ix_case_access_log_case_occurred", "case_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: the user's agency at the time (users move)
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"))
    kind: Mapped[AccessKind] = mapped_column(str_enum(AccessKind))
    #: what was read: case_notes:12, case_attachments:3, meetings:7 … ("" for the case page)
    object_type: Mapped[str] = mapped_column(sa.String(32), default="")
    object_id: Mapped[int | None]
    #: False: refused (the user got a 404)
    shown: Mapped[bool]
    remote_addr: Mapped[str] = mapped_column(sa.String(64), default="")

    user: Mapped[User | None] = relationship()
    agency: Mapped[Agency | None] = relationship()


append_only(CaseAccessLog.__table__)
