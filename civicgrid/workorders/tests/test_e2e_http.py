"""The closed loop of issue 3, end to end over real HTTP (the "Done when" of the issue).

On the demo district that ``make run`` serves (built at small scale with the default seed), each
person signs in as they would in a browser — staff through the sign-in page with username and
password, the resident with the phone number and the code from the text message — and every step
is a request to a running server (pytest-django's ``live_server``) through urllib with a cookie
jar: no Django test client, no forced login. Only the sweep is run as the command it is.

The story (``test_closed_loop_story``):
1. the resident submits an appeal in 恩县路第一网格 and tracks it publicly;
2. the grid worker reports it up (上报) to the community, the community to the street, the street
   dispatches it to 市北区城市管理局; the department accepts (签收), asks for an extension that the
   street approves (延期), and starts;
3. the street blows the whistle (吹哨) on two departments; 城市管理局 reports (报到);
4. a second order left overdue is swept (``sla-sweep --now``): overdue, supervised by the street
   (督办), in the street's "pressed" queue;
5. the department answers (办结), the grid worker verifies (核查), the street closes (结案);
6. the resident rates (回访): one callback, a second one refused;
7. the echo wall (回音壁) shows the masked answer; an unsatisfied rating reopens the second order.
Every refusal met on the way is asserted with nothing changed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command

from civicgrid.core.sms import LogSmsGateway
from civicgrid.demo.builder import DEFAULT_SEED, DEMO_PASSWORD, build

from .http_client import Browser

# serialized_rollback: the flush after a live-server test would otherwise take the migrations' data
# (default catalogue, SLA policies) away from the tests that run after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# What the resident sees on the tracking page: intake, dispatch, acceptance, the approved
# extension and the closing; internal moves (report up, start, resolve, verify) stay off it.
TRACKED_STATUSES = ["new", "dispatched", "accepted", "accepted", "closed"]

COMMUNITY = "370203020009"          # 恩县路社区
GRID1 = "370203020009001"           # 恩县路第一网格: the demo grid worker's and resident's grid
STREET = "370203020000"             # 即墨路街道
CGJ = "370203000000-CGJ"            # 青岛市市北区城市管理局 (the `dept` demo user's unit)
ZJJ = "370203000000-ZJJ"            # 青岛市市北区住房和城乡建设局
JWH = "370203020009-JWH"            # 恩县路社区居委会
ROAD = "010211"                     # 城市建设和市政管理 › 基础设施 (routed to 城市管理局)
CLEANING = "010214"                 # 城市建设和市政管理 › 环境卫生
OTHER_COMMUNITY_STAFF = "cs_370203028013_1"  # 上四方社区's staff: not a demo login, gets a password here
ROOM = "3单元502室"


# --- the world --------------------------------------------------------------------------------
class World:
    """The demo district behind a live server, and a way to open signed-in browsers on it."""

    def __init__(self, url: str):
        self.url = url
        self._browsers: dict[str, Browser] = {}

    def anonymous(self) -> Browser:
        return Browser(self.url)

    def staff(self, username: str, password: str = DEMO_PASSWORD) -> Browser:
        """A browser signed in through the sign-in page (one per user, reused)."""
        if username not in self._browsers:
            browser = Browser(self.url)
            response = browser.sign_in(username, password)
            assert response.status == 302, (username, response.status, response.text[:300])
            assert response.location == "/"
            assert browser.signed_in
            self._browsers[username] = browser
        return self._browsers[username]

    def resident(self, phone: str) -> Browser:
        """A browser signed in by phone and the one-time code of the text message."""
        key = f"phone:{phone}"
        if key not in self._browsers:
            browser = Browser(self.url)
            asked = browser.request_code(phone)
            assert asked.status == 200, asked.text[:300]
            assert 'name="code"' in asked.text
            sent_to, message = LogSmsGateway.sent[-1]
            assert sent_to == phone
            code = re.search(r"(?<!\d)(\d{6})(?!\d)", message).group(1)
            signed = browser.enter_code(code)
            assert signed.status == 302 and signed.location == "/", (signed.status, signed.text[:300])
            assert browser.signed_in
            self._browsers[key] = browser
        return self._browsers[key]


@pytest.fixture
def world(live_server):
    result = build(seed=DEFAULT_SEED, scale="small", progress=False)
    assert [login[0] for login in result["logins"]] == [
        "district", "street", "community", "grid", "dept", "hotline", "resident", "volunteer",
        "admin"]
    return World(live_server.url)


@pytest.fixture
def resident_phone(world) -> str:
    """The demo resident's own mobile number: what they type into the sign-in page."""
    from civicgrid.people.models import User

    return User.objects.get(username="resident").phone


