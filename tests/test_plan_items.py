"""An initiative that reports on several plan items (厚木保健福祉事務所: ①1 ②8 ③9) is found by each of
them, and every list names all of them."""

import re

import sqlalchemy as sa

from kosodate.agencies.models import Agency
from kosodate.auth.models import User
from kosodate.extensions import db
from kosodate.followups.models import FollowUp
from kosodate.initiatives.models import Initiative, PlanItem
from kosodate.meetings.review import topic_of


def plan_item(number: int) -> PlanItem:
    return db.session.scalar(sa.select(PlanItem).where(PlanItem.number == number))


def public_health_office_initiative() -> Initiative:
    return db.session.scalars(
        sa.select(Initiative).join(Initiative.lead_agency).where(Agency.name == "厚木保健福祉事務所")
    ).one()


def test_a_filter_by_item_9_finds_the_initiatives_that_report_on_it(login_as):
    client = login_as("jimukyoku@example.org")
    item_9 = plan_item(9).id
    html = client.get(f"/initiatives?fy=2017&plan_item={item_9}").get_data(as_text=True)
    assert "2件" in html
    html = html.split('data-testid="initiatives"')[1]
    assert "厚木保健福祉事務所" in html and "厚木市健康づくり課" in html and "厚木市立病院" not in html
    assert re.search(r"<td[^>]*>1・8・9</td>", html) and re.search(r"<td[^>]*>1・9・20</td>", html)
    rows = client.get(f"/reports/progress?fy=2017&view=rows&plan_item={item_9}").get_data(as_text=True)
    assert "2件" in rows and "項目 1・8・9" in rows
    # item 8: the city hospital's first column and the office's second item
    by_8 = client.get(f"/initiatives?fy=2017&plan_item={plan_item(8).id}").get_data(as_text=True)
    assert "2件" in by_8
    by_8 = by_8.split('data-testid="initiatives"')[1]
    assert "厚木市立病院" in by_8 and "厚木保健福祉事務所" in by_8


def test_a_follow_up_from_the_offices_initiative_is_found_by_each_of_its_items(login_as):
    office = public_health_office_initiative()
    followup = FollowUp(
        council_id=office.council_id,
        title="災害時個別計画の様式を市町村と確認する",
        responsible_agency=office.lead_agency,
        source_initiative=office,
        created_by=db.session.scalar(sa.select(User).where(User.email == "jimukyoku@example.org")),
    )
    db.session.add(followup)
    db.session.commit()
    client = login_as("coordinator@example.org")
    for number in (1, 8, 9):
        html = client.get(f"/followups?view=all&plan_item={plan_item(number).id}").get_data(as_text=True)
        assert "災害時個別計画の様式を市町村と確認する" in html, number
    html = client.get(f"/followups?view=all&plan_item={plan_item(20).id}").get_data(as_text=True)
    assert "災害時個別計画の様式を市町村と確認する" not in html
    assert topic_of(followup) == "体制構築／1・8・9 関係機関が情報共有する会議の定期的な実施"


def test_the_initiatives_page_names_every_item(login_as):
    office = public_health_office_initiative()
    html = login_as("momiji@example.org").get(f"/initiatives/{office.id}").get_data(as_text=True)
    assert "1　関係機関が情報共有する会議の定期的な実施" in html
    assert "8　退院前のケースカンファレンス、情報交換" in html
    assert "9　役割に応じたコーディネート機能の確立" in html
