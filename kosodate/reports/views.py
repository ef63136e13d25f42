"""/reports/progress: the compiled progress status list, on screen and as Excel, PDF and CSV."""

import re
from io import BytesIO

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user

from ..agencies.models import Council
from ..core.access import get_or_404, visible
from ..core.args import fiscal_year_arg, id_arg
from ..extensions import db
from ..initiatives.models import Category
from ..initiatives.services import default_fiscal_year, report_years, visible_plan_items
from .compiled import agency_choices, compiled_columns, filter_columns, list_title, row_labels
from .export_cache import progress_file
from .layout import lay_out

bp = Blueprint("reports", __name__)

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}


def _council_and_year() -> tuple[Council, int]:
    council_id = id_arg(request.args, "council") or current_user.council_id
    if council_id is None:  # an admin without a council of their own: the first they may see
        council_id = db.session.scalar(visible(current_user, Council).with_only_columns(Council.id).limit(1))
    council = get_or_404(current_user, Council, council_id)
    fiscal_year = fiscal_year_arg(request.args)
    if fiscal_year is None and re.fullmatch(r"-?[0-9]+", request.args.get("fy", "")):
        abort(404)  # the list of a year the app does not know; a value that is no number is ignored
    return council, fiscal_year or default_fiscal_year(current_user)


@bp.get("/reports/progress")
def progress():
    council, fiscal_year = _council_and_year()
    columns = compiled_columns(council.id, fiscal_year)
    category = request.args.get("category")
    category = Category(category) if category in Category._value2member_map_ else None
    plan_item_id = id_arg(request.args, "plan_item")
    agency_id = id_arg(request.args, "agency")
    rows = filter_columns(columns, category, plan_item_id, agency_id)
    used = {item_id for column in columns for item_id in column.plan_item_ids}
    plan_items = [item for item in visible_plan_items(current_user, council.id) if item.id in used]
    return render_template(
        "reports/progress.html",
        council=council,
        fiscal_year=fiscal_year,
        years=report_years(current_user),
        view="rows" if request.args.get("view") == "rows" else "table",
        layout=lay_out(columns),
        rows=rows,
        labels=row_labels(fiscal_year),
        title=list_title(fiscal_year),
        categories=list(Category),
        plan_items=plan_items,
        agencies=agency_choices(columns),
        filters={"category": category, "plan_item": plan_item_id, "agency": agency_id},
    )


@bp.get("/reports/progress.<any(xlsx, pdf, csv):file_format>")
def progress_download(file_format: str):
    council, fiscal_year = _council_and_year()
    exported = progress_file(council.id, fiscal_year, file_format)
    return send_file(
        BytesIO(exported.content),
        mimetype=MEDIA_TYPES[file_format],
        as_attachment=True,
        download_name=f"{list_title(fiscal_year)}_{council.name}.{file_format}",
    )