# --- helpers ----------------------------------------------------------------------------------
def order_url(number: str) -> str:
    return f"/api/v1/orders/{number}/"


def detail(browser: Browser, number: str) -> dict:
    response = browser.get(order_url(number))
    assert response.status == 200, (response.status, response.text[:300])
    return response.json()


def move(browser: Browser, number: str, action: str, expect: int = 200, **fields) -> dict:
    response = browser.post_json(order_url(number) + "transitions/", {"action": action, **fields})
    assert response.status == expect, (action, response.status, response.text[:500])
    return response.json()


def numbers(browser: Browser, **params) -> list[str]:
    response = browser.get("/api/v1/orders/", **params)
    assert response.status == 200, (response.status, response.text[:300])
    return [row["number"] for row in response.json()["results"]]


def grid_centroid(world: World, grid_code: str) -> tuple[float, float]:
    response = world.anonymous().get("/api/v1/areas/", kind="grid", parent=COMMUNITY, geometry="0")
    assert response.status == 200
    features = sorted(response.json()["features"], key=lambda f: f["properties"]["code"])
    assert [(f["properties"]["code"], f["properties"]["name"]) for f in features] == [
        ("370203020009001", "恩县路第一网格"), ("370203020009002", "恩县路第二网格")]
    lon, lat = next(f for f in features if f["properties"]["code"] == grid_code)["properties"]["centroid"]
    return lon, lat


def submit(resident: Browser, world: World, *, title: str, text: str, category: str) -> dict:
    lon, lat = grid_centroid(world, GRID1)
    response = resident.post_json("/api/v1/appeals/", {
        "title": title, "text": text, "lon": lon, "lat": lat, "coord_system": "WGS84", "category": category,
    })
    assert response.status == 201, (response.status, response.text[:500])
    return response.json()


def unchanged(browser: Browser, number: str, before: dict) -> None:
    """Nothing moved: same status, version, unit, level, deadlines and history."""
    after = detail(browser, number)
    for key in ("status", "version", "unit", "level", "handler", "deadlines", "extension_days", "reopen_count",
                "answer", "supervision_level", "whistles"):
        assert after[key] == before[key], key
    assert len(after["timeline"]) == len(before["timeline"])


def actions(order: dict) -> list[str]:
    return [event["action"] for event in order["timeline"]]


def moves(order: dict) -> list[str]:
    return sorted(m["action"] for m in order["allowed_moves"])


def error(response) -> dict:
    return response.json()["error"]


# --- the story --------------------------------------------------------------------------------
def test_closed_loop_story(world, resident_phone):
    resident = world.resident(resident_phone)
    me = resident.get("/api/v1/me/").json()
    assert me["username"] == "resident"
    name = me["real_name"]
    assert name and me["phone"] == resident_phone[:3] + "****" + resident_phone[-4:]

    first = step1_resident_submits_and_tracks(world, resident, name, resident_phone)
    step2_grid_community_street_and_department_handle(world, first)
    whistle_id = step3_street_whistles_and_department_reports(world, first)
    second = step4_sweep_escalates_an_overdue_order(world, resident, first, whistle_id)
    resident_sees_no_internal_work(resident, first)
    resident_sees_no_internal_work(resident, second)
    answer = step5_department_resolves_grid_verifies_street_closes(world, first, name, resident_phone)
    step6_resident_rates(world, resident, first)
    step7_echo_wall_and_an_unsatisfied_rating(world, resident, first, second, answer, name, resident_phone)


