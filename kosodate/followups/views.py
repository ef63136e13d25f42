"""/followups: the list, a follow-up's page, creating, editing, status, comments, bulk actions."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..agencies.models import Agency
from ..auth.models import Role, User
from ..auth.redirects import back_path, safe_next_path
from ..cases.models import Case
from ..core import audit
from ..core.access import can, get_for, get_or_404, permission_required, require
from ..core.args import date_arg, id_arg, page_arg, parse_id
from ..core.forms import int_or_none
from ..core.time import today_tokyo
from ..extensions import db
from ..initiatives.models import Category, Initiative
from ..initiatives.services import visible_plan_items
from ..meetings.models import Meeting
from . import changes
from .forms import BulkForm, CommentForm, FollowUpForm, StatusForm
from .models import OPEN_STATUSES, FollowUp, FollowUpPriority, FollowUpStatus
from .services import (
    SORT_LABELS,
    SORTS,
    FollowUpFilter,
    agency_people,
    filter_options,
    form_choices,
    list_followups,
)

bp = Blueprint("followups", __name__)


# --- the list ------------------------------------------------------------------------------------


def _filter_from_args(args) -> FollowUpFilter:
    """Filters from the query string, so that a view can be bookmarked; what does not parse is ignored."""
    status = args.get("status", "active")
    if status == "active":
        statuses = OPEN_STATUSES
    elif status in FollowUpStatus._value2member_map_:
        statuses = (FollowUpStatus(status),)
    else:
        statuses = ()
    default_view = "mine" if current_user.role is Role.AGENCY_MEMBER else "all"
    category = args.get("category")
    return FollowUpFilter(
        mine=args.get("view", default_view) == "mine",
        statuses=statuses,
        agency_id=id_arg(args, "agency"),
        owner_id=id_arg(args, "owner"),
        due_after=date_arg(args, "due_after"),
        due_before=date_arg(args, "due_before"),
        overdue=args.get("overdue") == "1",
        meeting_id=id_arg(args, "meeting"),
        category=Category(category) if category in Category._value2member_map_ else None,
        plan_item_id=id_arg(args, "plan_item"),
        discuss=args.get("discuss") == "1",
        text=args.get("q", "").strip()[:100],
        sort=args.get("sort", "due") if args.get("sort") in SORTS else "due",
        page=page_arg(args),
    )


@bp.get("/followups")
def list_view():
    filters = _filter_from_args(request.args)
    page = list_followups(current_user, filters)
    options = filter_options(current_user.council_id, filters.agency_id)
    bulk_form = BulkForm() if can(current_user, "bulk", FollowUp) else None
    plan_items = visible_plan_items(current_user, current_user.council_id)
    return render_template(
        "followups/list.html",
        page=page,
        filters=filters,
        status_arg=request.args.get("status", "active"),
        options=options,
        plan_items=plan_items,
        categories=list(Category),
        statuses=list(FollowUpStatus),
        sort_labels=SORT_LABELS,
        bulk_form=bulk_form,
        args=request.args.to_dict(),
    )


@bp.get("/followups/owners")
def owners():
    """The people of an agency, for the owner pickers: loaded when an agency is chosen, so that no
    page carries the whole council's list."""
    agency = get_or_404(current_user, Agency, request.args.get("agency"))
    return {"owners": [{"id": user_id, "name": name} for user_id, name in agency_people(agency.id)]}


# --- create and edit -----------------------------------------------------------------------------


def _fill_choices(form: FollowUpForm, choices, user: User, case: Case | None = None) -> None:
    agencies = linked = choices.agencies
    if case is not None:  # a case's follow-up is for its care team, whoever on it writes it
        agencies = linked = [agency for agency in agencies if agency.id in case.team_agency_ids]
    elif user.role is Role.AGENCY_MEMBER:  # they create and move follow-ups for their own agency only
        agencies = [agency for agency in agencies if agency.id == user.agency_id]
    form.responsible_agency.choices = [(agency.id, agency.name) for agency in agencies]
    owners = choices.users
    if case is not None:
        owners = [owner for owner in owners if owner.agency_id in case.team_agency_ids]
    form.owner.choices = [(None, "（担当者なし）")] + [(user.id, user.name) for user in owners]
    form.linked_agencies.choices = [(agency.id, agency.name) for agency in linked]
    form.source_meeting.choices = [(None, "（なし）")] + [
        (meeting.id, f"{meeting.starts_at:%Y-%m-%d} {meeting.public_title}") for meeting in choices.meetings
    ]
    form.source_initiative.choices = [(None, "（なし）")] + [
        (initiative.id, f"{initiative.lead_agency.name}：{initiative.title}")
        for initiative in choices.initiatives
    ]


