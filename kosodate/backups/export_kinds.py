"""The kinds of a council's export: everything the council put in, one CSV each, IDs linking them."""

import json
import re

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..agencies.models import Agency, Council
from ..auth.models import User
from ..core.audit import AuditEvent
from ..extensions import db
from ..followups.models import FollowUp, FollowUpComment
from ..initiatives.models import Initiative, PlanItem
from ..meetings.attachments import attachment_path
from ..meetings.models import AgendaItem, Attachment, Meeting
from ..reports.models import ProgressReport
from ..reports.rounds_models import InitiativeProposal, ReportRound
from .council_export import ExportKind, register_export_kind

UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _names(rows) -> str:
    return "、".join(row.name for row in rows)


def _ids(rows) -> str:
    return " ".join(str(row.id) for row in rows)


def _user_names() -> dict[int, str]:
    """Every user's name by id, once per kind (admins own and close things too, without a council)."""
    return dict(db.session.execute(sa.select(User.id, User.name)).all())


def _agencies(council: Council):
    query = sa.select(Agency).where(Agency.council_id == council.id).order_by(Agency.sort_order, Agency.id)
    for agency in db.session.scalars(query):
        yield (
            agency.id,
            agency.name,
            agency.kind,
            agency.municipality,
            agency.contact_email,
            agency.phone,
            agency.address,
            agency.website,
            agency.sort_order,
            agency.active,
        )


def _users(council: Council):
    query = (
        sa.select(User)
        .join(User.agency)
        .where(Agency.council_id == council.id)
        .options(selectinload(User.agency))
        .order_by(User.id)
    )
    for user in db.session.scalars(query):
        yield (
            user.id,
            user.name,
            user.email,
            user.role,
            user.agency_id,
            user.agency.name,
            user.active,
            user.created_at,
            user.last_login_at,
        )


def _plan_items(council: Council):
    query = sa.select(PlanItem).where(PlanItem.council_id == council.id).order_by(PlanItem.number)
    for item in db.session.scalars(query):
        yield item.id, item.number, item.title, item.category


def _initiatives(council: Council):
    query = (
        sa.select(Initiative)
        .where(Initiative.council_id == council.id)
        .options(
            selectinload(Initiative.lead_agency),
            selectinload(Initiative.plan_item),
            selectinload(Initiative.linked_agencies),
        )
        .order_by(Initiative.sort_order, Initiative.id)
    )
    for item in db.session.scalars(query):
        yield (
            item.id,
            item.title,
            item.lead_agency_id,
            item.lead_agency.name,
            item.plan_item.number if item.plan_item else None,
            item.categories,
            item.content,
            item.column_label,
            item.sort_order,
            _ids(item.linked_agencies),
            _names(item.linked_agencies),
        )


def _progress_reports(council: Council):
    names = _user_names()
    query = (
        sa.select(ProgressReport)
        .join(ProgressReport.initiative)
        .where(Initiative.council_id == council.id)
        .options(selectinload(ProgressReport.proposal_agencies))
        .order_by(ProgressReport.fiscal_year, Initiative.sort_order, ProgressReport.id)
    )
    for report in db.session.scalars(query):
        yield (
            report.id,
            report.initiative_id,
            report.fiscal_year,
            report.progress,
            report.challenges,
            report.proposals,
            report.next_year_plan,
            _names(report.proposal_agencies),
            report.status,
            names.get(report.submitted_by_id),
            report.submitted_at,
            report.updated_at,
        )


def _report_rounds(council: Council):
    names = _user_names()
    query = (
        sa.select(ReportRound).where(ReportRound.council_id == council.id).order_by(ReportRound.fiscal_year)
    )
    for item in db.session.scalars(query):
        yield (
            item.id,
            item.fiscal_year,
            item.deadline,
            item.meeting_id,
            item.document_number,
            names.get(item.opened_by_id),
            item.opened_at,
        )


def _proposals(council: Council):
    names = _user_names()
    query = (
        sa.select(InitiativeProposal)
        .join(ReportRound)
        .where(ReportRound.council_id == council.id)
        .options(selectinload(InitiativeProposal.agency))
        .order_by(InitiativeProposal.id)
    )
    for item in db.session.scalars(query):
        yield (
            item.id,
            item.round_id,
            item.agency.name,
            item.title,
            item.content,
            item.category,
            item.status,
            names.get(item.proposed_by_id),
            item.proposed_at,
            names.get(item.decided_by_id),
            item.decided_at,
            item.initiative_id,
        )