def step1_resident_submits_and_tracks(world, resident, name, phone) -> str:
    # A point outside every grid (the sea off 市北区) is refused with the reason, and nothing is created.
    outside = resident.post_json("/api/v1/appeals/", {"title": "海上漂浮物", "text": "海面有漂浮垃圾。",
                                                      "lon": 120.30, "lat": 36.00, "category": ROAD})
    assert outside.status == 400 and error(outside)["code"] == "outside"
    assert list(error(outside)["fields"]) == ["location"]
    assert numbers(resident) == []

    created = submit(resident, world, title="海泊路20号门前路面塌陷",
                     text=f"海泊路20号门前路面塌陷，雨天积水，老人出行不便。联系电话{phone}。", category=ROAD)
    assert created["created"] is True
    order = created["order"]
    assert (order["status"], order["level"], order["unit"], order["area"]["code"], order["category"]["code"],
            order["channel"], order["appeals_count"], order["version"]) == (
        "new", "grid", None, GRID1, ROAD, "web", 1, 1)
    tracking = created["tracking_number"]
    assert tracking and tracking != order["number"]

    # Public tracking: no sign-in; the tracking number and the phone the appeal was made from get a
    # code texted to that phone, and the number with the code shows the progress.
    public = world.anonymous()
    sent = len(LogSmsGateway.sent)
    asked = public.post_json("/api/v1/appeals/track/", {"number": tracking, "phone": phone})
    assert asked.status == 202 and len(LogSmsGateway.sent) == sent + 1
    code = re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)
    tracked = public.get("/api/v1/appeals/track/", number=tracking, code=code)
    assert tracked.status == 200
    body = tracked.json()
    assert (body["tracking_number"], body["status"], body["unit"], body["answer"], body["category"]) == (
        tracking, "new", None, "", "基础设施")
    assert [(e["action"], e["status"]) for e in body["timeline"]] == [("intake", "new")]
    # A wrong phone and a wrong number answer alike, text nothing and say nothing about the appeal.
    wrong_phone = public.post_json("/api/v1/appeals/track/", {"number": tracking, "phone": "13000000000"})
    wrong_number = public.post_json("/api/v1/appeals/track/", {"number": "A000000000000", "phone": phone})
    assert wrong_phone.status == wrong_number.status == 202
    assert wrong_phone.body == wrong_number.body == asked.body
    assert len(LogSmsGateway.sent) == sent + 1
    assert phone not in wrong_phone.text and name not in wrong_phone.text

    # The resident reads the order of their own appeal and may only withdraw it.
    mine = detail(resident, order["number"])
    assert mine["status"] == "new" and mine["appeals"][0]["is_mine"] is True
    assert moves(mine) == ["withdraw"]
    refused = resident.post_json(order_url(order["number"]) + "transitions/", {"action": "reject", "reason": "x"})
    assert refused.status == 403 and error(refused)["code"] == "forbidden"
    unchanged(resident, order["number"], mine)
    return order["number"]


