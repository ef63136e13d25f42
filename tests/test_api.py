"""The JSON API: tokens and scopes, the same visibility as the pages, optimistic locking with 409/412
and the current object, problem details, pagination by Link headers, rate limits, the tokens page
and command, the OpenAPI document and its docs page."""

import re
from datetime import timedelta

import sqlalchemy as sa

from kosodate.auth.models import User
from kosodate.core.audit import AuditEvent
from kosodate.core.time import now
from kosodate.extensions import db
from kosodate.followups.models import FollowUp, FollowUpComment, FollowUpStatus
from kosodate.tokens.models import ApiToken
from kosodate.tokens.services import create_token
from tests.conftest import csrf_token_from
from tests.factories import make_agency, make_council, make_user

PROBLEM = "application/problem+json"


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def bearer(email: str, scope: str = "write", **options) -> dict[str, str]:
    new = create_token(user(email), "テスト", scope, **options)
    db.session.commit()
    return {"Authorization": f"Bearer {new.secret}"}


def followup_titled(text: str) -> FollowUp:
    return db.session.scalar(sa.select(FollowUp).where(FollowUp.title.contains(text)))


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"]
    assert re.search(r"[ぁ-んァ-ヶ一-龠]", body["detail"]), "the detail is for Japanese readers"
    return body


# --- who is calling ------------------------------------------------------------------------------


def test_no_token_or_a_bad_expired_or_revoked_one_is_401(app, demo, client):
    answer = client.get("/api/v1/followups")
    assert_problem(answer, 401)
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="kosodate"'

    expired = bearer("momiji@example.org", expires_days=1)
    db.session.execute(sa.update(ApiToken).values(expires_at=now() - timedelta(seconds=1)))
    db.session.commit()
    revoked = bearer("momiji@example.org")
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.revoked_at.is_(None), ApiToken.expires_at.is_(None))
        .values(revoked_at=now())
    )
    db.session.commit()
    for headers in (
        {"Authorization": "Bearer kosodate_not-a-token"},
        {"Authorization": "Basic bW9taWppOnB3"},
        expired,
        revoked,
    ):
        answer = client.get("/api/v1/followups", headers=headers)
        assert_problem(answer, 401)
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_users_token_stops_working(app, demo, client):
    headers = bearer("momiji@example.org")
    assert client.get("/api/v1/followups", headers=headers).status_code == 200
    user("momiji@example.org").active = False
    db.session.commit()
    assert_problem(client.get("/api/v1/followups", headers=headers), 401)


def test_the_session_cookie_of_a_signed_in_user_is_not_accepted(app, login_as):
    browser = login_as("momiji@example.org")
    assert browser.get("/followups").status_code == 200
    assert_problem(browser.get("/api/v1/followups"), 401)
    # and a write without a token is refused for the missing token, not for a missing CSRF token
    assert_problem(browser.post("/api/v1/followups", json={"title": "x"}), 401)


def test_a_read_token_reads_but_cannot_write(app, demo, client):
    headers = bearer("momiji@example.org", "read")
    mine = followup_titled("勉強会の日程")
    assert client.get(f"/api/v1/followups/{mine.id}", headers=headers).status_code == 200
    answer = client.post(
        f"/api/v1/followups/{mine.id}/comments", json={"body": "読めるだけ"}, headers=headers
    )
    body = assert_problem(answer, 403)
    assert "読み取り専用" in body["detail"]
    assert 'error="insufficient_scope"' in answer.headers["WWW-Authenticate"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUpComment)) == 0


def test_each_use_is_noted_on_the_token_at_most_once_a_minute(app, demo, client):
    headers = bearer("momiji@example.org", "read")
    client.get("/api/v1/agencies", headers=headers)
    token = db.session.scalar(sa.select(ApiToken))
    first = token.last_used_at
    assert first is not None
    client.get("/api/v1/agencies", headers=headers)
    db.session.refresh(token)
    assert token.last_used_at == first


# --- what the caller may see ---------------------------------------------------------------------


