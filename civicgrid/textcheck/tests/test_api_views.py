"""The API endpoints and the web pages of the checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from civicgrid.textcheck.models import ReplyCheck, ReplyState, UrgencyFlag
from civicgrid.workorders import services
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db

BOILERPLATE = "您好！您的留言已收悉，已转交相关部门处理。"


@pytest.fixture
def w():
    return make_world()


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def held(w):
    order = make_order(w)
    services.transition(order, "dispatch", w.users["street"], unit=w.units["cg"])
    services.transition(order, "accept", w.users["dept"])
    services.transition(order, "resolve", w.users["dept"], answer=BOILERPLATE)
    services.transition(order, "verify", w.users["grid"])
    return services.transition(order, "close", w.users["street"])


def test_check_a_text(w):
    r = api(w.users["hotline"]).post("/api/v1/textcheck/urgency/", {"text": "电梯困人，里面有老人"}, format="json")
    assert r.status_code == 200
    body = r.json()
    assert (body["urgent"], body["reasons"], body["groups"], body["threshold"]) == (True, ["电梯困人"], ["elevator"], 1.0)
    r = api(w.users["hotline"]).post("/api/v1/textcheck/urgency/", {"text": ""}, format="json")
    assert (r.status_code, r.json()["urgent"]) == (200, False)


def test_residents_may_not_use_the_checks(w):
    r = api(w.users["resident"]).post("/api/v1/textcheck/urgency/", {"text": "着火了"}, format="json")
    assert r.status_code == 403
    assert APIClient().post("/api/v1/textcheck/urgency/", {"text": "着火了"}, format="json").status_code in (401, 403)


def test_too_long_input_is_a_clear_400(w):
    r = api(w.users["hotline"]).post("/api/v1/textcheck/urgency/", {"text": "着" * 30000}, format="json")
    assert r.status_code == 400 and "text" in r.json()["error"]["fields"]


def test_check_a_reply(w):
    r = api(w.users["dept"]).post("/api/v1/textcheck/replies/check/", {"reply": BOILERPLATE, "subject": "路面坑洼"},
                                  format="json")
    assert r.status_code == 200 and r.json()["flagged"] is True
    assert r.json()["reasons"][0] == "boilerplate_only"


def test_order_checks_show_the_flag_and_the_held_answer(w):
    order = held(w)
    UrgencyFlag.objects.create(order=order, score=1.3, reasons=["煤气味"], applied=True)
    body = api(w.users["street"]).get(f"/api/v1/textcheck/orders/{order.number}/").json()
    assert (body["urgent"], body["urgency"]["reasons"], body["reply"]["state"]) == (True, ["煤气味"], "flagged")
    assert api(w.users["street2"]).get(f"/api/v1/textcheck/orders/{order.number}/").status_code == 404


def test_list_and_approve_held_answers(w):
    order = held(w)
    check = ReplyCheck.objects.get(order=order)
    assert [c["order"] for c in api(w.users["street"]).get("/api/v1/textcheck/replies/").json()["results"]] == [order.number]
    assert api(w.users["street2"]).get("/api/v1/textcheck/replies/").json()["results"] == []
    assert api(w.users["street2"]).post(f"/api/v1/textcheck/replies/{check.pk}/approve/", {}, format="json") \
        .status_code == 404
    denied = api(w.users["dept"]).post(f"/api/v1/textcheck/replies/{check.pk}/approve/", {}, format="json")
    assert denied.status_code == 403
    check.refresh_from_db()
    assert check.state == ReplyState.FLAGGED
    ok = api(w.users["street"]).post(f"/api/v1/textcheck/replies/{check.pk}/approve/", {"note": "可以"}, format="json")
    assert (ok.status_code, ok.json()["state"], ok.json()["review_note"]) == (200, "approved", "可以")
    order.refresh_from_db()
    assert order.published_at is not None


def test_rewrite_through_the_api(w):
    order = held(w)
    r = api(w.users["dept"]).post(f"/api/v1/textcheck/orders/{order.number}/answer/",
                                  {"answer": "经现场核实，路面坑洼已于11月20日修补完毕，恢复通行。"}, format="json")
    assert (r.status_code, r.json()["state"]) == (200, "ok")
    r = api(w.users["dept"]).post(f"/api/v1/textcheck/orders/{order.number}/answer/", {"answer": ""}, format="json")
    assert r.status_code == 400


def test_order_page_shows_the_badge_and_the_held_answer(client, w):
    order = held(w)
    UrgencyFlag.objects.create(order=order, score=1.3, reasons=["煤气味"], applied=True)
    client.force_login(w.users["street"])
    html = client.get(f"/orders/{order.number}/").content.decode()
    assert 'id="textchecks"' in html and "煤气味" in html
    assert "审核通过，公开到回音壁" in html  # the staff pages speak Chinese by default


def test_review_page_and_approve_form(client, w):
    order = held(w)
    check = ReplyCheck.objects.get(order=order)
    client.force_login(w.users["street"])
    html = client.get("/intelligence/checks/replies/").content.decode()
    assert order.number in html
    r = client.post(f"/intelligence/checks/replies/{check.pk}/approve/", {"note": "好"})
    assert r.status_code == 302
    check.refresh_from_db()
    assert check.state == ReplyState.APPROVED
    client.force_login(w.users["resident"])
    assert client.get("/intelligence/checks/replies/").status_code == 403


def test_workbench_rows_carry_the_urgent_badge(client, w):
    order = make_order(w, title="楼道煤气味", dispatch_due=timezone.now() + timedelta(hours=1))
    UrgencyFlag.objects.create(order=order, score=1.3, reasons=["煤气味"], applied=True)
    client.force_login(w.users["street"])
    html = client.get("/orders/?queue=to_dispatch").content.decode()
    row = html.split(f'data-number="{order.number}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="badge bad"' in row and "煤气味" in row


def test_a_draft_answer_is_checked_before_sending(client, w):
    order = make_order(w)
    client.force_login(w.users["street"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert f"/intelligence/checks/orders/{order.number}/answer/check/" in page
    url = f"/intelligence/checks/orders/{order.number}/answer/check/"
    held = client.post(url, {"answer": BOILERPLATE}).content.decode()
    assert "该答复将被暂缓公开" in held and "只有套话" in held
    ok = client.post(url, {"answer": "经现场核实，门前路面坑洼已于11月20日修补完毕。"})
    assert "答复已通过检查" in ok.content.decode()
    client.force_login(w.users["street2"])
    assert client.post(url, {"answer": "x"}).status_code == 404


def test_review_page_tells_machine_passed_from_human_released_and_labels_the_score(client, w):
    import re

    order = held(w)
    check = ReplyCheck.objects.get(order=order)
    client.force_login(w.users["street"])
    html = client.get("/intelligence/checks/replies/").content.decode()
    tabs = re.findall(r'<a href="\?state=(\w+)"[^>]*>([^<]+)</a>', html)
    assert tabs == [("flagged", "待审核"), ("ok", "机器检查通过"), ("approved", "人工审核放行"),
                    ("replaced", "已被改写的答复取代")]
    assert '<th scope="col">暂缓原因</th><th scope="col" class="num">问题分</th>' in html
    assert f'<td class="num" data-label="问题分">{check.score:.2f}</td>' in html
    assert "问题分：0 表示答复说清了做了什么，1 表示什么也没有解释；问题分达到 0.75 及以上的答复暂缓公开、等待审核。" in html
    assert f'<label for="note-{check.pk}">审核备注（选填）</label>' in html
    assert "综合得分" not in html and 'class="sr-only" for="note-' not in html
    order_html = client.get(f"/orders/{order.number}/").content.decode()
    assert f'<span class="muted">问题分 {check.score:.2f}</span>' in order_html
    assert "<label>审核备注（选填）<input name=\"note\"" in order_html
