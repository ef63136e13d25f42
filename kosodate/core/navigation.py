"""The navigation bar's entries, by role (the account menu holds the notification settings and logout)."""

from flask import Flask, has_request_context
from flask_login import current_user

from .roles import STAFF_ROLES, Role

ALL_ROLES = frozenset(Role)

#: (endpoint, label, roles that see it)
NAV_ITEMS = (
    ("dashboard.index", "ホーム", ALL_ROLES),
    ("followups.list_view", "対応事項", ALL_ROLES),
    ("initiatives.list_view", "取組み", ALL_ROLES),
    ("meetings.list_view", "会議", ALL_ROLES),
    ("reports.progress", "進捗状況一覧", ALL_ROLES),
    ("report_rounds.mine", "自機関の進捗報告", frozenset({Role.AGENCY_MEMBER})),
    ("report_rounds.rounds", "進捗報告の依頼", STAFF_ROLES),
    ("agencies.list_agencies", "関係機関", ALL_ROLES),
    ("reminders.outbox", "メール送信状況", frozenset({Role.ADMIN})),
)


def register_navigation(app: Flask) -> None:
    @app.context_processor
    def nav_items():
        if not has_request_context() or not current_user.is_authenticated:  # e.g. a PDF from a command
            return {"nav_items": []}
        return {
            "nav_items": [
                (endpoint, label) for endpoint, label, roles in NAV_ITEMS if current_user.role in roles
            ]
        }
