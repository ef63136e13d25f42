"""/admin/councils: admins create a council and edit it and its plan items (項目), so that a new
region starts without the command line. Its agencies are added on /admin/agencies."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..core.access import get_for, get_or_404, permission_required, visible
from ..core.forms import AppForm
from ..core.refusals import commit_unless_refused
from ..extensions import db
from ..initiatives.forms import PlanItemForm, PlanItemMoveForm
from ..initiatives.models import Category, PlanItem
from ..initiatives.plan_item_changes import (
    PlanItemData,
    add_plan_item,
    move_plan_item,
    plan_items,
    update_plan_item,
)
from .changes import CouncilData, create_council, update_council
from .forms import CouncilForm
from .models import Agency, Council

bp = Blueprint("council_admin", __name__)


def _council_data(form: CouncilForm) -> CouncilData:
    return CouncilData(
        form.name.data.strip(), (form.area.data or "").strip(), (form.prefecture.data or "").strip()
    )


def _plan_item_data(form: PlanItemForm) -> PlanItemData:
    category = Category(form.category.data) if form.category.data else None
    return PlanItemData(form.number.data, form.title.data.strip(), category)


@bp.route("/admin/councils", methods=["GET", "POST"])
@permission_required("administer", Council)
def index():
    form = CouncilForm()
    if form.validate_on_submit():
        created, council = commit_unless_refused(
            form, lambda: create_council(current_user, _council_data(form))
        )
        if created:
            flash(f"「{council.name}」を作りました。項目と関係機関を登録してください。", "success")
            return redirect(url_for("council_admin.detail", council_id=council.id))
    councils = list(db.session.scalars(visible(current_user, Council).order_by(Council.id)))
    counts = dict(
        db.session.execute(db.select(Agency.council_id, db.func.count()).group_by(Agency.council_id)).all()
    )
    status = 400 if request.method == "POST" else 200
    return render_template("admin/councils.html", form=form, councils=councils, agency_counts=counts), status


def _detail_page(council: Council, council_form=None, new_item_form=None, edited=None, status: int = 200):
    """The council's page; `edited`: (the plan item, its form with errors) when one was refused."""
    items = plan_items(council)
    forms = {
        item.id: PlanItemForm(formdata=None, data={"number": item.number, "title": item.title,
                                                  "category": item.category.value if item.category else ""})
        for item in items
    }  # fmt: skip
    if edited is not None:
        forms[edited[0].id] = edited[1]
    return render_template(
        "admin/council_detail.html",
        council=council,
        council_form=council_form or CouncilForm(formdata=None, obj=council),
        items=items,
        item_forms=forms,
        new_item_form=new_item_form or PlanItemForm(formdata=None),
        move_form=AppForm(formdata=None),
    ), status


@bp.route("/admin/councils/<id:council_id>", methods=["GET", "POST"])
def detail(council_id: int):
    council = get_for(current_user, "administer", Council, council_id)
    if request.method == "GET":
        return _detail_page(council)
    form = CouncilForm()
    if form.validate_on_submit():
        saved, changes = commit_unless_refused(
            form, lambda: update_council(current_user, council, _council_data(form))
        )
        if saved:
            flash("保存しました。" if changes else "変更はありませんでした。", "success")
            return redirect(url_for("council_admin.detail", council_id=council.id))
    return _detail_page(council, council_form=form, status=400)


@bp.post("/admin/councils/<id:council_id>/plan-items")
def add_item(council_id: int):
    council = get_for(current_user, "administer", Council, council_id)
    form = PlanItemForm()
    if form.validate_on_submit():
        added, item = commit_unless_refused(
            form, lambda: add_plan_item(current_user, council, _plan_item_data(form))
        )
        if added:
            flash(f"項目 {item.number}「{item.title}」を追加しました。", "success")
            return redirect(url_for("council_admin.detail", council_id=council.id))
    return _detail_page(council, new_item_form=form, status=400)


def _plan_item(council: Council, plan_item_id: int) -> PlanItem:
    item = get_or_404(current_user, PlanItem, plan_item_id)
    if item.council_id != council.id:  # another council's item under this council's address
        abort(404)
    return item


@bp.post("/admin/councils/<id:council_id>/plan-items/<id:plan_item_id>")
def edit_item(council_id: int, plan_item_id: int):
    council = get_for(current_user, "administer", Council, council_id)
    item = _plan_item(council, plan_item_id)
    form = PlanItemForm()
    if form.validate_on_submit():
        saved, changes = commit_unless_refused(
            form, lambda: update_plan_item(current_user, item, _plan_item_data(form))
        )
        if saved:
            flash(
                f"項目 {item.number} を保存しました。" if changes else "変更はありませんでした。", "success"
            )
            return redirect(url_for("council_admin.detail", council_id=council.id))
    return _detail_page(council, edited=(item, form), status=400)


@bp.post("/admin/councils/<id:council_id>/plan-items/<id:plan_item_id>/move")
def move_item(council_id: int, plan_item_id: int):
    council = get_for(current_user, "administer", Council, council_id)
    item = _plan_item(council, plan_item_id)
    form = PlanItemMoveForm()
    if not form.validate_on_submit():
        flash("操作が正しくありません。もう一度操作してください。", "error")
    elif move_plan_item(current_user, item, form.direction.data):
        db.session.commit()
    else:
        flash("これ以上は動かせません。", "info")
    return redirect(url_for("council_admin.detail", council_id=council.id))
