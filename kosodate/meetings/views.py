"""/meetings: the list, a meeting's page, creating and editing, attachments."""

from datetime import datetime, time
from io import BytesIO

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload, selectinload

from ..agencies.models import Agency, Council
from ..agencies.services import visible_agencies
from ..auth.redirects import back_path
from ..cases.access_log import looked_at
from ..cases.models import AccessKind, Case
from ..cases.services import default_agenda
from ..core import audit
from ..core.access import get_for, get_or_404, require, visible
from ..core.args import fiscal_year_arg, id_arg, page_arg, parse_id
from ..core.time import TOKYO, fiscal_year_of, to_tokyo, today_tokyo
from ..extensions import db
from ..initiatives.models import Initiative
from ..initiatives.services import visible_plan_items
from .attachments import AttachmentRefused, attachment_path, discard_file, save_attachment
from .changes import MeetingRefused, cancel_meeting, note_if_moved, where_and_when
from .forms import AGENDA_BLANK_ROWS, AttachmentForm, MeetingForm
from .models import AgendaItem, Attachment, Meeting, MeetingKind
from .review import build_review, grouped
from .review_xlsx import review_workbook
from .services import PAGE_SIZE, MeetingFilter, list_meetings, meeting_outcomes

bp = Blueprint("meetings", __name__)


@bp.get("/meetings")
def list_view():
    kind = request.args.get("kind")
    when = request.args.get("when")
    filters = MeetingFilter(
        council_id=id_arg(request.args, "council"),
        kind=MeetingKind(kind) if kind in MeetingKind._value2member_map_ else None,
        fiscal_year=fiscal_year_arg(request.args),
        when=when if when in ("upcoming", "past") else None,
        page=page_arg(request.args),
    )
    meetings, total = list_meetings(current_user, filters)
    councils = db.session.scalars(visible(current_user, Council).order_by(Council.id)).all()
    return render_template(
        "meetings/list.html",
        meetings=meetings,
        total=total,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters=filters,
        kinds=list(MeetingKind),
        councils=councils,
        this_year=fiscal_year_of(today_tokyo()),
        args=request.args.to_dict(),
    )


def _open(meeting_id, kind: AccessKind = AccessKind.MEETING, *options) -> Meeting:
    """get_or_404 for a meeting; a case's meeting also logs the look (or the refused try) in the
    case's access log."""
    number = parse_id(meeting_id)
    meeting = (
        db.session.scalar(sa.select(Meeting).where(Meeting.id == number).options(*options))
        if number
        else None
    )
    if meeting is None:
        abort(404)
    return looked_at(current_user, meeting, meeting.case, kind)


@bp.get("/meetings/<id:meeting_id>")
def detail(meeting_id: int):
    meeting = _open(
        meeting_id,
        AccessKind.MEETING,
        joinedload(Meeting.host_agency),
        joinedload(Meeting.secretariat_agency),
        selectinload(Meeting.attendee_agencies),
        selectinload(Meeting.attachments),
        selectinload(Meeting.agenda_items).options(
            joinedload(AgendaItem.plan_item),
            joinedload(AgendaItem.initiative).joinedload(Initiative.lead_agency),
        ),
    )
    page = render_template(
        "meetings/detail.html",
        meeting=meeting,
        outcomes=meeting_outcomes(current_user, meeting),
        today=today_tokyo(),
        attachment_form=AttachmentForm(),
        cancel_form=FlaskForm(),
    )
    return page


# --- create and edit -----------------------------------------------------------------------------


def _council_choices(form: MeetingForm, council_id: int, case: Case | None = None) -> None:
    agencies = visible_agencies(current_user, council_id, active_only=True)
    if case is not None:  # a case's meeting is hosted by and invites its care team only
        agencies = [agency for agency in agencies if agency.id in case.team_agency_ids]
    plan_items = visible_plan_items(current_user, council_id)
    initiatives = db.session.scalars(
        sa.select(Initiative)
        .where(Initiative.council_id == council_id)
        .options(selectinload(Initiative.lead_agency))
        .order_by(Initiative.sort_order, Initiative.id)
    ).all()
    agency_choices = [(agency.id, agency.name) for agency in agencies]
    form.host_agency.choices = [(None, "（なし）"), *agency_choices]
    form.secretariat_agency.choices = [(None, "（なし）"), *agency_choices]
    form.attendee_agencies.choices = agency_choices
    for entry in form.agenda:
        entry.form.plan_item.choices = [(None, "（なし）")] + [
            (i.id, f"{i.number} {i.title}") for i in plan_items
        ]
        entry.form.initiative.choices = [(None, "（なし）")] + [
            (i.id, f"{i.lead_agency.name}：{i.title}") for i in initiatives
        ]