def test_an_agency_member_gets_404_for_another_agencys_followup_and_never_lists_it(app, demo, client):
    headers = bearer("momiji@example.org", "read")
    doctors = followup_titled("登下校バス")  # 厚木医師会's, not linked to もみじ
    answer = client.get(f"/api/v1/followups/{doctors.id}", headers=headers)
    assert_problem(answer, 404)
    assert doctors.title not in answer.get_data(as_text=True)
    assert_problem(client.get(f"/api/v1/followups/{doctors.id}/comments", headers=headers), 404)
    assert_problem(
        client.patch(f"/api/v1/followups/{doctors.id}", json={}, headers=headers), 403
    )  # scope first
    writer = bearer("momiji@example.org")
    assert_problem(client.patch(f"/api/v1/followups/{doctors.id}", json={"version": 1}, headers=writer), 404)
    seen = set()
    for query in (
        "status=all",
        "status=all&view=all&q=バス",
        f"status=all&agency={doctors.responsible_agency_id}",
    ):
        answer = client.get(f"/api/v1/followups?{query}&per_page=100", headers=headers)
        assert answer.status_code == 200
        seen |= {row["id"] for row in answer.get_json()}
    assert doctors.id not in seen
    assert followup_titled("勉強会の日程").id in seen

    staff = client.get("/api/v1/followups?status=all&per_page=100", headers=bearer("coordinator@example.org"))
    assert doctors.id in {row["id"] for row in staff.get_json()}


def test_another_councils_meeting_initiative_and_agency_are_404(app, demo, client):
    sagamihara = make_user(make_agency(make_council("相模原"), "相模原保健福祉事務所"), email="s@example.org")
    db.session.commit()
    headers = bearer(sagamihara.email, "read")
    for path in ("meetings", "initiatives", "progress-reports"):
        assert client.get(f"/api/v1/{path}", headers=headers).get_json() == []
    atsugi = bearer("momiji@example.org", "read")
    meeting_id = client.get("/api/v1/meetings", headers=atsugi).get_json()[0]["id"]
    report_id = client.get("/api/v1/progress-reports", headers=atsugi).get_json()[0]["id"]
    for path in (f"meetings/{meeting_id}", f"progress-reports/{report_id}", "agencies/1", "initiatives/1"):
        assert_problem(client.get(f"/api/v1/{path}", headers=headers), 404)
        assert client.get(f"/api/v1/{path}", headers=atsugi).status_code == 200


# --- writing -------------------------------------------------------------------------------------