def _meetings(council: Council):
    query = (
        sa.select(Meeting)
        .where(Meeting.council_id == council.id, Meeting.case_id.is_(None))  # a case's: its personal kind
        .options(
            selectinload(Meeting.host_agency),
            selectinload(Meeting.secretariat_agency),
            selectinload(Meeting.attendee_agencies),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    for item in db.session.scalars(query):
        yield (
            item.id,
            item.kind,
            item.title,
            item.starts_at,
            item.place,
            item.host_agency.name if item.host_agency else None,
            item.secretariat_agency.name if item.secretariat_agency else None,
            _names(item.attendee_agencies),
            item.notes,
            item.minutes,
        )


def _agenda_items(council: Council):
    query = (
        sa.select(AgendaItem)
        .join(AgendaItem.meeting)
        .where(Meeting.council_id == council.id, Meeting.case_id.is_(None))
        .options(selectinload(AgendaItem.plan_item))
        .order_by(AgendaItem.meeting_id, AgendaItem.position)
    )
    for item in db.session.scalars(query):
        number = item.plan_item.number if item.plan_item else None
        yield item.id, item.meeting_id, item.position, item.title, number, item.initiative_id


def _council_attachments(council: Council) -> list[Attachment]:
    query = (
        sa.select(Attachment)
        .join(Attachment.meeting)
        .where(Meeting.council_id == council.id, Meeting.case_id.is_(None))
        .order_by(Attachment.meeting_id, Attachment.id)
    )
    return list(db.session.scalars(query))


def attachment_arcname(attachment: Attachment) -> str:
    """attachments/<meeting id>/<attachment id>_<the user's file name, made safe for every OS>."""
    return f"attachments/{attachment.meeting_id}/{attachment.id}_{UNSAFE_NAME.sub('_', attachment.filename)}"


def _attachments(council: Council):
    names = _user_names()
    for item in _council_attachments(council):
        yield (
            item.id,
            item.meeting_id,
            item.filename,
            attachment_arcname(item),
            item.content_type,
            item.size,
            names.get(item.uploaded_by_id),
            item.uploaded_at,
        )


def _attachment_files(council: Council):
    for item in _council_attachments(council):
        path = attachment_path(item)
        if path.exists():
            yield attachment_arcname(item), path


def _followups(council: Council):
    query = (
        sa.select(FollowUp)
        .where(FollowUp.council_id == council.id)
        .options(
            selectinload(FollowUp.owner),
            selectinload(FollowUp.done_by),
            selectinload(FollowUp.created_by),
            selectinload(FollowUp.responsible_agency),
            selectinload(FollowUp.linked_agencies),
        )
        .order_by(FollowUp.id)
    )
    for item in db.session.scalars(query):
        yield (
            item.id,
            item.title,
            item.description,
            item.responsible_agency_id,
            item.responsible_agency.name,
            item.owner.name if item.owner else None,
            _names(item.linked_agencies),
            item.due_date,
            item.status,
            item.priority,
            item.discuss_at_next_meeting,
            item.source_meeting_id,
            item.source_initiative_id,
            item.done_at,
            item.done_by.name if item.done_by else None,
            item.completion_note,
            item.created_by.name if item.created_by else None,
            item.created_at,
            item.updated_at,
        )


def _followup_comments(council: Council):
    query = (
        sa.select(FollowUpComment)
        .join(FollowUpComment.followup)
        .where(FollowUp.council_id == council.id)
        .options(selectinload(FollowUpComment.author))
        .order_by(FollowUpComment.id)
    )
    for item in db.session.scalars(query):
        yield item.id, item.followup_id, item.author.name if item.author else None, item.body, item.created_at


def _followup_history(council: Council):
    names = _user_names()
    ids = sa.select(FollowUp.id).where(FollowUp.council_id == council.id)
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "followups", AuditEvent.object_id.in_(ids))
        .order_by(AuditEvent.object_id, AuditEvent.occurred_at, AuditEvent.id)
    )
    for event in db.session.scalars(query):
        changes = json.dumps(event.changes, ensure_ascii=False)
        yield event.object_id, event.occurred_at, event.action, names.get(event.actor_id), changes