def _apply(form: MeetingForm, meeting: Meeting) -> None:
    agencies = {agency.id: agency for agency in db.session.scalars(
        sa.select(Agency).where(Agency.council_id == meeting.council_id))}  # fmt: skip
    meeting.kind = MeetingKind(form.kind.data)
    meeting.title = form.title.data.strip()
    meeting.starts_at = datetime.combine(form.day.data, time.fromisoformat(form.start_time.data), TOKYO)
    meeting.place = form.place.data or ""
    meeting.host_agency = agencies.get(form.host_agency.data)
    meeting.secretariat_agency = agencies.get(form.secretariat_agency.data)
    meeting.attendee_agencies = [agencies[i] for i in form.attendee_agencies.data or []]
    meeting.notes = form.notes.data or ""
    meeting.minutes = form.minutes.data or ""
    items = [entry.form for entry in form.agenda if (entry.form.title.data or "").strip()]
    meeting.agenda_items = [
        AgendaItem(
            position=position,
            title=item.title.data.strip(),
            plan_item_id=item.plan_item.data,
            initiative_id=item.initiative.data,
        )
        for position, item in enumerate(items, start=1)
    ]


def _meeting_form(meeting: Meeting | None, case: Case | None = None) -> MeetingForm:
    if request.method == "POST":
        return MeetingForm()
    if meeting is None and case is not None:
        return _conference_form(case)
    form = MeetingForm(obj=meeting)
    if meeting is not None:
        local = to_tokyo(meeting.starts_at)
        form.kind.data = meeting.kind.value
        form.day.data, form.start_time.data = local.date(), f"{local:%H:%M}"
        form.host_agency.data = meeting.host_agency_id
        form.secretariat_agency.data = meeting.secretariat_agency_id
        form.attendee_agencies.data = [agency.id for agency in meeting.attendee_agencies]
        while len(form.agenda):
            form.agenda.pop_entry()
        for item in meeting.agenda_items:
            form.agenda.append_entry(
                {"title": item.title, "plan_item": item.plan_item_id, "initiative": item.initiative_id}
            )
        for _ in range(AGENDA_BLANK_ROWS):
            form.agenda.append_entry()
    return form


def _conference_form(case: Case) -> MeetingForm:
    """A discharge conference of the case: hosted by its hospital, inviting its care team, opening
    with the council's agenda."""
    team = case.team_agency_ids
    host = case.main_hospital_id if case.main_hospital_id in team else case.lead_agency_id
    form = MeetingForm(
        kind=MeetingKind.DISCHARGE_CONFERENCE.value, title=MeetingKind.DISCHARGE_CONFERENCE.label
    )
    form.host_agency.data = host
    form.attendee_agencies.data = sorted(team)
    while len(form.agenda):
        form.agenda.pop_entry()
    for title in default_agenda(case.council_id):
        form.agenda.append_entry({"title": title})
    for _ in range(AGENDA_BLANK_ROWS):
        form.agenda.append_entry()
    return form


def _names_child(form: MeetingForm, case: Case | None) -> bool:
    """A case's meeting may not carry the child's name in its title (it is shown in e-mails)."""
    if case is None or not case.named_in(form.title.data or ""):
        return False
    form.title.errors.append(
        "会議名にお子さんの氏名（ふりがな）は書かないでください。ケースコードで足ります。"
    )
    return True


def _render_form(form: MeetingForm, meeting: Meeting | None, case: Case | None):
    default = url_for("meetings.detail", meeting_id=meeting.id) if meeting else url_for("meetings.list_view")
    status = 400 if request.method == "POST" else 200
    return render_template(
        "meetings/form.html", form=form, meeting=meeting, case=case, back=back_path(default)
    ), status


