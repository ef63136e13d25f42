"""What the care team writes on a case: the team itself (lead agency), consents, notes and their
corrections, files. Every read of a note or file, and every refused try, is in the access log."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ..core.access import can, require
from ..extensions import db
from ..meetings.attachments import AttachmentRefused, storage_dir
from . import changes
from .access_log import case_for, load_in_case, looked_at, refuse, shown_to
from .forms import ConsentForm, CorrectionForm, NoteForm, TeamMemberForm
from .models import AccessKind, CareRole, CareTeamMember, Case, CaseAttachment, CaseNote
from .services import PAGE_OPTIONS
from .views import case_attachment_form, council_agencies, joinable, render_case

bp = Blueprint("case_records", __name__)


def _back(case: Case, anchor: str):
    return redirect(url_for("cases.detail", case_id=case.id) + anchor)


def _page_again(case: Case, **forms):
    """The case's page with a refused form's errors: a look at the case like any other."""
    shown_to(current_user, case, AccessKind.PAGE)
    return render_case(case, 400, **forms)


# --- the care team (the lead agency) ---------------------------------------------------------------


@bp.post("/cases/<id:case_id>/team")
def add_member(case_id: int):
    case = case_for(current_user, "manage_team", case_id, AccessKind.PAGE, *PAGE_OPTIONS)
    agencies = {agency.id: agency for agency in council_agencies(case.council_id)}
    form = TeamMemberForm()
    form.agency.choices = joinable(case, list(agencies.values()))
    if form.validate_on_submit():
        try:
            member = changes.add_team_member(
                current_user, case, agencies[form.agency.data], CareRole(form.role.data),
                (form.contact_person.data or "").strip(), form.emergency_reason.data or "",
            )  # fmt: skip
        except changes.CaseRefused as refusal:
            form.agency.errors.append(str(refusal))
        else:
            db.session.commit()
            note = (
                "（同意の範囲外のため、主担当機関と事務局にメールで知らせます）" if member.emergency else ""
            )
            flash(f"「{member.agency.name}」を支援チームに加えました。{note}", "success")
            return _back(case, "#team")
    return _page_again(case, team_form=form)


@bp.post("/cases/<id:case_id>/team/<id:member_id>/remove")
def remove_member(case_id: int, member_id: int):
    case = case_for(current_user, "manage_team", case_id, AccessKind.PAGE, *PAGE_OPTIONS)
    member = load_in_case(CareTeamMember, member_id, case.id)
    try:
        changes.remove_team_member(current_user, case, member)
        db.session.commit()
    except changes.CaseRefused as refusal:
        flash(str(refusal), "error")
    else:
        flash(f"「{member.agency.name}」を支援チームから外しました。", "success")
    return _back(case, "#team")


@bp.post("/cases/<id:case_id>/team/<id:member_id>/lead")
def make_lead(case_id: int, member_id: int):
    case = case_for(current_user, "manage_team", case_id, AccessKind.PAGE, *PAGE_OPTIONS)
    member = load_in_case(CareTeamMember, member_id, case.id)
    try:
        changes.make_lead(current_user, case, member)
        db.session.commit()
    except changes.CaseRefused as refusal:
        flash(str(refusal), "error")
    else:
        flash(f"主担当機関を「{member.agency.name}」にしました。", "success")
    return _back(case, "#team")


# --- consents and files --------------------------------------------------------------------------


@bp.post("/cases/<id:case_id>/consents")
def record_consent(case_id: int):
    case = case_for(current_user, "edit", case_id, AccessKind.PAGE, *PAGE_OPTIONS)
    agencies = {agency.id: agency for agency in council_agencies(case.council_id)}
    form = ConsentForm()
    form.agencies.choices = [(i, agency.name) for i, agency in agencies.items()]
    if form.validate_on_submit():
        try:
            changes.record_consent(
                current_user,
                case,
                form.guardian_name.data.strip(),
                (form.relationship_to_child.data or "").strip(),
                form.given_on.data,
                [agencies[i] for i in form.agencies.data],
                form.form_file.data,
            )
        except AttachmentRefused as refusal:
            db.session.rollback()
            flash(f"{refusal} 何も保存していません。", "error")
            return _back(case, "#consents")
        db.session.commit()
        flash("同意を記録しました。", "success")
        return _back(case, "#consents")
    return _page_again(case, consent_form=form)


@bp.post("/cases/<id:case_id>/files")
def upload(case_id: int):
    case = case_for(current_user, "edit", case_id, AccessKind.ATTACHMENT)
    form = case_attachment_form()
    if not form.validate_on_submit():
        flash(" ".join(form.file.errors) or "ファイルを選んでください。", "error")
        return _back(case, "#files")
    try:
        attachment = changes.attach_file(current_user, case, form.file.data)
        db.session.commit()
    except AttachmentRefused as refusal:
        db.session.rollback()
        flash(f"{refusal} 何も保存していません。", "error")
    else:
        flash(f"「{attachment.filename}」を添付しました。", "success")
    return _back(case, "#files")


@bp.get("/cases/<id:case_id>/files/<id:file_id>")
def download(case_id: int, file_id: int):
    attachment = load_in_case(CaseAttachment, file_id, case_id)
    looked_at(current_user, attachment, attachment.case, AccessKind.ATTACHMENT)
    path = storage_dir() / attachment.stored_name
    if attachment.erased_at is not None or not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )


# --- notes ---------------------------------------------------------------------------------------


@bp.post("/cases/<id:case_id>/notes")
def add_note(case_id: int):
    case = case_for(current_user, "edit", case_id, AccessKind.NOTE, *PAGE_OPTIONS)
    form = NoteForm()
    if form.validate_on_submit():
        changes.add_note(current_user, case, form.noted_on.data, form.body.data.strip())
        db.session.commit()
        flash("経過記録を追加しました。", "success")
        return _back(case, "#notes")
    return _page_again(case, note_form=form)


def _note_for(case_id: int, note_id: int, action: str | None = None) -> CaseNote:
    """The note, or 404 (logged) when the user may not open its case; 403 when she may not `action`."""
    note = load_in_case(CaseNote, note_id, case_id)
    if not can(current_user, "view", note):
        refuse(current_user, note.case, AccessKind.NOTE, note)
    if action is not None:
        require(current_user, action, note)
    return note


@bp.get("/cases/<id:case_id>/notes/<id:note_id>")
def note(case_id: int, note_id: int):
    note = load_in_case(CaseNote, note_id, case_id)
    looked_at(current_user, note, note.case, AccessKind.NOTE)
    return render_template("cases/note.html", note=note, case=note.case, correction_form=CorrectionForm())


@bp.route("/cases/<id:case_id>/notes/<id:note_id>/edit", methods=["GET", "POST"])
def edit_note(case_id: int, note_id: int):
    note = _note_for(case_id, note_id)
    if not can(current_user, "edit", note):
        if note.author_id == current_user.id and note.case.purged_at is None:
            flash("記録から24時間を過ぎたため、直接は直せません。訂正を追記してください。", "warning")
            return redirect(url_for("case_records.note", case_id=case_id, note_id=note.id))
        abort(403)
    looked_at(current_user, note, note.case, AccessKind.NOTE)
    form = NoteForm() if request.method == "POST" else NoteForm(obj=note)
    if form.validate_on_submit():
        changes.edit_note(current_user, note, form.noted_on.data, form.body.data.strip())
        db.session.commit()
        flash("経過記録を直しました（前の内容は履歴に残ります）。", "success")
        return redirect(url_for("case_records.note", case_id=case_id, note_id=note.id))
    status = 400 if request.method == "POST" else 200
    return render_template("cases/note_form.html", form=form, note=note, case=note.case), status


@bp.post("/cases/<id:case_id>/notes/<id:note_id>/correction")
def correct_note(case_id: int, note_id: int):
    note = _note_for(case_id, note_id, "correct")
    form = CorrectionForm()
    if form.validate_on_submit():
        changes.correct_note(current_user, note, form.body.data.strip())
        db.session.commit()
        flash("訂正を追記しました。", "success")
    else:
        flash(" ".join(form.body.errors), "error")
    return redirect(url_for("case_records.note", case_id=case_id, note_id=note.id))
