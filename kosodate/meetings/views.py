"""/meetings."""

from flask import Blueprint, render_template
from flask_login import current_user

from .services import list_meetings

bp = Blueprint("meetings", __name__)


@bp.get("/meetings")
def list_view():
    return render_template("meetings/list.html", meetings=list_meetings(current_user))
