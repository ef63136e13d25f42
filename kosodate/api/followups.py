"""/api/v1/followups: the list with the filters of /followups, one follow-up, creating, updating
with optimistic locking (version in the body or If-Match), status changes and comments.

Reads ask the follow-up rule (kosodate.followups.access); writes go through
kosodate.followups.changes, which checks, audits and signals as for the pages.
"""

import sqlalchemy as sa
from flask import abort, request
from flask_smorest import Blueprint
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..agencies.models import Agency
from ..auth.models import User
from ..core.access import get_for, get_or_404, require, visible
from ..core.problems import problem
from ..extensions import db
from ..followups import changes
from ..followups.models import OPEN_STATUSES, FollowUp, FollowUpComment, FollowUpPriority, FollowUpStatus
from ..followups.services import FollowUpFilter, list_followups
from ..initiatives.models import Category, Initiative
from ..meetings.models import Meeting
from .auth import api_user, protect
from .docs import problems
from .pagination import page_headers
from .schemas import (
    CommentCreateSchema,
    CommentSchema,
    FollowUpCreateSchema,
    FollowUpPatchSchema,
    FollowUpQuery,
    FollowUpSchema,
    StatusChangeSchema,
)

blp = Blueprint("api_followups", __name__, url_prefix="/api/v1", description="対応事項（フォローアップ）")
protect(blp)

LOAD = (
    joinedload(FollowUp.owner),
    joinedload(FollowUp.responsible_agency),
    selectinload(FollowUp.linked_agencies),
)
PAGE_HEADERS = {
    "Link": {"description": "RFC 8288: first, prev, next, last", "schema": {"type": "string"}},
    "X-Total-Count": {"description": "件数の合計", "schema": {"type": "integer"}},
}
ETAG_HEADER = {
    "ETag": {"description": "版（version）。更新のとき If-Match で送る", "schema": {"type": "string"}}
}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "GET で受け取った ETag（本文の version の代わり）",
}


def etag(followup: FollowUp) -> dict[str, str]:
    return {"ETag": f'"{followup.version}"'}


# --- reading -------------------------------------------------------------------------------------


def _filter(args: dict) -> FollowUpFilter:
    status = args["status"]
    named = {"active": OPEN_STATUSES, "all": ()}
    statuses = named[status] if status in named else (FollowUpStatus(status),)
    return FollowUpFilter(
        mine=args["view"] == "mine",
        statuses=statuses,
        agency_id=args.get("agency"),
        owner_id=args.get("owner"),
        due_after=args.get("due_after"),
        due_before=args.get("due_before"),
        overdue=args.get("overdue", False),
        meeting_id=args.get("meeting"),
        category=Category(args["category"]) if args.get("category") else None,
        plan_item_id=args.get("plan_item"),
        discuss=args.get("discuss", False),
        text=args.get("q", "").strip(),
        sort=args["sort"],
        page=args["page"],
        per_page=args["per_page"],
    )


@blp.route("/followups", methods=["GET"])
@blp.arguments(FollowUpQuery, location="query")
@blp.response(200, FollowUpSchema(many=True), headers=PAGE_HEADERS)
@problems(blp)
def list_view(args):
    """対応事項の一覧

    /followups と同じ絞り込み（view=all|mine, status=active|all|open|…, agency, owner, due_after,
    due_before, overdue, meeting, category, plan_item, discuss, q, sort）。自分が開けるものだけ。
    """
    page = list_followups(api_user(), _filter(args))
    return page.followups, 200, page_headers(page.page, page.pages, page.total)


@blp.route("/followups/<id:followup_id>", methods=["GET"])
@blp.response(200, FollowUpSchema, headers=ETAG_HEADER)
@problems(blp, 404)
def detail(followup_id: int):
    """対応事項"""
    followup = get_or_404(api_user(), FollowUp, followup_id, *LOAD)
    return followup, 200, etag(followup)


