"""The follow-up forms prevent mistakes: owners of the chosen agency only, agencies as checkboxes,
キャンセル back where the user came from, a new follow-up as one history entry, a light list page."""

import re

import sqlalchemy as sa

from kosodate.extensions import db
from kosodate.followups.models import FollowUp
from tests.factories import make_agency, make_council, make_user
from tests.test_followups import agency, form_post, meeting_on, new_followup_data, user


def options_of(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}".*?</select>', html, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_the_owner_list_shows_the_people_of_the_chosen_agency(login_as):
    momiji = agency("訪問看護ステーションもみじ")
    make_user(momiji, email="momiji2@example.org").name = "もみじ 理学療法士"
    db.session.commit()
    client = login_as("coordinator@example.org")

    page = client.get("/followups/new").get_data(as_text=True)  # her own agency is chosen first
    assert options_of(page, "owner") == ["（担当者なし）", "相談支援専門員"]
    owners = client.get(f"/followups/owners?agency={momiji.id}").get_json()["owners"]
    assert [owner["name"] for owner in owners] == ["もみじ 理学療法士", "もみじ 訪問看護師"]

    # a save for another agency with her owner is refused, and the list then shows that agency's
    refused = form_post(client, "/followups/new", new_followup_data(owner=user("zama@example.org").id))
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "担当者は担当機関に所属する利用者から選んでください。" in page
    assert options_of(page, "owner") == ["（担当者なし）", "もみじ 理学療法士", "もみじ 訪問看護師"]
    assert (
        db.session.scalar(sa.select(sa.func.count(FollowUp.id)).where(FollowUp.title.contains("会場"))) == 0
    )


def test_the_owners_of_another_councils_agency_are_not_found(login_as):
    other = make_agency(make_council(), "相模原市立病院")
    make_user(other, email="sagami@example.org")
    db.session.commit()
    client = login_as("momiji@example.org")
    for value in (other.id, "abc", "99999999999", ""):
        assert client.get(f"/followups/owners?agency={value}").status_code == 404


def test_the_list_carries_no_council_wide_owner_list(login_as):
    client = login_as("jimukyoku@example.org")
    page = client.get("/followups?view=all").get_data(as_text=True)
    assert options_of(page, "owner") == ["すべて（機関を選ぶと選べます）"]
    assert options_of(page, "bulk-owner") == ["（担当者なし）"]
    momiji = agency("訪問看護ステーションもみじ")
    page = client.get(f"/followups?view=all&agency={momiji.id}").get_data(as_text=True)
    assert options_of(page, "owner") == ["すべて", "もみじ 訪問看護師"]


def test_linked_agencies_are_checkboxes_and_all_chosen_are_kept(login_as):
    client = login_as("coordinator@example.org")
    page = client.get("/followups/new").get_data(as_text=True)
    assert page.count('type="checkbox" name="linked_agencies"') == 25
    chosen = [agency("厚木市立病院").id, agency("神奈川県立座間養護学校").id]
    assert form_post(client, "/followups/new", new_followup_data(linked_agencies=chosen)).status_code == 302
    created = db.session.scalar(sa.select(FollowUp).where(FollowUp.title.contains("会場")))
    assert sorted(a.id for a in created.linked_agencies) == sorted(chosen)
    edit = client.get(f"/followups/{created.id}/edit").get_data(as_text=True)
    assert len(re.findall(r'name="linked_agencies" [^>]*checked', edit)) == 2


def test_cancel_goes_back_where_the_user_came_from(login_as):
    client = login_as("coordinator@example.org")
    meeting = meeting_on("2018-02-28")

    def cancel_link(path, **headers):
        page = client.get(path, headers=headers).get_data(as_text=True)
        return re.search(r'<a class="btn btn-link" href="([^"]*)">キャンセル</a>', page).group(1)

    assert cancel_link(
        f"/followups/new?meeting={meeting.id}", Referer=f"http://localhost/meetings/{meeting.id}"
    ) == (f"/meetings/{meeting.id}")
    assert cancel_link("/followups/new?next=/followups%3Foverdue%3D1") == "/followups?overdue=1"
    assert cancel_link("/followups/new", Referer="https://evil.example/followups") == "/followups"
    assert cancel_link("/followups/new?next=//evil.example/") == "/followups"
    followup = db.session.scalar(sa.select(FollowUp))
    assert cancel_link(f"/followups/{followup.id}/edit") == f"/followups/{followup.id}"
    assert cancel_link(f"/meetings/{meeting.id}/edit", Referer="http://localhost/") == "/"

    # a refused save keeps where キャンセル leads
    refused = form_post(
        client, "/followups/new", {**new_followup_data(title=""), "next": f"/meetings/{meeting.id}"}
    )
    assert f'href="/meetings/{meeting.id}">キャンセル' in refused.get_data(as_text=True)


def test_a_new_followup_is_one_history_entry(login_as):
    client = login_as("coordinator@example.org")
    response = form_post(client, "/followups/new", new_followup_data())
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    history = re.search(r'data-testid="history">.*?</table>', page, re.S).group(0)
    assert history.count("<tr") == 2  # the heading and one entry
    assert "登録" in history and "担当機関：訪問看護ステーションもみじ" in history