EXPORT_KINDS = (
    ExportKind("agencies.csv", "関係機関", _agencies, (
        ("ID", "関係機関の番号"), ("名称", "機関名"), ("種別", "行政・医療機関・訪問看護など"),
        ("市町村", "所在の市町村"), ("連絡先メール", "機関あてのリマインダーの送り先"),
        ("電話番号", ""), ("住所", ""), ("ウェブサイト", ""), ("並び順", "進捗状況一覧の列の順"),
        ("有効", "いいえ は登録を止めた機関"))),
    ExportKind("users.csv", "利用者", _users, (
        ("ID", "利用者の番号"), ("氏名", "表示名"), ("メールアドレス", "ログインに使うアドレス"),
        ("役割", "事務局・コーディネーター・関係機関担当者"), ("所属機関ID", "関係機関のID"),
        ("所属機関", "機関名"), ("有効", "いいえ はログインできない利用者"), ("登録日時", ""),
        ("最終ログイン", ""))),
    ExportKind("plan_items.csv", "項目（行動計画）", _plan_items, (
        ("ID", "項目の番号（内部）"), ("項目番号", "連絡会議が付けた番号"), ("項目名", ""),
        ("課題区分", ""))),
    ExportKind("initiatives.csv", "取組み", _initiatives, (
        ("ID", "取組みの番号"), ("取組み名", ""), ("担当機関ID", "関係機関のID"), ("担当機関", "機関名"),
        ("項目番号", "項目（行動計画）の番号"), ("課題区分", "主な区分から順に"),
        ("（１）項目・内容", "進捗状況一覧の（１）"), ("列見出し", "進捗状況一覧の列の見出し"),
        ("並び順", "進捗状況一覧の列の順"), ("連携機関ID", "空白区切り"), ("連携機関", ""))),
    ExportKind("progress_reports.csv", "進捗報告", _progress_reports, (
        ("ID", "進捗報告の番号"), ("取組みID", "取組みのID"), ("年度", "西暦の開始年（2017 は平成29年度）"),
        ("（２）進捗状況", "今年度の進捗状況、実績や検討している内容"),
        ("（３）課題", "取組みを進める中で見えてきた課題"),
        ("（４）解決策・話し合いたいこと", "考えうる解決策または関係機関と話し合いたいこと"),
        ("（５）来年度以降", "来年度以降の取組み"), ("話し合いたい関係機関", "（４）で挙げた機関"),
        ("状態", "下書き・提出済み"), ("提出者", ""), ("提出日時", ""), ("更新日時", ""))),
    ExportKind("report_rounds.csv", "進捗報告の依頼", _report_rounds, (
        ("ID", "依頼の番号"), ("年度", "西暦の開始年"), ("提出期限", ""), ("会議ID", "報告する会議のID"),
        ("資料番号", "一覧の見出しに印刷する番号"), ("依頼者", ""), ("依頼日時", ""))),
    ExportKind("initiative_proposals.csv", "取組みの提案", _proposals, (
        ("ID", "提案の番号"), ("依頼ID", "進捗報告の依頼のID"), ("提案した機関", ""), ("取組み名", ""),
        ("内容", ""), ("課題区分", ""), ("状態", "提案中・採用・見送り"), ("提案者", ""), ("提案日時", ""),
        ("決定者", ""), ("決定日時", ""), ("取組みID", "採用されてできた取組みのID"))),
    ExportKind("meetings.csv", "会議", _meetings, (
        ("ID", "会議の番号"), ("種別", "連絡会議・部会・勉強会など"), ("会議名", ""), ("日時", "開始"),
        ("場所", ""), ("主催機関", ""), ("事務局", "会議の事務局を務める機関"), ("出席機関", ""),
        ("メモ", ""), ("議事録", ""))),
    ExportKind("agenda_items.csv", "議題", _agenda_items, (
        ("ID", "議題の番号"), ("会議ID", "会議のID"), ("順", "議題の順"), ("議題", ""),
        ("項目番号", "関係する項目"), ("取組みID", "関係する取組み"))),
    ExportKind("attachments.csv", "別紙（会議の添付ファイル）", _attachments, files=_attachment_files,
               columns=(
        ("ID", "別紙の番号"), ("会議ID", "会議のID"), ("ファイル名", "登録したときの名前"),
        ("ZIP内の場所", "この ZIP の中のファイル"), ("形式", "中身から判定した形式"), ("サイズ", "バイト"),
        ("登録者", ""), ("登録日時", ""))),
    ExportKind("followups.csv", "対応事項", _followups, (
        ("ID", "対応事項の番号"), ("件名", ""), ("内容", ""), ("担当機関ID", "関係機関のID"),
        ("担当機関", ""), ("担当者", ""), ("関係機関", ""), ("期限", ""),
        ("状態", "未着手・対応中・完了・取消"), ("優先度", "高・中・低"), ("会議で協議したい", ""),
        ("元の会議ID", "決まった会議"), ("元の取組みID", "関係する取組み"), ("完了日時", ""),
        ("完了した人", ""), ("完了メモ", ""),
        ("登録者", ""), ("登録日時", ""), ("更新日時", ""))),
    ExportKind("followup_comments.csv", "対応事項のコメント", _followup_comments, (
        ("ID", "コメントの番号"), ("対応事項ID", "対応事項のID"), ("投稿者", ""), ("本文", ""),
        ("投稿日時", ""))),
    ExportKind("followup_history.csv", "対応事項の変更履歴", _followup_history, (
        ("対応事項ID", "対応事項のID"), ("日時", ""), ("操作", "followup.update（変更）など"),
        ("変更した人", ""), ("変更内容", "項目ごとの [変更前, 変更後]（JSON）"))),
)  # fmt: skip

for _kind in EXPORT_KINDS:
    register_export_kind(_kind)