@bp.route("/meetings/new", methods=["GET", "POST"])
def create():
    # ?case=…: a meeting of a case (a discharge conference), scheduled by its care team
    case = get_for(current_user, "edit", Case, request.args["case"]) if request.args.get("case") else None
    if case is None:
        require(current_user, "create", Meeting)
    council_id = (
        case.council_id
        if case is not None
        else current_user.council_id or get_or_404(current_user, Council, request.args.get("council")).id
    )
    form = _meeting_form(None, case)
    _council_choices(form, council_id, case)
    if form.validate_on_submit() and not _names_child(form, case):
        meeting = Meeting(council_id=council_id, case=case)
        _apply(form, meeting)
        db.session.add(meeting)
        audit.record(
            "meeting.create", actor=current_user, obj=meeting, changes={"title": [None, meeting.title]}
        )
        db.session.commit()
        flash("会議を登録しました。", "success")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return _render_form(form, None, case)


@bp.route("/meetings/<id:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int):
    meeting = _open(meeting_id)
    require(current_user, "edit", meeting)
    form = _meeting_form(meeting)
    _council_choices(form, meeting.council_id, meeting.case)
    if form.validate_on_submit() and not _names_child(form, meeting.case):
        before = {
            "title": meeting.title,
            "starts_at": meeting.starts_at.isoformat(),
            "place": meeting.place,
            "minutes": meeting.minutes,
        }
        placed = where_and_when(meeting)
        _apply(form, meeting)
        note_if_moved(meeting, placed)
        after = {
            "title": meeting.title,
            "starts_at": meeting.starts_at.isoformat(),
            "place": meeting.place,
            "minutes": meeting.minutes,
        }
        changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
        audit.record("meeting.update", actor=current_user, obj=meeting, changes=changed)
        db.session.commit()
        flash("会議を更新しました。", "success")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return _render_form(form, meeting, meeting.case)


@bp.post("/meetings/<id:meeting_id>/cancel")
def cancel(meeting_id: int):
    meeting = get_for(current_user, "edit", Meeting, meeting_id)
    if not FlaskForm().validate_on_submit():
        flash("フォームの有効期限が切れました。もう一度操作してください。", "error")
    else:
        try:
            cancel_meeting(current_user, meeting)
            db.session.commit()
        except MeetingRefused as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
        else:
            flash("会議を中止にしました。出席機関へのお知らせメールは送られなくなります。", "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


# --- attachments ---------------------------------------------------------------------------------


@bp.post("/meetings/<id:meeting_id>/attachments")
def upload(meeting_id: int):
    meeting = _open(meeting_id, AccessKind.ATTACHMENT)
    require(current_user, "edit", meeting)
    form = AttachmentForm()
    if not form.validate_on_submit():
        flash(" ".join(form.file.errors) or "ファイルを選んでください。", "error")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#attachments")
    try:
        attachment = save_attachment(current_user, meeting, form.file.data)
    except AttachmentRefused as refusal:
        db.session.rollback()
        flash(f"{refusal} 何も保存していません。", "error")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#attachments")
    try:
        db.session.commit()
    except BaseException:  # the row is not saved: neither is its file
        db.session.rollback()
        discard_file(attachment)
        raise
    flash(f"別紙「{attachment.filename}」を添付しました。", "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#attachments")


@bp.get("/meetings/<id:meeting_id>/attachments/<id:attachment_id>")
def download(meeting_id: int, attachment_id: int):
    attachment = db.session.get(Attachment, parse_id(attachment_id)) if parse_id(attachment_id) else None
    if attachment is None or attachment.meeting_id != meeting_id:
        abort(404)
    looked_at(current_user, attachment, attachment.meeting.case, AccessKind.ATTACHMENT)
    if not attachment_path(attachment).exists():
        abort(404)
    file = send_file(
        attachment_path(attachment),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    return file


# --- the pre-meeting review ----------------------------------------------------------------------


@bp.get("/meetings/<id:meeting_id>/review")
def review(meeting_id: int):
    meeting = _open(meeting_id)
    page = render_template(
        "meetings/review.html", review=build_review(meeting, current_user), grouped=grouped, printing=False
    )
    return page


@bp.get("/meetings/<id:meeting_id>/review/print")
def review_print(meeting_id: int):
    meeting = _open(meeting_id)
    page = render_template(
        "meetings/review_print.html",
        review=build_review(meeting, current_user),
        grouped=grouped,
        printing=True,
    )
    return page


@bp.get("/meetings/<id:meeting_id>/review.xlsx")
def review_xlsx(meeting_id: int):
    meeting = _open(meeting_id, AccessKind.EXPORT)
    content = review_workbook(build_review(meeting, current_user))
    name = f"会議前確認_{to_tokyo(meeting.starts_at):%Y%m%d}.xlsx"
    file = send_file(
        BytesIO(content),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=name,
    )
    return file
