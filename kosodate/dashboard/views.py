"""/: the user's to-do list — warnings, own follow-ups, the report asked for, the next meeting."""

from flask import Blueprint, render_template
from flask_login import current_user

from ..initiatives.models import Category
from .services import dashboard_for

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    return render_template(
        "dashboard/index.html",
        board=dashboard_for(current_user),
        categories=list(Category),
    )