def test_a_member_creates_a_followup_for_her_agency_only(app, demo, client):
    headers = bearer("momiji@example.org")
    momiji = user("momiji@example.org")
    answer = client.post(
        "/api/v1/followups",
        json={
            "title": "  吸引器の貸出先を調べる ",
            "responsible_agency_id": momiji.agency_id,
            "owner_id": momiji.id,
            "due_date": "2030-04-30",
            "priority": "high",
        },
        headers=headers,
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    created = answer.get_json()
    assert created["title"] == "吸引器の貸出先を調べる"
    assert (created["owner"]["id"], created["priority"], created["due_date"]) == (
        momiji.id,
        "high",
        "2030-04-30",
    )
    assert answer.headers["Location"] == f"/api/v1/followups/{created['id']}"
    assert answer.headers["ETag"] == '"1"'
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "followup.create"))
    assert (event.actor_id, event.object_id) == (momiji.id, created["id"])

    doctors = followup_titled("登下校バス").responsible_agency_id
    before = db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp))
    body = assert_problem(
        client.post(
            "/api/v1/followups", json={"title": "他機関の", "responsible_agency_id": doctors}, headers=headers
        ),
        422,
    )
    assert "自機関" in body["detail"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == before


def test_bad_input_is_422_in_japanese_per_field_and_stores_nothing(app, demo, client):
    headers = bearer("coordinator@example.org")
    answer = client.post(
        "/api/v1/followups",
        json={"title": "x" * 201, "due_date": "2030-02-30", "priority": "urgent", "owner_id": 0, "extra": 1},
        headers=headers,
    )
    body = assert_problem(answer, 422)
    fields = {error["field"]: error["messages"] for error in body["errors"]}
    assert set(fields) == {"title", "due_date", "priority", "owner_id", "extra", "responsible_agency_id"}
    assert fields["responsible_agency_id"] == ["必須の項目です。"]
    assert fields["due_date"] == ["日付は 2018-02-28 の形で指定してください。"]
    assert_problem(client.post("/api/v1/followups", data="not json", headers=headers), 422)
    nul = client.post(
        "/api/v1/followups", json={"title": "a\u0000b", "responsible_agency_id": 1}, headers=headers
    )
    assert "NUL" in assert_problem(nul, 422)["detail"]
    unknown_owner = client.post(
        "/api/v1/followups",
        json={"title": "t", "responsible_agency_id": 1, "owner_id": 99999},
        headers=headers,
    )
    assert assert_problem(unknown_owner, 422)["errors"][0]["field"] == "owner_id"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 9 + 6  # the demo's


def test_a_stale_update_is_refused_with_the_current_followup(app, demo, client):
    headers = bearer("momiji@example.org")
    mine = followup_titled("勉強会の日程")
    url = f"/api/v1/followups/{mine.id}"
    read = client.get(url, headers=headers)
    assert read.headers["ETag"] == '"1"'

    body = assert_problem(client.patch(url, json={"title": "版なし"}, headers=headers), 428)
    assert "version" in body["detail"]

    first = client.patch(url, json={"due_date": "2030-05-31", "version": 1}, headers=headers)
    assert first.status_code == 200 and first.get_json()["version"] == 2
    assert first.headers["ETag"] == '"2"'

    stale_body = client.patch(url, json={"title": "古い版から", "version": 1}, headers=headers)
    body = assert_problem(stale_body, 409)
    assert body["current"]["version"] == 2 and body["current"]["due_date"] == "2030-05-31"
    assert stale_body.headers["ETag"] == '"2"'

    stale_header = client.patch(url, json={"title": "古い版から"}, headers={**headers, "If-Match": '"1"'})
    assert assert_problem(stale_header, 412)["current"]["title"] == mine.title
    db.session.expire_all()
    assert db.session.get(FollowUp, mine.id).title == mine.title

    fresh = client.patch(
        url, json={"title": "新しい件名"}, headers={**headers, "If-Match": read.headers["ETag"][:0] + '"2"'}
    )
    assert fresh.status_code == 200 and fresh.get_json()["title"] == "新しい件名"
    history = db.session.scalars(
        sa.select(AuditEvent.action).where(
            AuditEvent.object_id == mine.id, AuditEvent.action == "followup.update"
        )
    ).all()
    assert len(history) == 2


def test_status_changes_and_comments_go_through_the_same_rules_and_history(app, demo, client):
    headers = bearer("momiji@example.org")
    mine = followup_titled("勉強会の日程")
    url = f"/api/v1/followups/{mine.id}"
    done = client.post(
        f"{url}/status", json={"action": "done", "note": "日程を案内しました"}, headers=headers
    )
    assert done.status_code == 200 and done.get_json()["status"] == "done"
    assert done.get_json()["completion_note"] == "日程を案内しました"
    again = client.post(f"{url}/status", json={"action": "done"}, headers=headers)
    assert "完了" in assert_problem(again, 409)["detail"]
    stale = client.post(f"{url}/status", json={"action": "reopen", "version": 1}, headers=headers)
    assert assert_problem(stale, 409)["current"]["status"] == "done"

    comment = client.post(f"{url}/comments", json={"body": "来年度も続けます"}, headers=headers)
    assert comment.status_code == 201 and comment.get_json()["author"]["name"]
    listed = client.get(f"{url}/comments", headers=headers).get_json()
    assert [c["body"] for c in listed] == ["来年度も続けます"]
    assert_problem(client.post(f"{url}/comments", json={"body": "   "}, headers=headers), 422)
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == mine.id)).all()
    assert {"followup.done", "followup.comment"} <= set(actions)
    db.session.expire_all()
    assert db.session.get(FollowUp, mine.id).status is FollowUpStatus.DONE

    futaba = mine.linked_agencies[0]  # a linked agency comments, but may not change it
    linked = bearer(make_user(futaba, email="futaba@example.org").email)
    assert client.post(f"{url}/comments", json={"body": "確認しました"}, headers=linked).status_code == 201
    assert_problem(client.post(f"{url}/status", json={"action": "reopen"}, headers=linked), 403)


# --- problem details, pages, limits --------------------------------------------------------------


