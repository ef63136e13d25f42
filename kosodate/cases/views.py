"""/cases: the list (in full for the care team, as codes for the council's staff), a new case, a
case's page, editing it, and the council's case settings. Every answer is `Cache-Control: no-store`."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..agencies.models import Agency, AgencyKind, Council
from ..agencies.services import visible_agencies
from ..core.access import can, get_for, is_staff, permission_required
from ..core.time import today_tokyo
from ..extensions import db
from ..meetings.forms import AttachmentForm
from . import changes
from .access import may_read_access_log
from .access_log import case_for, commit_looks, open_case
from .forms import (
    CaseForm,
    CaseSettingsForm,
    ConsentForm,
    CorrectionForm,
    NewCaseForm,
    NoteForm,
    TeamMemberForm,
)
from .models import AccessKind, CareNeed, CareRole, Case, CaseStatus
from .services import PAGE_OPTIONS, case_page, case_summaries, default_agenda, my_cases

bp = Blueprint("cases", __name__)
bp.after_app_request(commit_looks)


@bp.get("/cases")
def list_view():
    summaries = case_summaries(current_user)
    council = current_user.agency.council if current_user.agency else None
    return render_template(
        "cases/list.html",
        cases=my_cases(current_user),
        # an agency member's summaries are her own cases, already listed in full
        show_summaries=is_staff(current_user),
        summaries=summaries,
        log_readable={summary.id for summary in summaries if may_read_access_log(current_user, summary)},
        can_create=can(current_user, "create", Case),
        can_configure=council is not None and can(current_user, "run", council),
    )


# --- create and edit -----------------------------------------------------------------------------


def council_agencies(council_id: int) -> list[Agency]:
    """The council's active agencies, for the forms' choices."""
    return visible_agencies(current_user, council_id, active_only=True)


def joinable(case: Case, agencies: list[Agency]) -> list[tuple]:
    """The choices of agencies to add to the care team: those not on it."""
    others = [(agency.id, agency.name) for agency in agencies if agency.id not in case.team_agency_ids]
    return [(None, "（選んでください）"), *others]


def _case_form(form_class, case: Case | None, council_id: int):
    form = form_class() if request.method == "POST" or case is None else form_class(obj=case)
    agencies = council_agencies(council_id)
    form.main_hospital.choices = [(None, "（なし）")] + [(a.id, a.name) for a in agencies]
    if case is not None and request.method == "GET":
        form.main_hospital.data = case.main_hospital_id
        form.status.data = case.status.value
    return form, {agency.id: agency for agency in agencies}


def _data(form: CaseForm, agencies: dict[int, Agency]) -> changes.CaseData:
    return changes.CaseData(
        child_name=form.child_name.data.strip(),
        child_kana=(form.child_kana.data or "").strip(),
        birth_date=form.birth_date.data,
        municipality=(form.municipality.data or "").strip(),
        needs=[need.value for need in CareNeed if need.value in (form.needs.data or [])],
        main_hospital=agencies.get(form.main_hospital.data),
        expected_discharge_date=form.expected_discharge_date.data,
        status=CaseStatus(form.status.data),
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@permission_required("create", Case)
def create():
    form, agencies = _case_form(NewCaseForm, None, current_user.council_id)
    if request.method == "GET" and current_user.agency.kind is AgencyKind.MEDICAL:
        form.main_hospital.data = current_user.agency_id
    if form.validate_on_submit():
        case = changes.create_case(
            current_user,
            _data(form, agencies),
            CareRole(form.role.data),
            (form.contact_person.data or "").strip(),
        )
        db.session.commit()
        flash(f"ケース {case.code} を登録しました。", "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/form.html", form=form, case=None), 400 if request.method == "POST" else 200


@bp.route("/cases/<id:case_id>/edit", methods=["GET", "POST"])
def edit(case_id: int):
    case = case_for(current_user, "edit", case_id)
    form, agencies = _case_form(CaseForm, case, case.council_id)
    if form.validate_on_submit():
        changes.update_case(current_user, case, _data(form, agencies))
        db.session.commit()
        flash("ケースを更新しました。", "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/form.html", form=form, case=case), 400 if request.method == "POST" else 200


# --- a case's page -------------------------------------------------------------------------------


def render_case(case: Case, status: int = 200, **forms):
    """The case's page; `forms` replace the blank ones (a refused form shows its errors)."""
    page = case_page(case)
    agencies = council_agencies(case.council_id)
    team_form = forms.get("team_form") or TeamMemberForm()
    team_form.agency.choices = joinable(case, agencies)
    consent_form = forms.get("consent_form") or ConsentForm()
    consent_form.agencies.choices = [(agency.id, agency.name) for agency in agencies]
    return render_template(
        "cases/detail.html",
        case=case,
        page=page,
        care_roles=list(CareRole),
        team_form=team_form,
        consent_form=consent_form,
        note_form=forms.get("note_form") or NoteForm(),
        correction_form=CorrectionForm(),
        attachment_form=case_attachment_form(),
        reads_log=may_read_access_log(current_user, case),
        today=today_tokyo(),
    ), status


def case_attachment_form() -> AttachmentForm:
    """The meetings' upload form, named for a case."""
    form = AttachmentForm()
    form.file.label.text = "添付ファイル（PDF・Word・Excel・PowerPoint・画像、20MBまで）"
    return form


@bp.get("/cases/<id:case_id>")
def detail(case_id: int):
    case = open_case(current_user, case_id, AccessKind.PAGE, *PAGE_OPTIONS)
    return render_case(case)


# --- the council's settings: the code prefix and the conference agenda -----------------------------


@bp.route("/cases/settings", methods=["GET", "POST"])
def settings():
    council = get_for(current_user, "run", Council, request.args.get("council") or current_user.council_id)
    form = CaseSettingsForm()
    if request.method == "GET":
        form.case_prefix.data = council.case_prefix
        form.agenda.data = "\n".join(default_agenda(council.id))
    if form.validate_on_submit():
        agenda = [line.strip() for line in form.agenda.data.splitlines() if line.strip()]
        changes.save_settings(current_user, council, form.case_prefix.data, agenda)
        db.session.commit()
        flash("ケースの設定を保存しました。", "success")
        return redirect(url_for("cases.settings", council=council.id))
    return render_template("cases/settings.html", form=form, council=council), (
        400 if request.method == "POST" else 200
    )
