"""/cases/<id>/access-log: who looked at a case, when, what and from where, and its changes; for the
lead agency's users and the council's secretariat (who may not open the case itself); CSV by month."""

from datetime import date
from io import BytesIO

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user

from ..core.access import can
from ..core.time import today_tokyo
from .access import may_read_access_log
from .access_log import changes_of, load_case, looks_csv, looks_in, refuse, shown_to
from .changes import ACTION_LABELS, FIELD_LABELS
from .models import AccessKind, Case

bp = Blueprint("case_log", __name__)


def _log_of(case_id: int, kind: AccessKind) -> Case:
    case = load_case(case_id)
    if not may_read_access_log(current_user, case):
        if can(current_user, "view", case):
            abort(403)  # on the care team, not its lead
        refuse(current_user, case, kind)
    shown_to(current_user, case, kind)
    return case


def _month() -> date:
    """?month=2026-11, else (also for a month no log can hold) this month."""
    try:
        year, month = (int(part) for part in request.args.get("month", "").split("-"))
        if 2000 <= year <= 9000:
            return date(year, month, 1)
    except ValueError:
        pass
    return today_tokyo().replace(day=1)


@bp.get("/cases/<id:case_id>/access-log")
def access_log(case_id: int):
    case = _log_of(case_id, AccessKind.ACCESS_LOG)
    month = _month()
    previous = (month.replace(day=1) - date.resolution).replace(day=1)
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return render_template(
        "cases/access_log.html",
        case=case,
        month=month,
        previous=previous,
        following=following if following <= today_tokyo() else None,
        looks=looks_in(case, month),
        changes=changes_of(case),
        action_labels=ACTION_LABELS,
        field_labels=FIELD_LABELS,
    )


@bp.get("/cases/<id:case_id>/access-log.csv")
def access_log_csv(case_id: int):
    case = _log_of(case_id, AccessKind.EXPORT)
    month = _month()
    return send_file(
        BytesIO(looks_csv(case, month)),
        mimetype="text/csv",
        as_attachment=True,
        download_name=f"閲覧記録_{case.code}_{month:%Y-%m}.csv",
    )
