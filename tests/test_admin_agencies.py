"""/admin/agencies and /admin/councils: the secretariat keeps its council's agencies and their contact
addresses (where agency reminders go); an admin starts a new council with its plan items (項目)."""

import sqlalchemy as sa

from kosodate.agencies.models import Agency, AgencyKind, Council
from kosodate.core.audit import AuditEvent
from kosodate.extensions import db
from kosodate.initiatives.models import Category, PlanItem
from kosodate.reminders.rules import agency_recipients
from tests.auth_helpers import post_form
from tests.factories import make_agency, make_council

SECRETARIAT = "jimukyoku@example.org"


def agency(name: str) -> Agency:
    return db.session.scalar(sa.select(Agency).where(Agency.name == name))


def agency_form(item: Agency, **changes) -> dict:
    data = {
        "name": item.name,
        "kind": item.kind.value,
        "municipality": item.municipality or "",
        "contact_email": item.contact_email or "",
        "phone": item.phone or "",
        "address": item.address or "",
        "website": item.website or "",
        "sort_order": item.sort_order,
        "active": "y" if item.active else "",
    }
    return {**data, **changes}


def test_the_secretariat_sets_an_agencys_contact_and_its_reminders_go_there(app, login_as):
    client = login_as(SECRETARIAT)
    doctors = agency("厚木医師会")
    page = f"/admin/agencies/{doctors.id}/edit"
    data = agency_form(
        doctors, contact_email="Renraku@Atsugi-Ishikai.example.jp", phone="046-000-0000",
        address="神奈川県厚木市中町1-1-1", website="https://atsugi-ishikai.example.jp/",
    )  # fmt: skip
    assert post_form(client, page, data).status_code == 302
    db.session.expire_all()
    assert doctors.contact_email == "renraku@atsugi-ishikai.example.jp"
    assert (doctors.phone, doctors.website) == ("046-000-0000", "https://atsugi-ishikai.example.jp/")
    # an agency without members is reached at its address
    assert agency_recipients([doctors]) == [(None, "renraku@atsugi-ishikai.example.jp")]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "agency.update"))
    assert event.changes["contact_email"] == [
        "ishikai@atsugi-demo.example.org",
        "renraku@atsugi-ishikai.example.jp",
    ]
    assert event.council_id == doctors.council_id
    # the read-only list shows it, and links to the edit page for who may edit
    listed = client.get("/agencies").get_data(as_text=True)
    assert "046-000-0000" in listed and f'href="{page}"' in listed
    assert f'href="{page}"' not in login_as("momiji@example.org").get("/agencies").get_data(as_text=True)


def test_every_demo_agency_has_a_contact_address(app, demo):
    addresses = db.session.scalars(sa.select(Agency.contact_email)).all()
    assert len(addresses) == 25 and all(address.endswith("@atsugi-demo.example.org") for address in addresses)


def test_bad_addresses_and_numbers_are_refused_and_nothing_changes(app, login_as):
    client = login_as(SECRETARIAT)
    doctors = agency("厚木医師会")
    page = f"/admin/agencies/{doctors.id}/edit"
    cases = {
        "contact_email": ("ishikai-at-example", "メールアドレスの形式が正しくありません"),
        "website": ("javascript:alert(1)//x.jp", "http:// または https:// で始まるアドレス"),
        "phone": ("でんわ", "電話番号は数字とハイフンで入力してください。"),
        "name": ("厚木市立病院", "同じ名前の機関がこの連絡会議にあります。"),
        "sort_order": ("100000", "並び順は0から9999までの数で入力してください。"),
        "kind": ("hospital", "種別を一覧から選んでください。"),
    }
    for field, (value, message) in cases.items():
        response = post_form(client, page, agency_form(doctors, **{field: value}))
        assert response.status_code == 400, field
        assert message in response.get_data(as_text=True), field
    db.session.expire_all()
    assert (doctors.name, doctors.contact_email) == ("厚木医師会", "ishikai@atsugi-demo.example.org")
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "agency.update")) is None