@blp.route("/followups/<id:followup_id>/comments", methods=["GET"])
@blp.response(200, CommentSchema(many=True))
@problems(blp, 404)
def comments(followup_id: int):
    """対応事項のコメント（古い順）"""
    followup = get_or_404(
        api_user(), FollowUp, followup_id, selectinload(FollowUp.comments).joinedload(FollowUpComment.author)
    )
    return followup.comments


# --- writing -------------------------------------------------------------------------------------


class _Refusal:
    """Field errors found while resolving the ids of a request body."""

    def __init__(self):
        self.errors: list[dict] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append({"location": "json", "field": field, "messages": [message]})

    def raise_if_any(self) -> None:
        if self.errors:
            detail = "入力内容に誤りがあります: " + " ".join(
                f"{error['field']}: {error['messages'][0]}" for error in self.errors
            )
            abort(problem(422, detail, errors=self.errors))


def _in_council(user: User, model, object_id: int, council_id: int):
    """A row of the council that the user may open, or None."""
    return db.session.scalar(
        visible(user, model).where(model.id == object_id, model.council_id == council_id)
    )


def _data(user: User, body: dict, followup: FollowUp | None = None) -> changes.FollowUpData:
    """The follow-up's data with the body's fields applied, every id checked against what the user
    may open in the follow-up's council."""
    refusal = _Refusal()
    data = changes.data_of(followup) if followup is not None else None
    agency = data.responsible_agency if data else None
    if "responsible_agency_id" in body:
        agency = db.session.scalar(
            visible(user, Agency).where(Agency.id == body["responsible_agency_id"], Agency.active)
        )
        if agency is None:
            refusal.add("responsible_agency_id", "この担当機関は選べません。")
    refusal.raise_if_any()
    council_id = agency.council_id
    if data is None:
        data = changes.FollowUpData(
            title="", description="", responsible_agency=agency, owner=None, linked_agencies=[],
            due_date=None, priority=FollowUpPriority.NORMAL, discuss_at_next_meeting=False,
        )  # fmt: skip
    data.responsible_agency = agency
    for name in ("title", "description", "due_date", "discuss_at_next_meeting"):
        if name in body:
            setattr(data, name, body[name].strip() if name == "title" else body[name])
    if "priority" in body:
        data.priority = FollowUpPriority(body["priority"])
    if "owner_id" in body:
        data.owner = None
        if body["owner_id"] is not None:
            data.owner = db.session.scalar(
                sa.select(User)
                .join(User.agency)
                .where(User.id == body["owner_id"], User.active, Agency.council_id == council_id)
            )
            if data.owner is None:
                refusal.add("owner_id", "この担当者は選べません。")
    if "linked_agency_ids" in body:
        wanted = set(body["linked_agency_ids"])
        data.linked_agencies = list(
            db.session.scalars(
                visible(user, Agency).where(
                    Agency.id.in_(wanted), Agency.active, Agency.council_id == council_id
                )
            )
        )
        if len(data.linked_agencies) != len(wanted):
            refusal.add("linked_agency_ids", "選べない関係機関が含まれています。")
    for field, model, attribute in (
        ("source_meeting_id", Meeting, "source_meeting"),
        ("source_initiative_id", Initiative, "source_initiative"),
    ):
        if field in body:
            found = _in_council(user, model, body[field], council_id)
            if found is None:
                refusal.add(field, "指定したものは選べません。")
            setattr(data, attribute, found)
    if not data.title:
        refusal.add("title", "件名を入力してください。")
    refusal.raise_if_any()
    return data


def _refused(error: changes.FollowUpRefused):
    db.session.rollback()
    abort(problem(422, str(error), errors=[{"location": "json", "field": "", "messages": [str(error)]}]))


def _conflict(followup_id: int, status: int):
    """409 (version in the body) or 412 (If-Match): the follow-up as it is now."""
    db.session.rollback()
    current = db.session.scalar(
        sa.select(FollowUp)
        .where(FollowUp.id == followup_id)
        .options(*LOAD)
        .execution_options(populate_existing=True)
    )
    detail = (
        "この対応事項は他の人が先に更新しました。"
        "current の最新の内容を確認し、その version でもう一度送ってください。"
    )
    abort(problem(status, detail, current=FollowUpSchema().dump(current), headers=etag(current)))


