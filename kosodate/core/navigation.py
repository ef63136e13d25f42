"""The navigation bar's entries, by role or permission: the main menu, the 管理 menu of the
administrative pages, and the account menu (one's own settings, logout)."""

from flask import Flask, has_request_context
from flask_login import current_user

from .access import can
from .roles import STAFF_ROLES, Role

ALL_ROLES = frozenset(Role)

#: (endpoint, label, roles that see it)
NAV_ITEMS = (
    ("dashboard.index", "ホーム", ALL_ROLES),
    ("followups.list_view", "対応事項", ALL_ROLES),
    ("initiatives.list_view", "取組み", ALL_ROLES),
    ("meetings.list_view", "会議", ALL_ROLES),
    ("cases.list_view", "ケース", ALL_ROLES),
    ("reports.progress", "進捗状況一覧", ALL_ROLES),
    ("report_rounds.mine", "自機関の進捗報告", frozenset({Role.AGENCY_MEMBER})),
    ("report_rounds.rounds", "進捗報告の依頼", STAFF_ROLES),
    ("agencies.list_agencies", "関係機関", ALL_ROLES),
)
#: the 管理 menu: pages that keep the installation running, folded away so the main menu fits;
#: (endpoint, label, roles that see it, or the (action, kind) of the access rule that allows it)
ADMIN_ITEMS = (
    ("user_admin.index", "利用者", ("manage", "user")),
    ("agency_admin.index", "関係機関の登録・編集", ("manage", "agency")),
    ("council_admin.index", "連絡会議と項目", ("administer", "council")),
    ("audit_log.index", "操作の記録", frozenset({Role.ADMIN, Role.SECRETARIAT})),
    ("reminders.outbox", "メール送信状況", frozenset({Role.ADMIN})),
    ("backups.index", "バックアップ", frozenset({Role.ADMIN})),
)
#: the account menu: one's own settings
ACCOUNT_ITEMS = (
    ("account.index", "アカウント（2段階認証）"),
    ("reminders.notifications", "通知の設定"),
    ("feeds.settings", "カレンダー"),
    ("tokens.settings", "API（トークン）"),
)


def register_navigation(app: Flask) -> None:
    @app.context_processor
    def nav_items():
        if not has_request_context() or not current_user.is_authenticated:  # e.g. a PDF from a command
            return {"nav_items": [], "admin_items": [], "account_items": []}
        return {
            "nav_items": _of_role(NAV_ITEMS),
            "admin_items": _of_role(ADMIN_ITEMS),
            "account_items": ACCOUNT_ITEMS,
        }


def _of_role(items) -> list[tuple[str, str]]:
    return [(endpoint, label) for endpoint, label, who in items if _shown(who)]


def _shown(who: frozenset[Role] | tuple[str, str]) -> bool:
    if isinstance(who, tuple):
        action, kind = who
        return can(current_user, action, kind)
    return current_user.role in who