def test_the_secretariat_adds_an_agency_to_its_own_council_only(app, login_as):
    client = login_as(SECRETARIAT)
    own = db.session.scalar(sa.select(Council))
    other = make_council("相模原地域小児等在宅医療連絡会議")
    other_agency = make_agency(other, "相模原保健福祉事務所")
    db.session.commit()
    new = {"name": "訪問看護ステーション　あおば", "kind": "visiting_nurse", "municipality": "愛川町",
           "contact_email": "aoba@example.org", "active": "y"}  # fmt: skip
    elsewhere = post_form(client, "/admin/agencies/new", {**new, "council": other.id})
    assert elsewhere.status_code == 400 and "選択肢にない値です" in elsewhere.get_data(as_text=True)
    assert post_form(client, "/admin/agencies/new", {**new, "council": own.id}).status_code == 302
    aoba = agency("訪問看護ステーション　あおば")
    assert (aoba.council_id, aoba.kind, aoba.active) == (own.id, AgencyKind.VISITING_NURSE, True)
    assert client.get(f"/admin/agencies/{other_agency.id}/edit").status_code == 404
    listed = client.get("/admin/agencies").get_data(as_text=True)
    assert "訪問看護ステーション　あおば" in listed and "相模原保健福祉事務所" not in listed
    assert login_as("coordinator@example.org").get(f"/admin/agencies/{aoba.id}/edit").status_code == 403


def test_an_admin_starts_a_council_with_its_plan_items(app, login_as):
    admin = login_as("admin@example.org")
    created = post_form(
        admin,
        "/admin/councils",
        {"name": "相模原地域小児等在宅医療連絡会議", "area": "相模原市", "prefecture": "神奈川県"},
    )
    council = db.session.scalar(sa.select(Council).where(Council.name == "相模原地域小児等在宅医療連絡会議"))
    assert created.headers["Location"] == f"/admin/councils/{council.id}"
    items = f"/admin/councils/{council.id}/plan-items"
    for number, title in (
        (1, "関係機関が情報共有する会議の定期的な実施"),
        (2, "退院前カンファレンス"),
        (3, "研修会"),
    ):
        data = {"number": number, "title": title, "category": "system_building" if number == 1 else ""}
        assert post_form(admin, items, data, page=created.headers["Location"]).status_code == 302
    taken = post_form(admin, items, {"number": 2, "title": "重複"}, page=created.headers["Location"])
    assert taken.status_code == 400 and "この項目番号は既に使われています。" in taken.get_data(as_text=True)

    def numbered() -> list[tuple[int, str]]:
        db.session.expire_all()
        query = sa.select(PlanItem.number, PlanItem.title).where(PlanItem.council_id == council.id)
        return [tuple(row) for row in db.session.execute(query.order_by(PlanItem.number))]

    third = db.session.scalar(sa.select(PlanItem).where(PlanItem.title == "研修会"))
    move = f"/admin/councils/{council.id}/plan-items/{third.id}/move"
    assert post_form(admin, move, {"direction": "up"}, page=created.headers["Location"]).status_code == 302
    assert [title for _n, title in numbered()] == [
        "関係機関が情報共有する会議の定期的な実施",
        "研修会",
        "退院前カンファレンス",
    ]
    edit = f"/admin/councils/{council.id}/plan-items/{third.id}"
    data = {"number": 12, "title": "小児訪問看護の研修会", "category": "training"}
    assert post_form(admin, edit, data, page=created.headers["Location"]).status_code == 302
    assert numbered()[-1] == (12, "小児訪問看護の研修会")
    assert db.session.get(PlanItem, third.id).category is Category.TRAINING
    page = admin.get(created.headers["Location"]).get_data(as_text=True)
    assert "小児訪問看護の研修会" in page
    recorded = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.council_id == council.id).order_by(AuditEvent.id)
    ).all()
    assert recorded == ["council.create", *["plan_item.create"] * 3, "plan_item.move", "plan_item.update"]


def test_an_item_of_another_council_is_not_reached_through_this_ones_address(app, login_as):
    admin = login_as("admin@example.org")
    demo_council = db.session.scalar(sa.select(Council))
    other = make_council()
    db.session.commit()
    item = db.session.scalar(sa.select(PlanItem).where(PlanItem.council_id == demo_council.id))
    page = f"/admin/councils/{demo_council.id}"
    response = post_form(
        admin, f"/admin/councils/{other.id}/plan-items/{item.id}", {"number": 1, "title": "x"}, page
    )
    assert response.status_code == 404


def test_only_an_admin_creates_councils(app, login_as):
    secretariat = login_as(SECRETARIAT)
    council = db.session.scalar(sa.select(Council))
    assert secretariat.get("/admin/councils").status_code == 403
    assert secretariat.get(f"/admin/councils/{council.id}").status_code == 403
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Council))
    response = secretariat.post("/admin/councils", data={"name": "勝手な会議"})
    assert response.status_code in (400, 403)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Council)) == before
