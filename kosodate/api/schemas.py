"""What the API returns and accepts. Output schemas only dump; input schemas check and load."""

import marshmallow as ma

from ..core.time import fiscal_year_label, today_tokyo
from ..followups.changes import TRANSITIONS
from ..followups.forms import TEXT_MAX, TITLE_MAX
from ..followups.models import FollowUpPriority, FollowUpStatus
from ..followups.services import SORTS
from ..initiatives.models import Category
from ..meetings.models import MeetingKind
from ..reports.models import ReportStatus
from .fields import Bool, Date, DateTime, Id, Int, List, Nested, QuerySchema, Schema, Str, at_most, one_of

MAX_PER_PAGE = 100
MAX_PAGE = 100_000


# --- shared pieces -------------------------------------------------------------------------------


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = Str(metadata={"description": "about:blank"})
    title = Str(required=True)
    status = Int(required=True)
    detail = Str(required=True, metadata={"description": "日本語の説明"})
    instance = Str()
    errors = List(ma.fields.Dict(), metadata={"description": "入力の誤り: location, field, messages"})
    current = ma.fields.Dict(metadata={"description": "409/412: いまの内容（GET と同じ形）"})


class Ref(Schema):
    id = Int(required=True)
    name = Str(required=True)


class PageQuery(QuerySchema):
    page = Int(load_default=1, validate=ma.validate.Range(min=1, max=MAX_PAGE, error="ページは1以上です。"))
    per_page = Int(
        load_default=50,
        validate=ma.validate.Range(min=1, max=MAX_PER_PAGE, error=f"1〜{MAX_PER_PAGE}で指定してください。"),
    )


def _url(path: str):
    return computed(lambda obj: path.format(obj=obj), "string", "画面のURL（KOSODATE_BASE_URL からの相対）")


def computed(function, json_type: str, description: str = "") -> ma.fields.Function:
    """A value computed when dumping, with its JSON type for the OpenAPI document."""
    metadata = {"type": json_type, **({"description": description} if description else {})}
    return ma.fields.Function(function, metadata=metadata, dump_only=True)


# --- follow-ups ----------------------------------------------------------------------------------


class FollowUpSchema(Schema):
    id = Int(required=True)
    url = _url("/followups/{obj.id}")
    council_id = Int(required=True)
    title = Str(required=True)
    description = Str(required=True)
    status = Str(required=True, validate=one_of(FollowUpStatus))
    status_label = computed(lambda f: f.status.label, "string")
    priority = Str(required=True, validate=one_of(FollowUpPriority))
    due_date = Date(allow_none=True)
    overdue = computed(lambda f: f.is_overdue(today_tokyo()), "boolean", "期限超過")
    discuss_at_next_meeting = Bool(required=True, metadata={"description": "会議で協議したい"})
    responsible_agency = Nested(Ref, required=True)
    owner = Nested(Ref, allow_none=True)
    linked_agencies = List(Nested(Ref))
    source_meeting_id = Int(allow_none=True)
    source_initiative_id = Int(allow_none=True)
    completion_note = Str()
    done_at = DateTime(allow_none=True)
    created_at = DateTime()
    updated_at = DateTime()
    version = Int(required=True, metadata={"description": "更新のときに version か If-Match で送る版"})


class FollowUpQuery(PageQuery):
    """The filters of /followups, with the same names."""

    view = Str(load_default="all", validate=one_of(["all", "mine"]))
    status = Str(load_default="active", validate=one_of(["active", "all", *FollowUpStatus]))
    agency = Id()
    owner = Id()
    due_after = Date()
    due_before = Date()
    overdue = Bool()
    meeting = Id()
    category = Str(validate=one_of(Category))
    plan_item = Id()
    discuss = Bool()
    q = Str(validate=at_most(100))
    sort = Str(load_default="due", validate=one_of(SORTS))


class FollowUpWriteSchema(Schema):
    title = Str(validate=[at_most(TITLE_MAX), ma.validate.Length(min=1, error="件名を入力してください。")])
    description = Str(validate=at_most(TEXT_MAX))
    responsible_agency_id = Id()
    owner_id = Id(allow_none=True)
    linked_agency_ids = List(Id(), validate=ma.validate.Length(max=100, error="100件までです。"))
    due_date = Date(allow_none=True)
    priority = Str(validate=one_of(FollowUpPriority))
    discuss_at_next_meeting = Bool()
    source_meeting_id = Id(metadata={"description": "元の会議（登録後は外せません）"})
    source_initiative_id = Id(metadata={"description": "元の取組み（登録後は外せません）"})


