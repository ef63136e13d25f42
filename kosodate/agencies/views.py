"""/agencies: the member agencies of the user's council."""

from flask import Blueprint, render_template
from flask_login import current_user

from .services import visible_agencies

bp = Blueprint("agencies", __name__)


@bp.get("/agencies")
def list_agencies():
    # the secretariat takes its council's data from here; admins from /admin/backups
    council = current_user.agency.council if current_user.agency else None
    return render_template("agencies/list.html", agencies=visible_agencies(current_user), council=council)
