"""/admin/audit and /admin/audit.csv: the admin reads every event, the secretariat its council's."""

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from ..core.access import permission_required
from ..core.args import page_arg
from ..core.audit import AuditEvent
from ..core.time import today_tokyo
from .forms import AuditFilterForm
from .services import AuditFilter, audit_page, choices, csv_lines, csv_query

bp = Blueprint("audit_log", __name__)


def _filters() -> tuple[AuditFilterForm, AuditFilter | None]:
    """The form and the filters it gives, or None when the query string has a mistake."""
    form = AuditFilterForm(request.args)
    form.offer(*choices(current_user))
    if request.args and not form.validate():
        return form, None
    page = page_arg(request.args)
    return form, AuditFilter(
        user=form.user.data or "", object_type=form.object_type.data or "", object_id=form.object_id.data,
        action=form.action.data or "", since=form.since.data, until=form.until.data,
        page=page,
    )  # fmt: skip


@bp.get("/admin/audit")
@permission_required("read", AuditEvent)
def index():
    form, filters = _filters()
    page = audit_page(current_user, filters) if filters else None
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("audit_log/index.html", form=form, page=page, args=args)


@bp.get("/admin/audit.csv")
@permission_required("read", AuditEvent)
def export_csv():
    form, filters = _filters()
    if filters is None:
        return render_template("audit_log/index.html", form=form, page=None, args={}), 400
    name = f"audit-{today_tokyo():%Y%m%d}.csv"
    return Response(
        csv_lines(current_app._get_current_object(), csv_query(current_user, filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
