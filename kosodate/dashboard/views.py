"""/: counts of initiatives and follow-ups and the next meeting, for the logged-in user."""

from flask import Blueprint, render_template
from flask_login import current_user

from ..backups.services import dashboard_warning
from ..followups.services import followup_counts
from ..initiatives.models import Category
from ..initiatives.services import category_counts, default_fiscal_year
from ..meetings.services import next_meeting

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    fiscal_year = default_fiscal_year(current_user)
    return render_template(
        "dashboard/index.html",
        fiscal_year=fiscal_year,
        category_counts=category_counts(current_user, fiscal_year),
        categories=list(Category),
        counts=followup_counts(current_user),
        next_meeting=next_meeting(current_user),
        backup_warning=dashboard_warning(current_user),
    )
