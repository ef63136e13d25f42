"""The access log of cases: every look at a case's page, notes, files, meetings and exports, and every
refused try (the 404s), with who, when, what and from where; read per case and month, and as CSV.

A refused try is committed at once, before the 404. A look that is shown is committed when the
answer has been made (after_app_request): a page that fails to render was not read.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import abort, g, has_request_context, request
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..core.access import can, require
from ..core.args import parse_id
from ..core.audit import AuditEvent
from ..core.spreadsheet import csv_escape
from ..core.time import TOKYO, datetime_ja
from ..extensions import db
from .models import AccessKind, Case, CaseAccessLog


def record_look(user: User, case: Case, kind: AccessKind, obj=None, shown: bool = True) -> CaseAccessLog:
    row = CaseAccessLog(
        case_id=case.id,
        user_id=user.id,
        agency_id=user.agency_id,
        kind=kind,
        object_type=obj.__tablename__ if obj is not None else "",
        object_id=obj.id if obj is not None else None,
        shown=shown,
        remote_addr=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(row)
    return row


def refuse(user: User, case: Case, kind: AccessKind, obj=None):
    record_look(user, case, kind, obj, shown=False)
    db.session.commit()
    abort(404)


def shown_to(user: User, case: Case, kind: AccessKind, obj=None) -> None:
    """Log a look, kept if the answer is made (commit_looks)."""
    record_look(user, case, kind, obj)
    g.case_looks = True


def looked_at(user: User, target, case: Case | None, kind: AccessKind):
    """`target` when the user may open it, else 404. When it belongs to a case, the refused try, and
    a read (GET), go into the case's access log; a change is in the audit log instead."""
    shown = can(user, "view", target)
    if case is None:
        if not shown:
            abort(404)
        return target
    obj = None if target is case else target
    if not shown:
        refuse(user, case, kind, obj)
    if request.method == "GET":
        shown_to(user, case, kind, obj)
    return target


def load_case(case_id, *options) -> Case:
    """The case, whoever asks, or 404 when there is no such case (nothing to log)."""
    number = parse_id(case_id)
    case = db.session.scalar(sa.select(Case).where(Case.id == number).options(*options)) if number else None
    if case is None:
        abort(404)
    return case


def open_case(user: User, case_id, kind: AccessKind = AccessKind.PAGE, *options) -> Case:
    case = load_case(case_id, *options)
    return looked_at(user, case, case, kind)


def case_for(user: User, action: str, case_id, kind: AccessKind = AccessKind.PAGE, *options) -> Case:
    """For a change: 404 (logged) when the user may not open the case, 403 when she may not do it."""
    case = load_case(case_id, *options)
    if not can(user, "view", case):
        refuse(user, case, kind)
    require(user, action, case)
    return case


def load_in_case(model: type, obj_id, case_id: int):
    """A note or file of the case named in the URL, whoever asks, or 404 (nothing to log)."""
    obj = db.session.get(model, parse_id(obj_id)) if parse_id(obj_id) else None
    if obj is None or obj.case_id != case_id:
        abort(404)
    return obj


def commit_looks(response):
    """after_app_request: keep the looks of an answer that was made (a form shown again with its
    errors included; not a 404 that came after the look, such as a missing file)."""
    if g.pop("case_looks", False) and response.status_code < 500 and response.status_code != 404:
        db.session.commit()
    return response


# --- reading the log -----------------------------------------------------------------------------


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first moment of the month and of the next, in Tokyo."""
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return datetime.combine(month, time(), TOKYO), datetime.combine(following, time(), TOKYO)


def looks_in(case: Case, month: date) -> list[CaseAccessLog]:
    start, end = month_bounds(month)
    return list(
        db.session.scalars(
            sa.select(CaseAccessLog)
            .where(
                CaseAccessLog.case_id == case.id,
                CaseAccessLog.occurred_at >= start,
                CaseAccessLog.occurred_at < end,
            )
            .options(joinedload(CaseAccessLog.user), joinedload(CaseAccessLog.agency))
            .order_by(CaseAccessLog.occurred_at.desc(), CaseAccessLog.id.desc())
        )
    )


@dataclass
class Change:
    event: AuditEvent
    actor: User | None


def changes_of(case: Case) -> list[Change]:
    """The case's audit events (they name fields and agencies, never personal values)."""
    rows = db.session.execute(
        sa.select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == Case.__tablename__, AuditEvent.object_id == case.id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    ).all()
    return [Change(event, actor) for event, actor in rows]


CSV_HEADER = ["日時", "利用者", "メールアドレス", "機関", "内容", "対象", "結果", "アドレス"]


def looks_csv(case: Case, month: date) -> bytes:
    """The month's log as CSV (UTF-8 with BOM, so that Excel reads the Japanese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for look in reversed(looks_in(case, month)):
        writer.writerow(
            [
                datetime_ja(look.occurred_at),
                csv_escape(look.user.name if look.user else ""),
                csv_escape(look.user.email if look.user else ""),
                csv_escape(look.agency.name if look.agency else ""),
                look.kind.label,
                f"{look.object_type}:{look.object_id}" if look.object_id else "",
                "表示" if look.shown else "拒否（404）",
                look.remote_addr,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