def _render_form(form: FollowUpForm, choices, status: int, **context):
    """The form, its owner list narrowed to the chosen agency's people (any of the council's is
    accepted on saving, and then checked against the agency)."""
    agency_id = form.responsible_agency.data
    form.owner.choices = [form.owner.choices[0]] + [
        (user.id, user.name) for user in choices.users if user.agency_id == agency_id
    ]
    back = back_path(
        url_for("followups.detail", followup_id=context["followup"].id)
        if context.get("followup")
        else url_for("followups.list_view")
    )
    return render_template("followups/form.html", form=form, back=back, **context), status


def _data_from(form: FollowUpForm, choices, case: Case | None = None) -> changes.FollowUpData:
    agencies = {agency.id: agency for agency in choices.agencies}
    users = {user.id: user for user in choices.users}
    return changes.FollowUpData(
        title=form.title.data.strip(),
        description=form.description.data or "",
        responsible_agency=agencies[form.responsible_agency.data],
        owner=users.get(form.owner.data),
        linked_agencies=[agencies[agency_id] for agency_id in form.linked_agencies.data or []],
        due_date=form.due_date.data,
        priority=FollowUpPriority(form.priority.data),
        discuss_at_next_meeting=form.discuss_at_next_meeting.data,
        source_meeting=next((m for m in choices.meetings if m.id == form.source_meeting.data), None),
        source_initiative=next((i for i in choices.initiatives if i.id == form.source_initiative.data), None),
        case=case,
    )


def _source(model, arg: str):
    """The meeting or initiative a new follow-up comes from (?meeting=… / ?initiative=…): 404 when
    the user may not open it."""
    value = request.args.get(arg)
    return None if value in (None, "") else get_or_404(current_user, model, value)


def _warn_past_due(followup: FollowUp) -> None:
    if followup.due_date is not None and followup.due_date < today_tokyo():
        flash(
            f"期限（{followup.due_date:%Y-%m-%d}）が今日より前の日付です。よろしければこのままで構いません。",
            "warning",
        )


@bp.route("/followups/new", methods=["GET", "POST"])
@permission_required("create", FollowUp)
def create():
    meeting, initiative = _source(Meeting, "meeting"), _source(Initiative, "initiative")
    # a case's follow-up: from its page (?case=…) or from one of its meetings; the care team writes it
    case = meeting.case if meeting is not None and meeting.case_id else _source(Case, "case")
    if case is not None:
        require(current_user, "edit", case)
    source = case or meeting or initiative
    choices = form_choices(source.council_id if source is not None else current_user.council_id, case)
    form = FollowUpForm()
    _fill_choices(form, choices, current_user, case)
    if request.method == "GET":
        form.source_meeting.data = meeting.id if meeting else None
        form.source_initiative.data = initiative.id if initiative else None
        form.responsible_agency.data = current_user.agency_id
        if initiative is not None and current_user.role is not Role.AGENCY_MEMBER:
            form.responsible_agency.data = initiative.lead_agency_id
    if form.validate_on_submit():
        try:
            followup = changes.create_followup(current_user, _data_from(form, choices, case))
        except changes.FollowUpRefused as refusal:
            form[refusal.field].errors.append(str(refusal))
        else:
            db.session.commit()
            flash("対応事項を登録しました。", "success")
            _warn_past_due(followup)
            return redirect(url_for("followups.detail", followup_id=followup.id))
    return _render_form(
        form, choices, 400 if request.method == "POST" else 200, followup=None, meeting=meeting, case=case
    )


@bp.route("/followups/<id:followup_id>/edit", methods=["GET", "POST"])
def edit(followup_id: int):
    followup = get_for(current_user, "change", FollowUp, followup_id)
    choices = form_choices(followup.council_id, followup.case)
    form = FollowUpForm(obj=None if request.method == "POST" else followup)
    _fill_choices(form, choices, current_user, followup.case)
    if request.method == "GET":
        _load_form(form, followup)
    conflict = None
    if form.validate_on_submit():
        try:
            changes.update_followup(
                current_user, followup, _data_from(form, choices), int_or_none(form.version.data)
            )
            db.session.commit()
        except changes.FollowUpRefused as refusal:
            db.session.rollback()
            form[refusal.field].errors.append(str(refusal))
        except (changes.FollowUpConflict, StaleDataError):
            db.session.rollback()
            conflict = db.session.get(FollowUp, followup_id)
            db.session.refresh(conflict)
            form.version.data = conflict.version  # a save after reading the newer values is deliberate
        else:
            flash("対応事項を更新しました。", "success")
            _warn_past_due(followup)
            return redirect(url_for("followups.detail", followup_id=followup.id))
    status = 409 if conflict else (400 if request.method == "POST" else 200)
    return _render_form(form, choices, status, followup=followup, conflict=conflict, case=followup.case)


def _load_form(form: FollowUpForm, followup: FollowUp) -> None:
    form.responsible_agency.data = followup.responsible_agency_id
    form.owner.data = followup.owner_id
    form.linked_agencies.data = [agency.id for agency in followup.linked_agencies]
    form.priority.data = followup.priority.value
    form.source_meeting.data = followup.source_meeting_id
    form.source_initiative.data = followup.source_initiative_id
    form.version.data = followup.version


