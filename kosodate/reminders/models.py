"""The outbox, users' notification settings, and the one-click links already used."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import UTCDateTime, str_enum
from ..core.time import now
from ..extensions import db


class ReminderKind(StrEnum):
    ASSIGNED = "assigned"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MEETING = "meeting"
    REPORT_REQUESTED = "report_requested"
    MEETING_DIGEST = "meeting_digest"
    DAILY_DIGEST = "daily_digest"
    #: not a reminder: the notice to the owner of an account locked after failed sign-ins
    ACCOUNT_LOCKED = "account_locked"
    CASE_EMERGENCY = "case_emergency"
    REPORT_RETURNED = "report_returned"
    #: not a reminder: the link an invited user sets their first password with
    INVITATION = "invitation"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    ReminderKind.ASSIGNED: "対応事項の担当になったとき",
    ReminderKind.DUE_SOON: "対応事項の期限が近づいたとき（7日前・前日）",
    ReminderKind.OVERDUE: "対応事項の期限が過ぎたとき（その後も毎週）",
    ReminderKind.MEETING: "出席する会議の7日前・前日",
    ReminderKind.REPORT_REQUESTED: "進捗報告の依頼と、提出期限の7日前・2日前",
    ReminderKind.MEETING_DIGEST: "連絡会議の前の確認のお知らせ（事務局）",
    ReminderKind.DAILY_DIGEST: "まとめメール",
    ReminderKind.ACCOUNT_LOCKED: "アカウントのロック（必ず送ります）",
    ReminderKind.CASE_EMERGENCY: "同意の範囲外の機関が緊急でケースの支援チームに加わったとき",
    ReminderKind.REPORT_RETURNED: "自機関の進捗報告が差し戻されたとき（理由つき）",
    ReminderKind.INVITATION: "利用者としての招待（必ず送ります）",
}
#: the kinds a user may take as one daily digest instead of single e-mails
DIGESTIBLE = (ReminderKind.DUE_SOON, ReminderKind.OVERDUE, ReminderKind.MEETING)
#: the kinds a user may switch off on /settings/notifications (notices of security and emergencies are not)
ALWAYS_SENT = (ReminderKind.ACCOUNT_LOCKED, ReminderKind.CASE_EMERGENCY, ReminderKind.INVITATION)
SWITCHABLE = tuple(
    kind for kind in ReminderKind if kind is not ReminderKind.DAILY_DIGEST and kind not in ALWAYS_SENT
)


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    #: no longer true when its turn came (the follow-up was closed, the meeting moved)
    CANCELLED = "cancelled"
    #: folded into a daily digest
    DIGESTED = "digested"

    @property
    def label(self) -> str:
        return {"queued": "送信待ち", "sending": "送信中", "sent": "送信済み", "failed": "送信できず",
                "cancelled": "取りやめ", "digested": "まとめメールに含めた"}[self.value]  # fmt: skip


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: kind:object:id:recipient:occurrence, e.g. due_soon:followup:42:user:7:2018-02-21 — produced once
    dedupe_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind))
    object_type: Mapped[str] = mapped_column(sa.String(32), default="")
    object_id: Mapped[int | None]
    #: what must still hold when it is sent (a due date, a meeting's start); else it is cancelled
    valid_for: Mapped[str] = mapped_column(sa.String(64), default="")
    recipient_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    recipient_email: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    #: one Message-ID for every attempt, so a resend after a lost answer is recognisably the same mail
    message_id: Mapped[str] = mapped_column(sa.String(255))
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    #: a claim is a lease: a sender that dies leaves the row to be sent again after this
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str] = mapped_column(sa.String(100), default="")
    #: sent again after a lease ran out: the first attempt may have been delivered too
    uncertain: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.dedupe_key} {self.status}>"


class NotificationSetting(db.Model):
    """A user's choices; a user without a row gets every kind, one e-mail each."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    disabled_kinds: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    daily_digest: Mapped[bool] = mapped_column(default=False)


class UsedLinkToken(db.Model):
    """One-click links are usable once."""

    __tablename__ = "used_link_tokens"

    token_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
