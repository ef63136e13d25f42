"""Report rounds: /reports/rounds (the secretariat's pages), /reports/mine and a report's form."""

from collections import Counter

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload

from ..agencies.models import Council
from ..agencies.services import visible_agencies
from ..auth.models import User
from ..auth.redirects import back_path
from ..core.access import can, get_for, get_or_404, require, visible
from ..core.args import id_arg
from ..core.audit import AuditEvent
from ..core.time import fiscal_year_of, today_tokyo
from ..extensions import db
from ..initiatives.models import Category, Initiative
from ..initiatives.services import visible_plan_items
from ..meetings.models import Meeting
from .columns import report_row_labels
from .forms import OpenRoundForm, ProposalForm, RemindForm, ReopenForm, ReportForm, SubmitForm
from .models import ProgressReport, ReportStatus
from .rounds import (
    ReportData,
    RoundRefused,
    decide_proposal,
    open_round,
    propose_initiative,
    reopen_report,
    request_reminders,
    round_reports,
    save_report,
    submit_report,
)
from .rounds_models import InitiativeProposal, ReminderRequest, ReportRound
from .writing import REPORT_FIELDS, WritingState, content_digest, report_blank_rows, writing_states

bp = Blueprint("report_rounds", __name__)


@bp.route("/reports/rounds", methods=["GET", "POST"])
def rounds():
    council_id = current_user.council_id or id_arg(request.args, "council")
    council = get_or_404(current_user, Council, council_id) if council_id else None
    form = None
    if council is not None and can(current_user, "run", council):
        form = OpenRoundForm()
        meetings = db.session.scalars(
            sa.select(Meeting)
            .where(Meeting.council_id == council.id, Meeting.case_id.is_(None))
            .order_by(Meeting.starts_at.desc())
        ).all()
        form.meeting.choices = [(None, "（なし）")] + [
            (m.id, f"{m.starts_at:%Y-%m-%d} {m.title}") for m in meetings
        ]
        if request.method == "GET":
            form.fiscal_year.data = fiscal_year_of(today_tokyo())
        if form.validate_on_submit():
            meeting = db.session.get(Meeting, form.meeting.data) if form.meeting.data else None
            try:
                opened = open_round(
                    current_user,
                    council,
                    form.fiscal_year.data,
                    form.deadline.data,
                    meeting,
                    form.document_number.data,
                )
            except RoundRefused as refusal:
                db.session.rollback()
                form.fiscal_year.errors.append(str(refusal))
            else:
                db.session.commit()
                flash("進捗報告の依頼を始めました。各機関の下書きを作成しました。", "success")
                return redirect(url_for("report_rounds.round_page", round_id=opened.id))
    elif request.method == "POST":
        require(current_user, "run", council or Council)
    listed = db.session.scalars(
        visible(current_user, ReportRound)
        .options(joinedload(ReportRound.meeting))
        .order_by(ReportRound.fiscal_year.desc())
    ).all()
    status = 400 if form is not None and form.errors else 200
    return render_template("reports/rounds.html", rounds=listed, form=form, council=council), status


@bp.get("/reports/rounds/<id:round_id>")
def round_page(round_id: int):
    report_round = get_or_404(current_user, ReportRound, round_id)
    groups = round_reports(report_round)
    requests = db.session.scalars(
        sa.select(ReminderRequest)
        .where(ReminderRequest.round_id == report_round.id)
        .options(joinedload(ReminderRequest.agency), joinedload(ReminderRequest.requested_by))
        .order_by(ReminderRequest.requested_at.desc())
    ).all()
    proposals = db.session.scalars(
        sa.select(InitiativeProposal)
        .where(InitiativeProposal.round_id == report_round.id)
        .options(joinedload(InitiativeProposal.agency), joinedload(InitiativeProposal.plan_item))
        .order_by(InitiativeProposal.proposed_at)
    ).all()
    remind_form = RemindForm()
    remind_form.agencies.choices = [(g.agency.id, g.agency.name) for g in groups if not g.all_submitted]
    states = writing_states([report for group in groups for report in group.reports])
    return render_template(
        "reports/round.html",
        report_round=report_round,
        groups=groups,
        states=states,
        state_counts=Counter(states.values()),
        writing_states=list(WritingState),
        requests=requests,
        proposals=proposals,
        runs=can(current_user, "run", report_round),
        remind_form=remind_form,
        action_form=FlaskForm(),
    )


@bp.post("/reports/rounds/<id:round_id>/remind")
def remind(round_id: int):
    report_round = get_for(current_user, "run", ReportRound, round_id)
    form = RemindForm()
    agencies = {a.id: a for a in visible_agencies(current_user, report_round.council_id, active_only=True)}
    form.agencies.choices = [(a.id, a.name) for a in agencies.values()]
    if form.validate_on_submit():
        request_reminders(current_user, report_round, [agencies[i] for i in form.agencies.data])
        db.session.commit()
        flash(f"{len(form.agencies.data)}機関へのリマインドを依頼しました。", "success")
    else:
        flash("リマインドする機関を選んでください。", "error")
    return redirect(url_for("report_rounds.round_page", round_id=round_id))


@bp.get("/reports/mine")
def mine():
    if current_user.agency_id is None:
        abort(404)
    reports = db.session.scalars(
        sa.select(ProgressReport)
        .join(ProgressReport.initiative)
        .where(Initiative.lead_agency_id == current_user.agency_id)
        .options(joinedload(ProgressReport.initiative).joinedload(Initiative.plan_item))
        .order_by(ProgressReport.fiscal_year.desc(), Initiative.sort_order, Initiative.id)
    ).all()
    open_rounds = db.session.scalars(
        sa.select(ReportRound)
        .where(ReportRound.council_id == current_user.council_id)
        .order_by(ReportRound.fiscal_year.desc())
    ).all()
    return render_template(
        "reports/mine.html", reports=reports, rounds=open_rounds, states=writing_states(list(reports))
    )