def _expected_version(followup: FollowUp, body_version: int | None, required: bool) -> tuple[int | None, int]:
    """The version the client read — from If-Match, else the body — and the status a stale one gets."""
    if request.if_match:
        if request.if_match.star_tag:
            return None, 412
        return (followup.version if str(followup.version) in request.if_match else -1), 412
    if body_version is None and required:
        detail = "読んだときの版を、本文の version か If-Match ヘッダー（ETag の値）で送ってください。"
        abort(problem(428, detail))
    return body_version, 409


@blp.route("/followups", methods=["POST"])
@blp.arguments(FollowUpCreateSchema)
@blp.response(201, FollowUpSchema, headers={**ETAG_HEADER, "Location": {"schema": {"type": "string"}}})
@problems(blp, 403, 422)
def create(body):
    """対応事項を登録する（write のトークン）

    関係機関担当者は自機関を担当機関にするものだけ登録できます。
    """
    user = api_user()
    require(user, "create", FollowUp)
    try:
        followup = changes.create_followup(user, _data(user, body))
        db.session.commit()
    except changes.FollowUpRefused as error:
        _refused(error)
    return followup, 201, {**etag(followup), "Location": f"/api/v1/followups/{followup.id}"}


@blp.route("/followups/<id:followup_id>", methods=["PATCH"])
@blp.arguments(FollowUpPatchSchema)
@blp.response(200, FollowUpSchema, headers=ETAG_HEADER)
@problems(blp, 403, 404, 409, 412, 422, 428)
@blp.doc(parameters=[IF_MATCH])
def update(body, followup_id: int):
    """対応事項を変更する（write のトークン）

    送った項目だけを変えます。読んだときの版を本文の version か If-Match で送ってください。
    その後に他の人が更新していれば、何も変えずに 409（version）/ 412（If-Match）と
    最新の内容（current）を返します。
    """
    user = api_user()
    followup = get_for(user, "change", FollowUp, followup_id, *LOAD)
    version, stale = _expected_version(followup, body.pop("version", None), required=True)
    data = _data(user, body, followup)
    try:
        changes.update_followup(user, followup, data, version)
        db.session.commit()
    except changes.FollowUpRefused as error:
        _refused(error)
    except (changes.FollowUpConflict, StaleDataError):
        _conflict(followup_id, stale)
    return followup, 200, etag(followup)


@blp.route("/followups/<id:followup_id>/status", methods=["POST"])
@blp.arguments(StatusChangeSchema)
@blp.response(200, FollowUpSchema, headers=ETAG_HEADER)
@problems(blp, 403, 404, 409, 412, 422)
@blp.doc(parameters=[IF_MATCH])
def change_status(body, followup_id: int):
    """状態を変える（write のトークン）: start（対応中に）, done（完了に）, cancel（取消）, reopen（再開）"""
    user = api_user()
    followup = get_for(user, "change", FollowUp, followup_id, *LOAD)
    version, stale = _expected_version(followup, body.get("version"), required=False)
    try:
        changes.change_status(user, followup, body["action"], body["note"], version)
        db.session.commit()
    except changes.FollowUpRefused as error:
        db.session.rollback()
        abort(problem(409, str(error)))
    except (changes.FollowUpConflict, StaleDataError):
        _conflict(followup_id, stale)
    return followup, 200, etag(followup)


@blp.route("/followups/<id:followup_id>/comments", methods=["POST"])
@blp.arguments(CommentCreateSchema)
@blp.response(201, CommentSchema)
@problems(blp, 403, 404, 422)
def add_comment(body, followup_id: int):
    """コメントを書く（write のトークン）"""
    user = api_user()
    followup = get_for(user, "comment", FollowUp, followup_id)
    if not body["body"].strip():
        refusal = _Refusal()
        refusal.add("body", "コメントを入力してください。")
        refusal.raise_if_any()
    comment = changes.add_comment(user, followup, body["body"].strip())
    db.session.commit()
    return comment, 201
