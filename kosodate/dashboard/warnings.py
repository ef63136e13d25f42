"""Warnings at the top of the dashboard: what needs someone's attention before anything else.

Each provider takes the user and returns the warnings for them (most return none); another part of
the app adds its own with `@dashboard_warning`. A provider checks what the user may see first, so
that it sends no query for those it concerns not.
"""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for

from ..core.access import can, visible_clause
from ..extensions import db
from ..reminders.models import OutboxMessage, OutboxStatus


@dataclass(frozen=True)
class DashboardWarning:
    message: str
    #: where to act on it (None: nowhere)
    url: str | None = None
    link_text: str = "確認する"
    #: Bootstrap alert colour
    level: str = "warning"
    #: names the warning for tests (data-testid)
    key: str = ""


_providers: list[Callable[[object], list[DashboardWarning]]] = []


def dashboard_warning(provider: Callable[[object], list[DashboardWarning]]):
    _providers.append(provider)
    return provider


def warnings_for(user) -> list[DashboardWarning]:
    return [warning for provider in _providers for warning in provider(user)]


@dashboard_warning
def failed_mail(user) -> list[DashboardWarning]:
    if not can(user, "administer", "outbox_message"):
        return []
    failed = db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(
            visible_clause(user, OutboxMessage), OutboxMessage.status == OutboxStatus.FAILED
        )
    )
    if not failed:
        return []
    return [
        DashboardWarning(
            f"送信できなかったメールが{failed}件あります。宛先を確かめて、送り直してください。",
            url_for("reminders.outbox"),
            "メール送信状況へ",
        )
    ]