@bp.route("/reports/<id:report_id>/edit", methods=["GET", "POST"])
def edit_report(report_id: int, reopen_form: ReopenForm | None = None, status: int = 200):
    report = get_for(current_user, "write", ProgressReport, report_id)
    form = ReportForm(obj=report if request.method == "GET" else None)
    agencies = {
        a.id: a for a in visible_agencies(current_user, report.initiative.council_id, active_only=True)
    }
    form.proposal_agencies.choices = [(a.id, a.name) for a in agencies.values()]
    if request.method == "GET":
        form.proposal_agencies.data = [a.id for a in report.proposal_agencies]
    if reopen_form is None and form.validate_on_submit():
        data = ReportData(
            progress=form.progress.data or "",
            challenges=form.challenges.data or "",
            proposals=form.proposals.data or "",
            next_year_plan=form.next_year_plan.data or "",
            proposal_agencies=[agencies[i] for i in form.proposal_agencies.data or []],
        )
        try:
            save_report(current_user, report, data)
        except RoundRefused as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
        else:
            db.session.commit()
            if request.form.get("action") == "submit":  # saved as a draft; submitted once confirmed
                return redirect(url_for("report_rounds.submit", report_id=report.id))
            flash("下書きを保存しました。", "success")
            return redirect(url_for("report_rounds.edit_report", report_id=report.id))
    events = db.session.execute(
        sa.select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == ProgressReport.__tablename__, AuditEvent.object_id == report.id)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    status = 400 if form.errors else status
    return render_template(
        "reports/edit.html",
        report=report,
        form=form,
        labels=dict(report_row_labels(report.fiscal_year)),
        events=events,
        reopen_form=reopen_form or ReopenForm(),
        back=back_path(
            url_for("report_rounds.mine") if current_user.agency_id else url_for("report_rounds.rounds")
        ),
    ), status


@bp.route("/reports/<id:report_id>/submit", methods=["GET", "POST"])
def submit(report_id: int):
    """What submitting will lock, and the button that does it: the confirmation works without
    JavaScript, and submits only what the page showed."""
    report = get_for(current_user, "write", ProgressReport, report_id)
    edit = url_for("report_rounds.edit_report", report_id=report.id)
    if report.status is ReportStatus.SUBMITTED:
        flash("この報告は提出済みです。", "info")
        return redirect(edit)
    blank = report_blank_rows(report)
    form = SubmitForm()
    if form.validate_on_submit():
        if form.digest.data != content_digest(report):
            flash("確認の後に内容が変わりました。もう一度確認してから提出してください。", "error")
            return redirect(url_for("report_rounds.submit", report_id=report.id))
        try:
            submit_report(current_user, report)
        except RoundRefused as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
            return redirect(edit)
        db.session.commit()
        flash("提出しました。", "success")
        return redirect(edit)
    if len(blank) == len(REPORT_FIELDS):
        flash("（２）〜（５）がすべて空欄のため、提出できません。今年度の内容を書いてください。", "error")
        return redirect(edit)
    form.digest.data = content_digest(report)
    return render_template(
        "reports/submit.html",
        report=report,
        form=form,
        blank=blank,
        labels=dict(report_row_labels(report.fiscal_year)),
    )


@bp.post("/reports/<id:report_id>/reopen")
def reopen(report_id: int):
    report = get_for(current_user, "reopen", ProgressReport, report_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        return edit_report(report_id, reopen_form=form, status=400)
    try:
        reopen_report(current_user, report, form.reason.data.strip())
        db.session.commit()
        flash(
            "差し戻しました。理由を担当機関にメールで伝えます。担当機関が修正して再提出できます。", "success"
        )
    except RoundRefused as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    return redirect(url_for("report_rounds.edit_report", report_id=report.id))


@bp.route("/reports/rounds/<id:round_id>/proposals/new", methods=["GET", "POST"])
def propose(round_id: int):
    report_round = get_for(current_user, "propose", ReportRound, round_id)
    form = ProposalForm()
    plan_items = visible_plan_items(current_user, report_round.council_id)
    form.plan_item.choices = [(None, "（なし）")] + [(i.id, f"{i.number} {i.title}") for i in plan_items]
    if form.validate_on_submit():
        plan_item = next((i for i in plan_items if i.id == form.plan_item.data), None)
        category = Category(form.category.data) if form.category.data else None
        propose_initiative(
            current_user, report_round, form.title.data.strip(), form.content.data or "", plan_item, category
        )
        db.session.commit()
        flash("新しい取組みを提案しました。事務局が確認します。", "success")
        return redirect(url_for("report_rounds.mine"))
    return render_template(
        "reports/propose.html", form=form, report_round=report_round
    ), 400 if form.errors else 200


@bp.post("/reports/proposals/<id:proposal_id>/<any(accept, decline):decision>")
def decide(proposal_id: int, decision: str):
    proposal = get_for(current_user, "decide", InitiativeProposal, proposal_id)
    report_round = proposal.report_round
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        decide_proposal(current_user, proposal, accept=decision == "accept")
        db.session.commit()
        flash("一覧に加えました。" if decision == "accept" else "見送りにしました。", "success")
    except RoundRefused as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    return redirect(url_for("report_rounds.round_page", round_id=report_round.id))