def step2_grid_community_street_and_department_handle(world, number):
    grid, community, street, dept = (world.staff(u) for u in ("grid", "community", "street", "dept"))

    # The grid worker sees it in the list and in the order, with the reporter masked.
    assert numbers(grid) == [number]
    seen = detail(grid, number)
    assert seen["status"] == "new" and seen["level"] == "grid"
    assert "report_up" in moves(seen) and "dispatch" not in moves(seen)
    appeal = seen["appeals"][0]
    assert appeal["reporter_phone"].count("*") == 4 and "*" in appeal["reporter_name"]

    # 上报 needs a reason: refused, nothing changed.
    refused = grid.post_json(order_url(number) + "transitions/", {"action": "report_up"})
    assert refused.status == 400 and error(refused)["code"] == "invalid"
    unchanged(grid, number, seen)
    # The department may not see an order not yet sent to it: 404 like a missing one.
    foreign, missing = dept.get(order_url(number)), dept.get(order_url("WO00000000000"))
    assert foreign.status == missing.status == 404 and foreign.body == missing.body

    moved = move(grid, number, "report_up", reason="路面塌陷面积大，网格无法处置，上报社区")
    assert (moved["status"], moved["level"], moved["unit"], moved["version"]) == ("new", "community", None, 2)
    moved = move(community, number, "report_up", reason="需市政维修，社区呼街道应")
    assert (moved["status"], moved["level"], moved["version"]) == ("new", "street", 3)
    assert number in numbers(street, queue="to_dispatch")

    # A dispatch needs a unit: refused, nothing changed.
    before = detail(street, number)
    refused = street.post_json(order_url(number) + "transitions/", {"action": "dispatch"})
    assert refused.status == 400
    unchanged(street, number, before)

    moved = move(street, number, "dispatch", unit=CGJ)
    assert (moved["status"], moved["level"], moved["unit"]["code"], moved["unit"]["name"], moved["handler"]) == (
        "dispatched", "district", CGJ, "青岛市市北区城市管理局", None)
    assert moved["deadlines"]["handle"] and moved["deadlines"]["response"]
    assert numbers(dept, queue="to_accept") == [number]

    # 签收, then the extension: asked by the department, refused to the department itself, approved
    # by the street.
    moved = move(dept, number, "accept")
    assert (moved["status"], moved["handler"]) == ("accepted", "dept")
    moved = move(dept, number, "request_extension", reason="需协调燃气管线迁改，申请延期", days=3)
    assert (moved["status"], moved["extension_days"]) == ("accepted", 0)
    handle_before = moved["deadlines"]["handle"]
    refused = dept.post_json(order_url(number) + "transitions/", {"action": "approve_extension"})
    assert refused.status == 403 and error(refused)["code"] == "forbidden"
    unchanged(dept, number, moved)
    approved = move(street, number, "approve_extension", reason="同意")
    assert (approved["status"], approved["extension_days"]) == ("accepted", 3)
    assert approved["deadlines"]["handle"] > handle_before
    # A second approval finds nothing to decide.
    refused = street.post_json(order_url(number) + "transitions/", {"action": "approve_extension"})
    assert refused.status == 400
    unchanged(street, number, approved)

    moved = move(dept, number, "start")
    assert (moved["status"], moved["level"], moved["unit"]["code"], moved["extension_days"]) == (
        "in_progress", "district", CGJ, 3)
    assert numbers(dept, queue="in_hand") == [number]
    assert actions(detail(street, number)) == [
        "intake", "report_up", "report_up", "dispatch", "accept", "request_extension", "approve_extension", "start"]


def step3_street_whistles_and_department_reports(world, number) -> int:
    grid, street, dept = world.staff("grid"), world.staff("street"), world.staff("dept")
    whistles_url = order_url(number) + "whistles/"

    # Only the street (or the district) blows the whistle; only departments answer it.
    before = detail(street, number)
    refused = grid.post_json(whistles_url, {"units": [CGJ], "reason": "联合处置"})
    assert refused.status == 403 and error(refused)["code"] == "forbidden"
    refused = street.post_json(whistles_url, {"units": [JWH], "reason": "联合处置"})
    assert refused.status == 400 and "units" in error(refused)["fields"]
    unchanged(street, number, before)

    blown = street.post_json(whistles_url, {"units": [CGJ, ZJJ], "reason": "路面塌陷涉及地下管线，请城管、住建到场联合处置",
                                            "report_hours": 4})
    assert blown.status == 201, blown.text
    whistle = blown.json()
    assert (whistle["order"], whistle["street"]["code"], whistle["status"], whistle["closed_at"]) == (
        number, STREET, "open", None)
    assert sorted((r["unit"]["code"], r["reported_at"]) for r in whistle["responses"]) == [(CGJ, None), (ZJJ, None)]
    # One open whistle at a time.
    again = street.post_json(whistles_url, {"units": [ZJJ], "reason": "再次吹哨"})
    assert again.status == 400
    assert len(detail(street, number)["whistles"]) == 1

    assert number in numbers(dept, queue="pressed")
    reported = dept.post_json(f"/api/v1/whistles/{whistle['id']}/report/", {"note": "城管局已派员到场，今日完成围挡"})
    assert reported.status == 200, reported.text
    responses = {r["unit"]["code"]: r for r in reported.json()["responses"]}
    assert responses[CGJ]["note"] == "城管局已派员到场，今日完成围挡" and responses[CGJ]["reported_at"]
    assert responses[ZJJ]["reported_at"] is None and responses[ZJJ]["note"] == ""
    assert reported.json()["status"] == "open"  # 住建局 has not reported yet
    assert number not in numbers(dept, queue="pressed")

    # Reporting twice is refused and changes nothing; the grid worker cannot report at all.
    after_report = detail(street, number)
    twice = dept.post_json(f"/api/v1/whistles/{whistle['id']}/report/", {"note": "重复报到"})
    assert twice.status == 400
    not_called = grid.post_json(f"/api/v1/whistles/{whistle['id']}/report/", {"note": "网格报到"})
    assert not_called.status == 404
    unchanged(street, number, after_report)

    shown = detail(street, number)
    assert [(w["id"], w["status"], w["reason"]) for w in shown["whistles"]] == [
        (whistle["id"], "open", "路面塌陷涉及地下管线，请城管、住建到场联合处置")]
    assert sorted((r["unit"]["code"], r["note"], r["reported_at"] is not None, r["is_overdue"])
                  for r in shown["whistles"][0]["responses"]) == [
        (CGJ, "城管局已派员到场，今日完成围挡", True, False), (ZJJ, "", False, False)]
    assert actions(shown)[-2:] == ["whistle", "whistle_report"]
    assert shown["status"] == "in_progress"  # a whistle presses, it does not move the order
    return whistle["id"]