def test_unknown_urls_and_methods_are_problem_details_with_allow(app, demo, client):
    headers = bearer("momiji@example.org")
    assert_problem(client.get("/api/v1/nothing-here", headers=headers), 404)
    assert_problem(client.get("/api/v1/followups/abc", headers=headers), 404)
    assert_problem(client.get("/api/v1/followups/99999999999", headers=headers), 404)
    answer = client.delete("/api/v1/followups", headers=headers)
    assert_problem(answer, 405)
    assert set(answer.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert_problem(client.get("/api/v1/followups?page=0&sort=sideways", headers=headers), 422)


def test_lists_are_paged_with_link_headers_that_walk_every_row_once(app, demo, client):
    headers = bearer("coordinator@example.org", "read")
    url, seen, pages = "/api/v1/followups?status=all&per_page=2&sort=created", [], 0
    while url:
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200
        assert answer.headers["X-Total-Count"] == "15"  # the demo's 9, and 6 of its cases
        links = dict(
            (rel, target) for target, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', answer.headers["Link"])
        )
        assert "status=all" in links["first"] and "page=8" in links["last"]
        assert ("prev" in links) == (pages > 0)
        seen += [row["id"] for row in answer.get_json()]
        url = links.get("next")
        pages += 1
    assert pages == 8 and len(seen) == len(set(seen)) == 15


def test_too_many_requests_per_token_is_429_with_retry_after(app, demo, client):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    headers, other = bearer("momiji@example.org"), bearer("zama@example.org")
    for _ in range(3):
        assert client.get("/api/v1/agencies", headers=headers).status_code == 200
    answer = client.get("/api/v1/followups", headers=headers)
    assert_problem(answer, 429)
    assert int(answer.headers["Retry-After"]) > 0
    assert client.get("/api/v1/agencies", headers=other).status_code == 200  # counted per token


# --- the tokens page and command -----------------------------------------------------------------


def test_a_member_makes_uses_and_revokes_a_token_on_the_settings_page(app, login_as, client):
    browser = login_as("momiji@example.org")
    page = browser.get("/settings/tokens")
    assert "トークンはまだありません" in page.get_data(as_text=True)
    made = browser.post(
        "/settings/tokens",
        data={
            "name": "kintone 連携",
            "scope": "read",
            "expires_days": "90",
            "csrf_token": csrf_token_from(page.get_data(True)),
        },
    )
    html = made.get_data(as_text=True)
    secret = re.search(r'data-testid="secret">(kosodate_[^<]+)<', html).group(1)
    assert "二度と表示できません" in html
    assert secret not in browser.get("/settings/tokens").get_data(as_text=True)
    token = db.session.scalar(sa.select(ApiToken))
    assert token.token_hash != secret and secret not in token.token_hash
    assert (token.name, token.scope.value) == ("kintone 連携", "read")
    assert timedelta(days=89) < token.expires_at - token.created_at <= timedelta(days=90)

    assert client.get("/api/v1/agencies", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listing = browser.get("/settings/tokens").get_data(as_text=True)
    assert "未使用" not in listing and "読み取りのみ" in listing

    revoke = browser.post(
        f"/settings/tokens/{token.id}/revoke", data={"csrf_token": csrf_token_from(listing)}
    )
    assert revoke.status_code == 302
    assert_problem(client.get("/api/v1/agencies", headers={"Authorization": f"Bearer {secret}"}), 401)
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "api_tokens")
    ).all()
    assert actions == ["api_token.create", "api_token.revoke"]

    other = login_as("zama@example.org")
    their_page = other.get("/settings/tokens").get_data(as_text=True)
    assert "トークンはまだありません" in their_page
    answer = other.post(
        f"/settings/tokens/{token.id}/revoke", data={"csrf_token": csrf_token_from(their_page)}
    )
    assert answer.status_code == 404


def test_a_token_without_a_name_is_refused_on_the_page(app, login_as):
    browser = login_as("momiji@example.org")
    page = browser.get("/settings/tokens")
    answer = browser.post(
        "/settings/tokens",
        data={
            "name": " ",
            "scope": "admin",
            "expires_days": "7",
            "csrf_token": csrf_token_from(page.get_data(True)),
        },
    )
    assert answer.status_code == 400
    assert "トークンの名前を入力してください" in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_tokens_create_prints_the_token_once_alone_on_its_last_line(app, demo, runner, client):
    result = runner.invoke(
        args=[
            "tokens",
            "create",
            "momiji@example.org",
            "--name",
            "県の集計",
            "--scope",
            "read",
            "--expires-days",
            "30",
        ]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"kosodate_[A-Za-z0-9_-]{43}", secret)
    assert "read" in result.output and "momiji@example.org" in result.output
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "api_token.create"))
    assert event.actor_id is None and event.changes["user"] == [None, "momiji@example.org"]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/followups", headers=headers).status_code == 200
    assert client.post("/api/v1/followups", json={}, headers=headers).status_code == 403

    for args, message in (
        (["nobody@example.org", "--name", "x", "--scope", "read"], "利用者が見つかりません"),
        (["momiji@example.org", "--name", "x", "--scope", "read", "--expires-days", "0"], "有効期限"),
        (["momiji@example.org", "--name", "x", "--scope", "admin"], "admin"),
    ):
        failed = runner.invoke(args=["tokens", "create", *args])
        assert failed.exit_code != 0 and message in failed.output


# --- the document and its page -------------------------------------------------------------------


def test_the_openapi_document_and_its_docs_page_are_served_by_the_app(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert {
        "/api/v1/followups",
        "/api/v1/followups/{followup_id}/status",
        "/api/v1/agencies/{agency_id}",
    } <= set(spec["paths"])
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in html and "http" not in re.sub(r"<!doctype[^>]*>", "", html)
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(asset).status_code == 200, asset