class FollowUpCreateSchema(FollowUpWriteSchema):
    title = Str(
        required=True,
        validate=[at_most(TITLE_MAX), ma.validate.Length(min=1, error="件名を入力してください。")],
    )
    responsible_agency_id = Id(required=True)


class FollowUpPatchSchema(FollowUpWriteSchema):
    version = Int(metadata={"description": "読んだときの version（If-Match の代わり）"})


class StatusChangeSchema(Schema):
    action = Str(required=True, validate=one_of(TRANSITIONS))
    note = Str(load_default="", validate=at_most(TEXT_MAX), metadata={"description": "完了メモ"})
    version = Int(metadata={"description": "読んだときの version（任意）"})


class CommentSchema(Schema):
    id = Int(required=True)
    author = Nested(Ref, allow_none=True)
    body = Str(required=True)
    created_at = DateTime(required=True)


class CommentCreateSchema(Schema):
    body = Str(
        required=True,
        validate=[at_most(TEXT_MAX), ma.validate.Length(min=1, error="コメントを入力してください。")],
    )


# --- meetings, initiatives, progress reports, agencies ---------------------------------------------


class MeetingSummarySchema(Schema):
    id = Int(required=True)
    url = _url("/meetings/{obj.id}")
    council_id = Int(required=True)
    kind = Str(required=True, validate=one_of(MeetingKind))
    kind_label = computed(lambda m: m.kind.label, "string")
    title = Str(required=True)
    starts_at = DateTime(required=True)
    place = Str()
    host_agency = Nested(Ref, allow_none=True)
    cancelled = computed(lambda m: m.is_cancelled, "boolean", "中止")


class AgendaItemSchema(Schema):
    title = Str(required=True)
    plan_item_id = Int(allow_none=True)
    initiative_id = Int(allow_none=True)


class MeetingSchema(MeetingSummarySchema):
    secretariat_agency = Nested(Ref, allow_none=True)
    attendee_agencies = List(Nested(Ref))
    agenda_items = List(Nested(AgendaItemSchema))
    notes = Str()
    minutes = Str(metadata={"description": "議事録"})
    cancelled_at = DateTime(allow_none=True)


class MeetingQuery(PageQuery):
    council = Id()
    kind = Str(validate=one_of(MeetingKind))
    fy = Int(
        validate=ma.validate.Range(min=1989, max=2100, error="年度は西暦で指定してください（例: 2017）。")
    )
    when = Str(validate=one_of(["upcoming", "past"]))


class PlanItemSchema(Schema):
    id = Int(required=True)
    number = Int(required=True)
    title = Str(required=True)


class InitiativeSchema(Schema):
    id = Int(required=True)
    url = _url("/initiatives/{obj.id}")
    council_id = Int(required=True)
    title = Str(required=True)
    content = Str()
    category = Str(allow_none=True)
    categories = computed(lambda i: [c.value for c in i.categories], "array", "課題区分（主なものが先）")
    lead_agency = Nested(Ref, required=True)
    plan_item = Nested(PlanItemSchema, allow_none=True)
    linked_agencies = List(Nested(Ref))


class InitiativeQuery(PageQuery):
    fy = Int(
        validate=ma.validate.Range(min=1989, max=2100, error="年度は西暦で指定してください（例: 2017）。")
    )
    category = Str(validate=one_of(Category))
    agency = Id()
    plan_item = Id()


class ProgressReportSchema(Schema):
    id = Int(required=True)
    initiative_id = Int(required=True)
    fiscal_year = Int(required=True)
    fiscal_year_label = computed(lambda r: fiscal_year_label(r.fiscal_year), "string", "和暦の年度")
    status = Str(required=True, validate=one_of(ReportStatus))
    progress = Str(metadata={"description": "（２）今年度の進捗状況"})
    challenges = Str(metadata={"description": "（３）見えてきた課題"})
    proposals = Str(metadata={"description": "（４）解決策・関係機関と話し合いたいこと"})
    next_year_plan = Str(metadata={"description": "（５）来年度以降の取組み"})
    proposal_agencies = List(Nested(Ref))
    submitted_at = DateTime(allow_none=True)
    updated_at = DateTime()


class ProgressReportQuery(PageQuery):
    fy = Int(
        validate=ma.validate.Range(min=1989, max=2100, error="年度は西暦で指定してください（例: 2017）。")
    )
    initiative = Id()
    status = Str(validate=one_of(ReportStatus))


class AgencySchema(Schema):
    id = Int(required=True)
    council_id = Int(required=True)
    name = Str(required=True)
    kind = Str(required=True)
    kind_label = computed(lambda a: a.kind.label, "string")
    municipality = Str(allow_none=True)
    contact_email = Str(allow_none=True)
    active = Bool(required=True)