def resident_sees_no_internal_work(resident, number):
    """Whistles and supervision are internal: the resident's view of the order has neither."""
    seen = detail(resident, number)
    assert seen["whistles"] == []
    assert not {"whistle", "whistle_report", "supervise"} & set(actions(seen))
    assert all(event["actor"] is None and event["data"] == {} for event in seen["timeline"])
    assert seen["handler"] is None


def step4_sweep_escalates_an_overdue_order(world, resident, first, whistle_id) -> str:
    community, street = world.staff("community"), world.staff("street")
    created = submit(resident, world, title="恩县路垃圾桶满溢", text="恩县路小区门口垃圾桶满溢多日无人清运。",
                     category=CLEANING)
    second = created["order"]["number"]
    moved = move(community, second, "dispatch", unit=JWH)
    assert (moved["status"], moved["level"], moved["unit"]["code"]) == ("dispatched", "community", JWH)
    move(community, second, "accept")
    moved = move(community, second, "start")
    assert (moved["status"], moved["is_overdue"], moved["supervision_level"]) == ("in_progress", False, "")
    handle_due = datetime.fromisoformat(moved["deadlines"]["handle"])
    first_before = detail(street, first)
    assert datetime.fromisoformat(first_before["deadlines"]["handle"]) > handle_due  # the extension

    # Not in the street's pressed queue before the sweep.
    assert second not in numbers(street, queue="pressed")
    when = (handle_due + timedelta(minutes=5)).isoformat()
    call_command("sla_sweep", "--now", when, "--no-progress", verbosity=0)

    swept = detail(street, second)
    assert (swept["status"], swept["is_overdue"], swept["supervision_level"], swept["level"],
            swept["unit"]["code"]) == ("in_progress", True, "street", "community", JWH)
    assert swept["deadlines"]["is_overdue"] is True
    supervise = [e for e in swept["timeline"] if e["action"] == "supervise"]
    assert [(e["data"]["level"], e["data"]["stage"]) for e in supervise] == [("street", "handle")]
    assert numbers(street, queue="pressed") == [second]
    assert second in numbers(street, queue="overdue") and second in numbers(community, queue="overdue")

    # The first order (extended) is neither overdue nor supervised; its whistle's silent department is late.
    first_after = detail(street, first)
    assert (first_after["is_overdue"], first_after["supervision_level"], first_after["status"]) == (
        False, "", "in_progress")
    assert [w["id"] for w in first_after["whistles"]] == [whistle_id]
    late = {r["unit"]["code"]: r["is_overdue"] for r in first_after["whistles"][0]["responses"]}
    assert late == {CGJ: False, ZJJ: True}

    # Idempotent: sweeping again at the same time changes nothing.
    call_command("sla_sweep", "--now", when, "--no-progress", verbosity=0)
    again = detail(street, second)
    assert (len(again["timeline"]), again["supervision_level"], again["version"]) == (
        len(swept["timeline"]), "street", swept["version"])
    return second


