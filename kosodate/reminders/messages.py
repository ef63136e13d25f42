"""The text of reminder e-mails: Japanese, plain text and HTML, a link to the object. A case is its code:
no child's name, needs or notes; a case's meeting is its public title (kind and case code)."""

from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import make_msgid

from flask import current_app, render_template

from ..core.time import date_ja, datetime_ja, fiscal_year_label
from .links import done_token
from .models import ReminderKind
from .rules import Reminder

PREFIX = "【小児等在宅医療 連携支援】"


def absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def subject_of(reminder: Reminder) -> str:
    context, kind = reminder.context, reminder.kind
    if kind in (ReminderKind.ASSIGNED, ReminderKind.DUE_SOON, ReminderKind.OVERDUE):
        followup = context["followup"]
        lead = {
            ReminderKind.ASSIGNED: "対応事項の担当になりました",
            ReminderKind.DUE_SOON: f"期限が近づいています（{date_ja(followup.due_date)}）",
            ReminderKind.OVERDUE: f"期限を過ぎています（{date_ja(followup.due_date)}）",
        }[kind]
        return f"{PREFIX}{lead}：{followup.title}"
    if kind in (ReminderKind.MEETING, ReminderKind.MEETING_DIGEST):
        meeting = context["meeting"]
        lead = "会議のお知らせ" if kind is ReminderKind.MEETING else "会議前の確認のお願い"
        return f"{PREFIX}{lead}：{meeting.public_title}（{datetime_ja(meeting.starts_at)}）"
    if kind is ReminderKind.CASE_EMERGENCY:
        return f"{PREFIX}同意の範囲外の機関が緊急で支援チームに加わりました：{context['case'].code}"
    if kind is ReminderKind.REPORT_RETURNED:
        report = context["report"]
        year = fiscal_year_label(report.fiscal_year)
        return f"{PREFIX}{year}の進捗報告が差し戻されました：{report.initiative.title}"
    report_round = context["round"]
    year = fiscal_year_label(report_round.fiscal_year)
    return f"{PREFIX}{year}の進捗報告のお願い（期限 {date_ja(report_round.deadline)}）"


def links_of(reminder: Reminder) -> dict[str, str]:
    context = reminder.context
    if "followup" in context:
        followup = context["followup"]
        links = {"open": absolute(f"/followups/{followup.id}")}
        if reminder.user is not None and reminder.kind is not ReminderKind.ASSIGNED:
            links["done"] = absolute(f"/m/{done_token(reminder.user.id, followup.id)}")
        return links
    if "case" in context:
        return {"open": absolute(f"/cases/{context['case'].id}/access-log")}
    if "meeting" in context:
        meeting = context["meeting"]
        path = (
            f"/meetings/{meeting.id}/review"
            if reminder.kind is ReminderKind.MEETING_DIGEST
            else f"/meetings/{meeting.id}"
        )
        return {"open": absolute(path)}
    if "report" in context:
        return {"open": absolute(f"/reports/{context['report'].id}/edit")}
    return {"open": absolute("/reports/mine")}


def render(reminder: Reminder, extra: dict | None = None) -> tuple[str, str, str]:
    """(subject, text, html)."""
    context = {**reminder.context, **(extra or {}), "kind": reminder.kind.value, "links": links_of(reminder),
               "recipient": reminder.user.name if reminder.user else ""}  # fmt: skip
    text = render_template("emails/reminder.txt", **context)
    html = render_template("emails/reminder.html", **context)
    return subject_of(reminder), text, html


def new_message_id() -> str:
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip("> ") or "kosodate.local"
    return make_msgid(domain=domain)


def build_email(row, sender: str, content: tuple[str, str, str], files=()) -> Message:
    """UTF-8 text with an HTML alternative; the subject encoded (RFC 2047) so Japanese clients show it.
    `content` is (subject, text, html), `files` (file name, content, text/<subtype>); the row gives the
    envelope and the Message-ID.

    Built with the classic MIME classes: the newer EmailMessage folds a Japanese subject by re-encoding
    it one character at a time (2 ms an e-mail, most of what sending cost); Header splits it at once."""
    subject, text, html = content
    body = MIMEText(text, "plain", "utf-8")
    if html:
        body = MIMEMultipart("alternative", _subparts=[body, MIMEText(html, "html", "utf-8")])
    message = MIMEMultipart("mixed", _subparts=[body]) if files else body
    for filename, file_content, subtype in files:
        part = MIMEText(file_content.decode("utf-8"), subtype, "utf-8")
        part.add_header("Content-Disposition", "attachment", filename=filename)
        message.attach(part)
    message["Subject"] = Header(subject, "utf-8")
    message["From"] = sender
    message["To"] = row.recipient_email
    message["Message-ID"] = row.message_id
    message["Auto-Submitted"] = "auto-generated"
    return message