# --- a follow-up's page: status and comments -------------------------------------------------------


def _history(followup: FollowUp) -> list[audit.AuditEvent]:
    query = (
        sa.select(audit.AuditEvent, User)
        .outerjoin(User, User.id == audit.AuditEvent.actor_id)
        .where(
            audit.AuditEvent.object_type == FollowUp.__tablename__, audit.AuditEvent.object_id == followup.id
        )
        .order_by(audit.AuditEvent.occurred_at, audit.AuditEvent.id)
    )
    return list(db.session.execute(query).all())


@bp.get("/followups/<id:followup_id>")
def detail(followup_id: int, status_form=None, comment_form=None, status=200):
    followup = get_or_404(current_user, FollowUp, followup_id)
    status_form = status_form or StatusForm(version=followup.version)
    return (
        render_template(
            "followups/detail.html",
            followup=followup,
            today=today_tokyo(),
            actions=changes.available_actions(followup),
            status_form=status_form,
            comment_form=comment_form or CommentForm(),
            history=_history(followup),
            labels=changes.TRACKED,
        ),
        status,
    )


@bp.post("/followups/<id:followup_id>/status")
def change_status(followup_id: int):
    followup = get_for(current_user, "change", FollowUp, followup_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return detail(followup_id, status_form=form, status=400)
    try:
        changes.change_status(
            current_user, followup, form.action.data, form.note.data or "", int_or_none(form.version.data)
        )
        db.session.commit()
    except changes.FollowUpRefused as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    except (changes.FollowUpConflict, StaleDataError):
        db.session.rollback()
        flash(
            "この対応事項は他の人が先に更新しました。最新の内容を確認してから、もう一度操作してください。",
            "error",
        )
    else:
        flash(f"「{followup.status.label}」にしました。", "success")
    return redirect(url_for("followups.detail", followup_id=followup_id))


@bp.post("/followups/<id:followup_id>/comments")
def comment(followup_id: int):
    followup = get_for(current_user, "comment", FollowUp, followup_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return detail(followup_id, comment_form=form, status=400)
    try:
        changes.add_comment(current_user, followup, form.body.data.strip())
    except changes.FollowUpRefused as refusal:
        form.body.errors.append(str(refusal))
        return detail(followup_id, comment_form=form, status=400)
    db.session.commit()
    flash("コメントを追加しました。", "success")
    return redirect(url_for("followups.detail", followup_id=followup_id) + "#comments")


# --- bulk actions --------------------------------------------------------------------------------


def _bulk_form(choices) -> BulkForm:
    form = BulkForm()
    form.responsible_agency.choices = [(None, "（選択）")] + [(a.id, a.name) for a in choices.agencies]
    form.owner.choices = [(None, "（担当者なし）")] + [
        (u.id, f"{u.name}（{u.agency.name}）") for u in choices.users
    ]
    return form


@bp.post("/followups/bulk")
@permission_required("bulk", FollowUp)
def bulk():
    choices = form_choices(current_user.council_id)
    form = _bulk_form(choices)
    # values that are not ids are left out here, and then refused by the form's check of its choices
    ids = [followup_id for followup_id in map(parse_id, request.form.getlist("ids")) if followup_id]
    followups = db.session.scalars(sa.select(FollowUp).where(FollowUp.id.in_(ids))).all()
    visible = [f for f in followups if can(current_user, "change", f)]
    form.ids.choices = [(f.id, f.title) for f in visible]
    back = redirect(safe_next_path(request.form.get("back")) or url_for("followups.list_view"))
    if not form.validate_on_submit() or len(visible) != len(followups):
        flash("一括操作の対象または内容が正しくありません。対象を選び直してください。", "error")
        return back
    agencies = {agency.id: agency for agency in choices.agencies}
    users = {user.id: user for user in choices.users}
    try:
        if form.action.data == "reassign":
            agency = agencies.get(form.responsible_agency.data)
            if agency is None:
                raise changes.FollowUpRefused("変更先の担当機関を選んでください。")
            changes.bulk_reassign(current_user, visible, agency, users.get(form.owner.data))
            message = f"{len(visible)}件の担当を変更しました。"
        elif form.action.data == "due_date":
            if form.due_date.data is None:
                raise changes.FollowUpRefused("変更後の期限を入力してください。")
            changes.bulk_due_date(current_user, visible, form.due_date.data)
            message = f"{len(visible)}件の期限を変更しました。"
        elif form.action.data == "close":
            message = f"{changes.bulk_close(current_user, visible, form.note.data or '')}件を完了にしました。"
        else:
            raise changes.FollowUpRefused("一括操作を選んでください。")
        db.session.commit()
    except changes.FollowUpRefused as refusal:
        db.session.rollback()
        flash(f"{refusal} 何も変更していません。", "error")
        return back
    flash(message, "success")
    return back