def step5_department_resolves_grid_verifies_street_closes(world, number, name, phone) -> str:
    grid, street, dept = world.staff("grid"), world.staff("street"), world.staff("dept")
    answer = f"已联系{name}（{phone}），{ROOM}门前路面已修补。"

    before = detail(dept, number)
    empty = dept.post_json(order_url(number) + "transitions/", {"action": "resolve", "answer": "  "})
    assert empty.status == 400 and error(empty)["code"] == "invalid"
    early = dept.post_json(order_url(number) + "transitions/", {"action": "close"})
    assert early.status == 409 and error(early)["code"] == "illegal_transition"
    # No CSRF token with the session: refused before anything is read.
    forged = dept.post_json(order_url(number) + "transitions/", {"action": "resolve", "answer": answer}, csrf=False)
    assert forged.status == 403 and "CSRF" in error(forged)["message"]
    unchanged(dept, number, before)

    resolved = move(dept, number, "resolve", answer=answer)
    assert (resolved["status"], resolved["answer"], resolved["public_answer"], resolved["published_at"]) == (
        "resolved", answer, "", None)
    assert resolved["resolved_at"]

    verified = move(grid, number, "verify")
    assert verified["status"] == "verified"
    # The department may not close (结案 is the dispatchers'): 403, nothing changed.
    before = detail(dept, number)
    assert "close" not in moves(before)
    refused = dept.post_json(order_url(number) + "transitions/", {"action": "close"})
    assert refused.status == 403 and error(refused)["code"] == "forbidden"
    unchanged(dept, number, before)

    closed = move(street, number, "close")
    masked_name = name[0] + "*" * (len(name) - 1) if len(name) < 4 else name[:2] + "*" * (len(name) - 2)
    masked_phone = phone[:3] + "****" + phone[-4:]
    expected = f"已联系{masked_name}（{masked_phone}），***门前路面已修补。"
    assert (closed["status"], closed["answer"], closed["public_answer"]) == ("closed", answer, expected)
    assert closed["closed_at"] and closed["published_at"]
    assert moves(closed) == ["reopen"]
    assert actions(closed)[-3:] == ["resolve", "verify", "close"]

    # Public tracking shows the result to the resident.
    tracking = closed["appeals"][0]["tracking_number"]
    public = world.anonymous()
    # Days have passed since the first code: the per-number wait is long over.
    from civicgrid.people.models import OneTimeCode

    OneTimeCode.objects.update(created_at=datetime.now().astimezone() - timedelta(days=2))
    sent = len(LogSmsGateway.sent)
    assert public.post_json("/api/v1/appeals/track/", {"number": tracking, "phone": phone}).status == 202
    assert len(LogSmsGateway.sent) == sent + 1
    code = re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)
    tracked = public.get("/api/v1/appeals/track/", number=tracking, code=code).json()
    assert (tracked["status"], tracked["unit"]) == ("closed", "青岛市市北区城市管理局")
    assert tracked["answer"].endswith("门前路面已修补。")
    assert [e["status"] for e in tracked["timeline"]] == TRACKED_STATUSES
    return expected


