"""The foundation's pages as each role sees them: home, initiatives, agencies, meetings."""

import re

import pytest
import sqlalchemy as sa

from kosodate.agencies.models import Agency
from kosodate.auth.models import Role
from kosodate.extensions import db
from kosodate.initiatives.models import Category, Initiative, PlanItem
from tests.factories import PASSWORD, make_agency, make_council, make_user


def test_pages_need_a_login(client):
    for path in ("/", "/initiatives", "/initiatives/1", "/agencies", "/meetings"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login")


def test_home_counts_only_what_the_user_may_open(login_as):
    page = login_as("momiji@example.org").get("/").get_data(as_text=True)
    # one of the FY2017 data, one of the fictional case her station is on
    assert re.search(r'data-testid="mine-open">\s*2\s*<', page), page
    assert 'data-testid="all-open"' not in page  # the council's other follow-ups are not hers to count
    assert "平成29年度" in page

    staff_page = login_as("coordinator@example.org").get("/").get_data(as_text=True)
    assert re.search(r'data-testid="all-open">\s*13\s*<', staff_page)  # 8, and the cases' 5


def test_initiatives_list_filters_by_agency_category_and_plan_item(login_as):
    client = login_as("zama@example.org")
    everything = client.get("/initiatives").get_data(as_text=True)
    assert everything.count('href="/initiatives/') == 20

    hospital = db.session.scalar(sa.select(Agency).where(Agency.name == "厚木市立病院"))
    page = client.get(f"/initiatives?agency={hospital.id}").get_data(as_text=True)
    assert page.count('href="/initiatives/') == 2
    assert "マイサポートブック" in page

    page = client.get("/initiatives?category=training").get_data(as_text=True)
    assert page.count('href="/initiatives/') == 4
    assert "学校内研修の実施" in page

    item_17 = db.session.scalar(sa.select(PlanItem).where(PlanItem.number == 17))
    page = client.get(f"/initiatives?plan_item={item_17.id}").get_data(as_text=True)
    assert page.count('href="/initiatives/') == 2
    assert "神奈川県立座間養護学校" in page


@pytest.mark.parametrize(
    "query", ["fy=heisei", "fy=1999", "category=nothing", "agency=abc", "plan_item=-1", "agency=999999"]
)
def test_initiatives_list_never_fails_on_bad_filters(login_as, query):
    response = login_as("momiji@example.org").get(f"/initiatives?{query}")
    assert response.status_code == 200


def test_initiative_page_shows_the_five_rows_of_the_report(login_as):
    initiative = db.session.scalars(
        sa.select(Initiative).join(Initiative.plan_item).where(PlanItem.number == 22)
    ).one()
    page = login_as("momiji@example.org").get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "（２）29年度の進捗状況について" in page
    assert "開催時期について見直し、5月頃の開催を予定することにした。" in page
    assert initiative.category is Category.AWARENESS


def test_another_councils_initiative_is_not_found(login_as, demo):
    other = make_council("相模原地域連絡会議")
    agency = make_agency(other, "相模原の病院")
    initiative = Initiative(council=other, lead_agency=agency, title="よその取組み")
    db.session.add(initiative)
    db.session.commit()
    client = login_as("jimukyoku@example.org")
    assert client.get(f"/initiatives/{initiative.id}").status_code == 404
    assert "よその取組み" not in client.get("/initiatives").get_data(as_text=True)
    assert client.get("/initiatives/987654").status_code == 404


def test_admin_sees_every_council(app, demo, auth):
    other = make_council("相模原地域連絡会議")
    make_agency(other, "相模原の病院")
    make_user(None, Role.ADMIN, email="root@example.org")
    db.session.commit()
    auth.login("root@example.org", PASSWORD)
    page = auth.client.get("/agencies").get_data(as_text=True)
    assert "相模原の病院" in page
    assert "厚木市立病院" in page


def test_agencies_and_meetings_of_the_users_council(login_as, demo):
    other = make_council("相模原地域連絡会議")
    make_agency(other, "相模原の病院")
    db.session.commit()
    client = login_as("momiji@example.org")
    agencies = client.get("/agencies").get_data(as_text=True)
    assert "厚木市障がい者基幹相談支援センター（ゆいはあと）" in agencies
    assert "相模原の病院" not in agencies
    meetings = client.get("/meetings").get_data(as_text=True)
    assert "第２回厚木地域小児等在宅医療連絡会議" in meetings
    assert "2018年2月28日(水)" in meetings


def test_home_counts_each_category_as_the_filter_finds_it(login_as):
    client = login_as("momiji@example.org")
    home = client.get("/").get_data(as_text=True)
    for category, count in ((Category.COORDINATION, 2), (Category.TRAINING, 4), (Category.OTHER, 1)):
        chart_row = rf'category={category.value}">[^<]+</a></th>\s*<td class="bar-count">{count}件<'
        assert re.search(chart_row, home), category
        listed = client.get(f"/initiatives?category={category.value}").get_data(as_text=True)
        assert listed.count('href="/initiatives/') == count
