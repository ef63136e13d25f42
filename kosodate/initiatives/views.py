"""/initiatives and an initiative's page."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..agencies.services import visible_agencies
from ..core.access import get_or_404
from ..core.args import fiscal_year_arg, id_arg
from ..reports.columns import report_rows
from .models import Category, Initiative
from .services import (
    InitiativeFilter,
    default_fiscal_year,
    list_initiatives,
    report_years,
    reports_of,
    visible_plan_items,
)

bp = Blueprint("initiatives", __name__)


def _filter_from_args(args) -> InitiativeFilter:
    """Filters from the query string; a value that does not parse is ignored, never a 500."""
    category = args.get("category")
    return InitiativeFilter(
        fiscal_year=fiscal_year_arg(args) or default_fiscal_year(current_user),
        category=Category(category) if category in Category._value2member_map_ else None,
        agency_id=id_arg(args, "agency"),
        plan_item_id=id_arg(args, "plan_item"),
    )


@bp.get("/initiatives")
def list_view():
    filters = _filter_from_args(request.args)
    return render_template(
        "initiatives/list.html",
        rows=list_initiatives(current_user, filters),
        filters=filters,
        years=report_years(current_user),
        categories=list(Category),
        agencies=visible_agencies(current_user),
        plan_items=visible_plan_items(current_user),
    )


@bp.get("/initiatives/<id:initiative_id>")
def detail(initiative_id: int):
    initiative = get_or_404(current_user, Initiative, initiative_id)
    reports = reports_of(initiative)
    return render_template(
        "initiatives/detail.html",
        initiative=initiative,
        reports=[(report, report_rows(report)) for report in reports],
    )