def step6_resident_rates(world, resident, number):
    from civicgrid.workorders.models import Callback

    # The outbox is delivered (the job the in-process runner or Celery runs): the resident's inbox
    # has the answer with the link to rate; the department and the street heard of their part.
    from civicgrid.notifications.models import OutboxMessage, OutboxStatus

    # One run delivers a batch; the demo's own participation activity queued messages too.
    for _ in range(100):
        call_command("run_jobs", "--once", "--job", "deliver_outbox", verbosity=0)
        if not OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists():
            break
    inbox = resident.get("/api/v1/inbox/").json()["results"]
    assert sorted((m["event"], number in m["body"]) for m in inbox if number in m["body"] or number in m["link"]) == [
        ("order.accept", True), ("order.close", True)]
    closing = next(m for m in inbox if m["event"] == "order.close")
    assert closing["link"] == f"/inbox/rate/{number}/" and closing["read_at"] is None
    assert any(m["event"] == "appeal.received" for m in inbox)
    dept_inbox = world.staff("dept").get("/api/v1/inbox/").json()["results"]
    assert sorted(m["event"] for m in dept_inbox if number in m["title"]) == ["order.dispatch", "whistle.blown"]
    street_inbox = world.staff("street").get("/api/v1/inbox/").json()["results"]
    assert sorted(m["event"] for m in street_inbox if number in m["title"]) == ["whistle.overdue", "whistle.reported"]

    # Following the link: the rating page, with the choices.
    page = resident.get(closing["link"])
    assert page.status == 200 and 'name="satisfaction"' in page.text and 'value="satisfied"' in page.text

    url = order_url(number) + "callbacks/"
    rated = resident.post_json(url, {"resolution": "resolved", "satisfaction": "satisfied", "comment": "修得很快，谢谢"})
    assert rated.status == 201, rated.text
    body = rated.json()
    assert (body["order"], body["round"], body["reached"], body["resolution"], body["satisfaction"],
            body["channel"]) == (number, 0, True, "resolved", "satisfied", "web")
    before = detail(resident, number)

    again = resident.post_json(url, {"resolution": "unresolved", "satisfaction": "unsatisfied"})
    assert again.status == 409 and error(again)["code"] == "conflict"
    assert list(Callback.objects.filter(order__number=number).values_list("round", "resolution", "satisfaction")) == [
        (0, "resolved", "satisfied")]
    after = detail(resident, number)
    assert (after["status"], after["reopen_count"], after["version"]) == ("closed", 0, before["version"])

    # The rating page shows the verdict recorded and offers no second one; posting one anyway is
    # refused there too.
    page = resident.get(f"/inbox/rate/{number}/")
    assert page.status == 200
    assert '<p class="done">' in page.text and 'name="satisfaction"' not in page.text
    token = re.search(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"', page.text).group(1)
    posted = resident.post_form(f"/inbox/rate/{number}/", {
        "csrfmiddlewaretoken": token, "resolution": "unresolved", "satisfaction": "unsatisfied"})
    assert posted.status == 400

    # Staff cannot give the resident's verdict on the web channel.
    staff = world.staff("street").post_json(url, {"resolution": "resolved", "satisfaction": "satisfied"})
    assert staff.status == 403 and error(staff)["code"] == "forbidden"
    assert list(Callback.objects.filter(order__number=number).values_list("round", "resolution", "satisfaction")) == [
        (0, "resolved", "satisfied")]
    final = detail(resident, number)
    assert (final["status"], final["reopen_count"], final["version"]) == ("closed", 0, before["version"])


def step7_echo_wall_and_an_unsatisfied_rating(world, resident, first, second, answer, name, phone):
    public = world.anonymous()
    wall = public.get("/api/v1/echo-wall/")
    assert wall.status == 200
    body = wall.json()
    assert body["count"] == 1
    entry = body["results"][0]
    assert (entry["number"], entry["answer"], entry["category"], entry["area"]) == (
        first, answer, "基础设施", "恩县路第一网格")
    assert entry["text"] == f"海泊路20号门前路面塌陷，雨天积水，老人出行不便。联系电话{phone[:3]}****{phone[-4:]}。"
    for raw in (phone, name, ROOM):
        assert raw not in wall.text

    page = public.get("/echo/")
    assert page.status == 200
    assert answer in page.text and first in page.text
    for raw in (phone, name, ROOM):
        assert raw not in page.text

    # Open311 (public GeoReport v2) tells the same masked answer.
    tracking = detail(resident, first)["appeals"][0]["tracking_number"]
    georeport = public.get(f"/open311/v2/requests/{tracking}.json")
    assert georeport.status == 200
    [request] = georeport.json()
    assert (request["service_request_id"], request["status"], request["status_notes"], request["service_code"],
            request["agency_responsible"]) == (tracking, "closed", answer, ROAD, "青岛市市北区城市管理局")
    for raw in (phone, name, ROOM):
        assert raw not in georeport.text

    # The second order, answered and closed, then rated unsatisfied: reopened (重办).
    community, grid, street = world.staff("community"), world.staff("grid"), world.staff("street")
    move(community, second, "resolve", answer="已安排保洁清运。")
    move(grid, second, "verify")
    closed = move(community, second, "close")
    assert closed["status"] == "closed"
    assert public.get("/api/v1/echo-wall/").json()["count"] == 2

    rated = resident.post_json(order_url(second) + "callbacks/", {
        "resolution": "unresolved", "satisfaction": "unsatisfied", "comment": "第二天又满了"})
    assert rated.status == 201, rated.text
    reopened = detail(street, second)
    assert (reopened["status"], reopened["reopen_count"], reopened["unit"]["code"], reopened["level"],
            reopened["public_answer"], reopened["published_at"], reopened["is_overdue"], reopened["handler"]) == (
        "dispatched", 1, JWH, "community", "", None, False, None)
    assert actions(reopened)[-1] == "reopen"
    # Fresh limits from the reopening (equal to the old ones only when both fell on the same day off).
    assert datetime.fromisoformat(reopened["dispatched_at"]) > datetime.fromisoformat(closed["dispatched_at"])
    new_due, old_due = (datetime.fromisoformat(o["deadlines"]["handle"]) for o in (reopened, closed))
    assert new_due >= old_due
    assert second in numbers(community, queue="to_accept")
    wall = public.get("/api/v1/echo-wall/").json()
    assert [e["number"] for e in wall["results"]] == [first]
    # The first order is untouched by it.
    assert detail(street, first)["status"] == "closed"


# --- focused refusals --------------------------------------------------------------------------
def test_outside_the_jurisdiction_an_order_is_like_a_missing_one(world, resident_phone):
    from civicgrid.people.models import User

    # Test setup: give one of 上四方社区's staff a password (only the demo logins have one).
    other = User.objects.get(username=OTHER_COMMUNITY_STAFF)
    other.set_password(DEMO_PASSWORD)
    other.save(update_fields=["password"])

    resident = world.resident(resident_phone)
    number = submit(resident, world, title="恩县路路灯不亮", text="恩县路12号路灯不亮。", category=ROAD)["order"]["number"]
    foreigner = world.staff(OTHER_COMMUNITY_STAFF)
    before = detail(world.staff("community"), number)

    got, missing = foreigner.get(order_url(number)), foreigner.get(order_url("WO99999999999"))
    assert got.status == missing.status == 404 and got.body == missing.body
    assert number not in numbers(foreigner)
    tried = foreigner.post_json(order_url(number) + "transitions/", {"action": "dispatch", "unit": JWH})
    tried_missing = foreigner.post_json(order_url("WO99999999999") + "transitions/",
                                        {"action": "dispatch", "unit": JWH})
    assert tried.status == tried_missing.status == 404 and tried.body == tried_missing.body
    whistle = foreigner.post_json(order_url(number) + "whistles/", {"units": [CGJ], "reason": "x"})
    assert whistle.status == 404
    unchanged(world.staff("community"), number, before)

    # Without signing in: 401 for the API; the order stays new.
    anonymous = world.anonymous()
    assert anonymous.get(order_url(number)).status == 401
    assert anonymous.post_json(order_url(number) + "transitions/", {"action": "dispatch", "unit": JWH}).status == 401
    unchanged(world.staff("community"), number, before)


def test_sign_in_refusals(world, resident_phone):
    browser = Browser(world.url)
    wrong = browser.sign_in("street", "wrong-password")
    assert wrong.status == 200 and not browser.signed_in
    assert browser.get("/api/v1/me/").status == 401

    resident = Browser(world.url)
    assert resident.request_code(resident_phone).status == 200
    _phone, message = LogSmsGateway.sent[-1]
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", message).group(1)
    wrong_code = f"{(int(code) + 1) % 10**6:06d}"
    refused = resident.enter_code(wrong_code)
    assert refused.status == 400 and not resident.signed_in
    assert resident.get("/api/v1/me/").status == 401
    assert resident.enter_code(code).status == 302 and resident.signed_in
    assert resident.get("/api/v1/me/").json()["username"] == "resident"

    # A staff account's number gets no code: staff sign in with a password.
    from civicgrid.people.models import User

    staff_phone = User.objects.get(username="street").phone
    sent = len(LogSmsGateway.sent)
    assert Browser(world.url).request_code(staff_phone).status == 400
    assert len(LogSmsGateway.sent) == sent
