"""/api/v1/meetings, /initiatives, /progress-reports, /agencies: lists and single objects to read,
each through its kind's visibility rule."""

from flask_smorest import Blueprint
from sqlalchemy.orm import joinedload, selectinload

from ..agencies.models import Agency
from ..agencies.services import visible_agencies
from ..core.access import get_or_404, visible
from ..initiatives.models import Category, Initiative
from ..initiatives.services import InitiativeFilter, list_initiatives
from ..meetings.models import AgendaItem, Meeting, MeetingKind
from ..meetings.services import PAGE_SIZE as MEETINGS_PAGE_SIZE
from ..meetings.services import MeetingFilter, list_meetings
from ..reports.models import ProgressReport, ReportStatus
from .auth import api_user, protect
from .docs import problems
from .pagination import page_headers, page_of, paginate
from .schemas import (
    AgencySchema,
    InitiativeQuery,
    InitiativeSchema,
    MeetingQuery,
    MeetingSchema,
    MeetingSummarySchema,
    PageQuery,
    ProgressReportQuery,
    ProgressReportSchema,
)

blp = Blueprint(
    "api_catalog", __name__, url_prefix="/api/v1", description="会議・取組み・進捗報告・関係機関（読み取り）"
)
protect(blp)
PAGE_HEADERS = {
    "Link": {"description": "RFC 8288: first, prev, next, last", "schema": {"type": "string"}},
    "X-Total-Count": {"description": "件数の合計", "schema": {"type": "integer"}},
}


@blp.route("/meetings", methods=["GET"])
@blp.arguments(MeetingQuery, location="query")
@blp.response(200, MeetingSummarySchema(many=True), headers=PAGE_HEADERS)
@problems(blp)
def meetings(args):
    """会議の一覧（新しい順。when=upcoming は近い順）。1ページ50件、per_page は使いません"""
    page = args["page"]
    filters = MeetingFilter(
        council_id=args.get("council"),
        kind=MeetingKind(args["kind"]) if args.get("kind") else None,
        fiscal_year=args.get("fy"),
        when=args.get("when"),
        page=page,
    )
    rows, total = list_meetings(api_user(), filters)
    pages = max(1, -(-total // MEETINGS_PAGE_SIZE))
    return rows, 200, page_headers(min(page, pages), pages, total)


@blp.route("/meetings/<id:meeting_id>", methods=["GET"])
@blp.response(200, MeetingSchema)
@problems(blp, 404)
def meeting(meeting_id: int):
    """会議（出席機関・議題・議事録つき）"""
    return get_or_404(
        api_user(),
        Meeting,
        meeting_id,
        joinedload(Meeting.host_agency),
        joinedload(Meeting.secretariat_agency),
        selectinload(Meeting.attendee_agencies),
        selectinload(Meeting.agenda_items).joinedload(AgendaItem.plan_item),
    )


@blp.route("/initiatives", methods=["GET"])
@blp.arguments(InitiativeQuery, location="query")
@blp.response(200, InitiativeSchema(many=True), headers=PAGE_HEADERS)
@problems(blp)
def initiatives(args):
    """取組みの一覧（一覧表の順）。fy を指定すると、その年度の進捗報告がある取組みだけ"""
    filters = InitiativeFilter(
        fiscal_year=args.get("fy"),
        category=Category(args["category"]) if args.get("category") else None,
        agency_id=args.get("agency"),
        plan_item_id=args.get("plan_item"),
    )
    rows = [initiative for initiative, _report in list_initiatives(api_user(), filters)]
    items, page, pages, total = page_of(rows, args["page"], args["per_page"])
    return items, 200, page_headers(page, pages, total)


@blp.route("/initiatives/<id:initiative_id>", methods=["GET"])
@blp.response(200, InitiativeSchema)
@problems(blp, 404)
def initiative(initiative_id: int):
    """取組み"""
    return get_or_404(api_user(), Initiative, initiative_id, selectinload(Initiative.linked_agencies))


@blp.route("/progress-reports", methods=["GET"])
@blp.arguments(ProgressReportQuery, location="query")
@blp.response(200, ProgressReportSchema(many=True), headers=PAGE_HEADERS)
@problems(blp)
def progress_reports(args):
    """進捗報告の一覧（新しい年度から）"""
    query = visible(api_user(), ProgressReport).options(selectinload(ProgressReport.proposal_agencies))
    if args.get("fy") is not None:
        query = query.where(ProgressReport.fiscal_year == args["fy"])
    if args.get("initiative") is not None:
        query = query.where(ProgressReport.initiative_id == args["initiative"])
    if args.get("status"):
        query = query.where(ProgressReport.status == ReportStatus(args["status"]))
    query = query.order_by(ProgressReport.fiscal_year.desc(), ProgressReport.initiative_id)
    rows, page, pages, total = paginate(query, args["page"], args["per_page"])
    return rows, 200, page_headers(page, pages, total)


@blp.route("/progress-reports/<id:report_id>", methods=["GET"])
@blp.response(200, ProgressReportSchema)
@problems(blp, 404)
def progress_report(report_id: int):
    """進捗報告（（２）〜（５））"""
    return get_or_404(api_user(), ProgressReport, report_id, selectinload(ProgressReport.proposal_agencies))


@blp.route("/agencies", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, AgencySchema(many=True), headers=PAGE_HEADERS)
@problems(blp)
def agencies(args):
    """関係機関の一覧（連絡会議の順）"""
    items, page, pages, total = page_of(visible_agencies(api_user()), args["page"], args["per_page"])
    return items, 200, page_headers(page, pages, total)


@blp.route("/agencies/<id:agency_id>", methods=["GET"])
@blp.response(200, AgencySchema)
@problems(blp, 404)
def agency(agency_id: int):
    """関係機関"""
    return get_or_404(api_user(), Agency, agency_id)
