"""Synthetic data at prefecture scale for benchmarks: deterministic for a seed and a day, bulk-inserted.

Shaped like the FY2017 Atsugi council (agency kinds, municipalities, plan items, initiatives with
three years of reports, meetings of every kind, follow-ups with comments and history) but every name
is generated.
"""

import random
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from ..agencies.models import AGENCY_KIND_LABELS, Agency, AgencyKind, Council
from ..auth.models import Role, User
from ..auth.passwords import hash_password
from ..core.audit import AuditEvent
from ..core.time import TOKYO, fiscal_year_of, today_tokyo
from ..extensions import db
from ..followups.models import FollowUp, FollowUpComment, FollowUpStatus, followup_agencies
from ..initiatives.models import Category, Initiative, PlanItem, initiative_agencies
from ..meetings.models import Meeting, MeetingKind, meeting_attendees
from ..reports.models import ProgressReport, ReportStatus

#: municipalities of Kanagawa (place names, not people), dealt out to the generated councils
MUNICIPALITIES = (
    "厚木市",
    "愛川町",
    "清川村",
    "海老名市",
    "座間市",
    "綾瀬市",
    "大和市",
    "相模原市",
    "平塚市",
    "秦野市",
    "伊勢原市",
    "藤沢市",
    "茅ヶ崎市",
    "寒川町",
    "小田原市",
    "南足柄市",
    "大井町",
    "松田町",
    "山北町",
    "開成町",
    "箱根町",
    "真鶴町",
    "湯河原町",
    "横須賀市",
    "鎌倉市",
    "逗子市",
    "三浦市",
    "葉山町",
    "大磯町",
    "二宮町",
    "中井町",
)

AGENCY_KIND_WEIGHTS = {
    AgencyKind.GOVERNMENT: 3,
    AgencyKind.ASSOCIATION: 1,
    AgencyKind.MEDICAL: 4,
    AgencyKind.VISITING_NURSE: 5,
    AgencyKind.WELFARE: 4,
    AgencyKind.CONSULTATION: 3,
    AgencyKind.EDUCATION: 1,
    AgencyKind.CHILD_GUIDANCE: 1,
    AgencyKind.OTHER: 1,
}
MEETING_KIND_WEIGHTS = {
    MeetingKind.LIAISON: 1,
    MeetingKind.SUBCOMMITTEE: 2,
    MeetingKind.STUDY: 2,
    MeetingKind.DISCHARGE_CONFERENCE: 4,
    MeetingKind.OTHER: 1,
}
MEETING_KIND_TITLES = {
    MeetingKind.LIAISON: "連絡会議",
    MeetingKind.SUBCOMMITTEE: "部会",
    MeetingKind.STUDY: "勉強会",
    MeetingKind.DISCHARGE_CONFERENCE: "退院前カンファレンス",
    MeetingKind.OTHER: "打合せ",
}
FOLLOWUP_ACTIONS = ("の日程を調整する", "の資料を作成する", "について関係機関に照会する", "の結果を報告する")
FOLLOWUP_TOPICS = (
    "勉強会",
    "マイサポートブック",
    "ガイドブック",
    "短期入所の情報一覧",
    "災害時個別計画",
    "研修会",
)
PLAN_ITEMS_PER_COUNCIL = 22
REPORT_YEARS = 3
BATCH = 5000


class GenerateRefused(RuntimeError):
    """The database is not empty."""


@dataclass(frozen=True)
class GenerateSpec:
    councils: int = 10
    agencies: int = 300
    users: int = 3000
    followups: int = 100_000
    meetings: int = 5000
    seed: int = 1
    password: str | None = None
    #: the day the data is shaped around (open and overdue follow-ups); today in Tokyo by default
    today: date = field(default_factory=today_tokyo)


