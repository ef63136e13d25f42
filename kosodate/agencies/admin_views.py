"""/admin/agencies: adding and editing agencies — their kind, municipality, and the contact address
that agency reminders go to. Admins for every council, the secretariat for its own."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..core.access import can, get_for, permission_required, visible
from ..core.refusals import commit_unless_refused
from ..core.roles import Role
from ..extensions import db
from .changes import AgencyData, create_agency, update_agency
from .forms import AgencyForm
from .models import Agency, AgencyKind, Council
from .services import visible_agencies

bp = Blueprint("agency_admin", __name__)


def _councils() -> list[Council]:
    """The councils whose agencies the user administers."""
    councils = db.session.scalars(visible(current_user, Council).order_by(Council.id))
    return [council for council in councils if can(current_user, "run", council)]


def _data(form: AgencyForm) -> AgencyData:
    def text(field) -> str | None:
        return (field.data or "").strip() or None

    return AgencyData(
        name=form.name.data.strip(),
        kind=AgencyKind(form.kind.data),
        municipality=text(form.municipality),
        contact_email=(text(form.contact_email) or "").lower() or None,
        phone=text(form.phone),
        address=text(form.address),
        website=text(form.website),
        sort_order=form.sort_order.data or 0,
        active=bool(form.active.data),
    )


@bp.get("/admin/agencies")
@permission_required("manage", Agency)
def index():
    agencies = [agency for agency in visible_agencies(current_user) if can(current_user, "edit", agency)]
    several = current_user.role is Role.ADMIN
    return render_template("admin/agencies.html", agencies=agencies, several_councils=several)


@bp.route("/admin/agencies/new", methods=["GET", "POST"])
@permission_required("manage", Agency)
def create():
    councils = _councils()
    form = AgencyForm(data={"council": councils[0].id if len(councils) == 1 else None, "active": True})
    form.council.choices = [(council.id, council.name) for council in councils]
    if form.validate_on_submit():
        council = next((c for c in councils if c.id == form.council.data), None)
        if council is None:
            form.council.errors.append("連絡会議を選んでください。")
        else:
            created, agency = commit_unless_refused(
                form, lambda: create_agency(current_user, council, _data(form))
            )
            if created:
                flash(f"「{agency.name}」を登録しました。", "success")
                return redirect(url_for("agency_admin.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/agency_form.html", form=form, agency=None), status


@bp.route("/admin/agencies/<id:agency_id>/edit", methods=["GET", "POST"])
def edit(agency_id: int):
    agency = get_for(current_user, "edit", Agency, agency_id)
    form = AgencyForm(obj=agency) if request.method == "GET" else AgencyForm()
    del form.council
    if form.validate_on_submit():
        saved, changes = commit_unless_refused(form, lambda: update_agency(current_user, agency, _data(form)))
        if saved:
            flash(f"「{agency.name}」を保存しました。" if changes else "変更はありませんでした。", "success")
            return redirect(url_for("agency_admin.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/agency_form.html", form=form, agency=agency), status