def generate(spec: GenerateSpec) -> dict[str, int]:
    """Fill an empty database; returns the number of rows per table. The caller commits."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Council)) or db.session.scalar(
        sa.select(sa.func.count()).select_from(User)
    ):
        raise GenerateRefused("データベースが空ではありません。空のデータベースに生成してください。")
    if spec.councils < 1 or spec.agencies < spec.councils or spec.users < spec.councils:
        raise ValueError("連絡会議は1以上、関係機関と利用者は連絡会議の数以上にしてください。")
    return _Generator(spec).run()


class _Generator:
    def __init__(self, spec: GenerateSpec):
        self.spec = spec
        self.random = random.Random(spec.seed)  # noqa: S311 (reproducible data, not secrets)
        self.counts: dict[str, int] = {}
        # one hash for all: argon2 for 3,000 users would take minutes
        password = spec.password or secrets.token_urlsafe(32)
        self.password_hash = hash_password(password) if spec.password else "!" + password

    def run(self) -> dict[str, int]:
        councils = self._councils()
        agencies = self._agencies(councils)
        self.agencies_by_council = _group(agencies, "council_id")
        users = self._users(councils, agencies)
        plan_items = self._plan_items(councils)
        initiatives = self._initiatives(agencies, plan_items)
        self._reports(initiatives, users)
        meetings = self._meetings(agencies)
        self._followups(agencies, users, meetings, initiatives)
        _reset_sequences()
        return self.counts

    # --- councils, agencies, users -------------------------------------------------------------

    def _councils(self) -> list[dict]:
        rows = [
            {"id": n, "name": f"生成第{n}地域小児等在宅医療連絡会議", "area": "", "prefecture": "神奈川県"}
            for n in range(1, self.spec.councils + 1)
        ]
        for row in rows:
            municipalities = self._municipalities_of(row["id"])
            row["area"] = "・".join(municipalities)
        self._insert(Council, rows)
        return rows

    def _municipalities_of(self, council_id: int) -> list[str]:
        per_council = max(1, len(MUNICIPALITIES) // self.spec.councils)
        start = ((council_id - 1) * per_council) % len(MUNICIPALITIES)
        return [MUNICIPALITIES[(start + i) % len(MUNICIPALITIES)] for i in range(min(per_council, 3))]

    def _agencies(self, councils: list[dict]) -> list[dict]:
        kinds, weights = zip(*AGENCY_KIND_WEIGHTS.items(), strict=True)
        rows = []
        for n in range(1, self.spec.agencies + 1):
            council_id = councils[(n - 1) % len(councils)]["id"]
            # each council's first agency is its secretariat's office
            first = n <= len(councils)
            kind = AgencyKind.GOVERNMENT if first else self.random.choices(kinds, weights)[0]
            municipality = self.random.choice(self._municipalities_of(council_id))
            name = f"{municipality}{'保健福祉事務所' if first else AGENCY_KIND_LABELS[kind]}{n:04d}"
            rows.append(
                {
                    "id": n,
                    "council_id": council_id,
                    "name": name,
                    "kind": kind,
                    "municipality": municipality,
                    "contact_email": f"agency{n:04d}@example.org",
                    "sort_order": n,
                    "active": True,
                }
            )
        self._insert(Agency, rows)
        return rows

    def _users(self, councils: list[dict], agencies: list[dict]) -> list[dict]:
        rows = []
        for n in range(1, self.spec.users + 1):
            if n <= len(councils):
                role, agency = Role.SECRETARIAT, agencies[n - 1]
            else:
                agency = self.random.choice(agencies)
                role = Role.COORDINATOR if n % 20 == 0 else Role.AGENCY_MEMBER
            rows.append(
                {
                    "id": n,
                    "email": f"{role.value.replace('_', '-')}{n:05d}@example.org",
                    "name": f"生成利用者{n:05d}",
                    "agency_id": agency["id"],
                    "role": role,
                    "active": True,
                    "password_hash": self.password_hash,
                    "session_token": secrets.token_urlsafe(32),
                }
            )
        self._insert(User, rows)
        return rows

    # --- plan items, initiatives, reports ------------------------------------------------------

    def _plan_items(self, councils: list[dict]) -> dict[int, list[dict]]:
        categories = list(Category)
        by_council: dict[int, list[dict]] = {}
        rows = []
        for council in councils:
            for number in range(1, PLAN_ITEMS_PER_COUNCIL + 1):
                row = {
                    "id": len(rows) + 1,
                    "council_id": council["id"],
                    "number": number,
                    "title": f"生成項目{number}",
                    "category": categories[number % len(categories)],
                }
                rows.append(row)
                by_council.setdefault(council["id"], []).append(row)
        self._insert(PlanItem, rows)
        return by_council

    def _initiatives(self, agencies: list[dict], plan_items: dict[int, list[dict]]) -> list[dict]:
        rows, links = [], []
        for agency in agencies:
            for _ in range(self.random.randint(1, 2)):
                item = self.random.choice(plan_items[agency["council_id"]])
                initiative_id = len(rows) + 1
                rows.append(
                    {
                        "id": initiative_id,
                        "council_id": agency["council_id"],
                        "lead_agency_id": agency["id"],
                        "plan_item_id": item["id"],
                        "category": item["category"],
                        "secondary_categories": [],
                        "title": f"{item['title']}の取組み{initiative_id}",
                        "content": f"{item['number']}　{item['category'].label}　{item['title']}",
                        "column_label": agency["name"],
                        "sort_order": agency["sort_order"],
                    }
                )
                links += self._links(initiative_id, "initiative_id", agency, 0, 2)
        self._insert(Initiative, rows)
        self._insert_table(initiative_agencies, links)
        return rows

    def _reports(self, initiatives: list[dict], users: list[dict]) -> None:
        current = fiscal_year_of(self.spec.today)
        rows = []
        for initiative in initiatives:
            for fiscal_year in range(current - REPORT_YEARS + 1, current + 1):
                submitted = fiscal_year < current or self.random.random() < 0.5
                rows.append(
                    {
                        "id": len(rows) + 1,
                        "initiative_id": initiative["id"],
                        "fiscal_year": fiscal_year,
                        "progress": f"{fiscal_year}年度の進捗（生成）",
                        "challenges": "見えてきた課題（生成）",
                        "proposals": "関係機関と話し合いたいこと（生成）",
                        "next_year_plan": "来年度以降の取組み（生成）",
                        "status": ReportStatus.SUBMITTED if submitted else ReportStatus.DRAFT,
                        "submitted_at": self._moment(date(fiscal_year + 1, 2, 1)) if submitted else None,
                    }
                )
        self._insert(ProgressReport, rows)

    # --- meetings and follow-ups ---------------------------------------------------------------

    def _meetings(self, agencies: list[dict]) -> list[dict]:
        kinds, weights = zip(*MEETING_KIND_WEIGHTS.items(), strict=True)
        by_council = self.agencies_by_council
        councils = sorted(by_council)
        rows, attendees = [], []
        for n in range(1, self.spec.meetings + 1):
            council_id = councils[(n - 1) % len(councils)]
            kind = self.random.choices(kinds, weights)[0]
            host = self.random.choice(by_council[council_id])
            day = self.spec.today + timedelta(days=self.random.randint(-3 * 365, 180))
            rows.append(
                {
                    "id": n,
                    "council_id": council_id,
                    "kind": kind,
                    "title": f"{MEETING_KIND_TITLES[kind]}（生成{n}）",
                    "starts_at": datetime.combine(day, time(14, 0), TOKYO),
                    "place": f"{host['municipality']}会議室",
                    "host_agency_id": host["id"],
                    "secretariat_agency_id": by_council[council_id][0]["id"],
                    "notes": "",
                }
            )
            attendees += self._links(n, "meeting_id", host, 2, 7, include_self=True)
        self._insert(Meeting, rows)
        self._insert_table(meeting_attendees, attendees)
        return rows

    def _followups(self, agencies, users, meetings, initiatives) -> None:
        users_by_agency = _group(users, "agency_id")
        meetings_by_council = _group(meetings, "council_id")
        initiatives_by_council = _group(initiatives, "council_id")
        batch, links, comments, history = [], [], [], []
        for n in range(1, self.spec.followups + 1):
            agency = agencies[self.random.randrange(len(agencies))]
            council_id = agency["council_id"]
            status, due = self._status_and_due()
            created = self._moment(due - timedelta(days=self.random.randint(14, 120)))
            members = users_by_agency.get(agency["id"], [])
            owner = self.random.choice(members) if members and self.random.random() < 0.8 else None
            meeting = self._maybe(meetings_by_council.get(council_id), 0.5)
            initiative = self._maybe(initiatives_by_council.get(council_id), 0.3)
            done = status is FollowUpStatus.DONE
            done_at = self._moment(due - timedelta(days=self.random.randint(0, 10))) if done else None
            batch.append(
                {
                    "id": n,
                    "council_id": council_id,
                    "title": self._followup_title(n),
                    "description": "生成データの対応事項です。",
                    "owner_id": owner["id"] if owner else None,
                    "responsible_agency_id": agency["id"],
                    "due_date": due,
                    "status": status,
                    "discuss_at_next_meeting": self.random.random() < 0.05,
                    "source_meeting_id": meeting["id"] if meeting else None,
                    "source_initiative_id": initiative["id"] if initiative else None,
                    "done_at": done_at,
                    "done_by_id": owner["id"] if done and owner else None,
                    "completion_note": "対応しました。" if done else "",
                    "created_by_id": owner["id"] if owner else None,
                    "created_at": created,
                    "updated_at": created,
                    "version": 1,
                }
            )
            links += self._links(n, "followup_id", agency, 0, 3)
            if owner and self.random.random() < 0.1:
                comments.append(self._comment(n, owner, created))
            if done:
                history.append(self._done_event(n, owner, done_at))
            if len(batch) == BATCH:
                self._flush_followups(batch, links, comments, history)
                batch, links, comments, history = [], [], [], []
        self._flush_followups(batch, links, comments, history)

    @staticmethod
    def _comment(followup_id: int, author: dict, created: datetime) -> dict:
        body = "進み具合を共有します（生成）。"
        return {"followup_id": followup_id, "author_id": author["id"], "body": body, "created_at": created}

    @staticmethod
    def _done_event(followup_id: int, owner: dict | None, done_at: datetime) -> dict:
        """The history entry marking done leaves (see kosodate.followups.changes)."""
        return {
            "occurred_at": done_at,
            "actor_id": owner["id"] if owner else None,
            "action": "followup.done",
            "object_type": "followups",
            "object_id": followup_id,
            "changes": {"status": ["未着手", "完了"]},
        }

    def _flush_followups(self, batch, links, comments, history) -> None:
        self._insert(FollowUp, batch)
        self._insert_table(followup_agencies, links)
        self._insert(FollowUpComment, comments)
        self._insert(AuditEvent, history)

    def _status_and_due(self) -> tuple[FollowUpStatus, date]:
        """30 % open (a third of them, a tenth of all, overdue), 60 % done, 10 % cancelled;
        due dates over two years around the day."""
        today, draw = self.spec.today, self.random.random()
        if draw < 0.10:
            status = self.random.choice((FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS))
            return status, today - timedelta(days=self.random.randint(1, 365))
        if draw < 0.30:
            status = self.random.choice((FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS))
            return status, today + timedelta(days=self.random.randint(0, 365))
        status = FollowUpStatus.DONE if draw < 0.90 else FollowUpStatus.CANCELLED
        return status, today + timedelta(days=self.random.randint(-365, 365))

    def _followup_title(self, n: int) -> str:
        topic = FOLLOWUP_TOPICS[n % len(FOLLOWUP_TOPICS)]
        return f"{topic}{FOLLOWUP_ACTIONS[n % len(FOLLOWUP_ACTIONS)]}（{n}）"

    # --- helpers -------------------------------------------------------------------------------

    def _links(self, owner_id, key, agency, low, high, include_self=False) -> list[dict]:
        """Association rows to other agencies of the same council (the agency itself when asked)."""
        same_council = self.agencies_by_council[agency["council_id"]]
        count = min(self.random.randint(low, high), len(same_council))
        chosen = {a["id"] for a in self.random.sample(same_council, count)}
        chosen = chosen | {agency["id"]} if include_self else chosen - {agency["id"]}
        return [{key: owner_id, "agency_id": agency_id} for agency_id in sorted(chosen)]

    def _maybe(self, choices: list[dict] | None, probability: float) -> dict | None:
        if not choices or self.random.random() >= probability:
            return None
        return self.random.choice(choices)

    def _moment(self, day: date) -> datetime:
        return datetime.combine(day, time(9 + self.random.randint(0, 8), 0), TOKYO)

    def _insert(self, model, rows: list[dict]) -> None:
        for chunk in _chunks(rows):
            db.session.execute(sa.insert(model), chunk)
        self.counts[model.__tablename__] = self.counts.get(model.__tablename__, 0) + len(rows)

    def _insert_table(self, table: sa.Table, rows: list[dict]) -> None:
        for chunk in _chunks(rows):
            db.session.execute(table.insert(), chunk)
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)


def _group(rows: Iterable[dict], key: str) -> dict[int, list[dict]]:
    groups: dict[int, list[dict]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return groups


def _chunks(rows: list[dict]) -> Iterator[list[dict]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def _reset_sequences() -> None:
    """Rows were inserted with explicit ids: PostgreSQL's sequences must continue after them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement and table.c.id.primary_key:
            db.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 (our names)
                    f'coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                )
            )
