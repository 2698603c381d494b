"""One topic through 说 → 聚 → 议 → 办 → 评 over real HTTP (the "Done when" of issue 6, deliberation).

On the demo district behind pytest-django's ``live_server``: staff sign in with username and
password on the sign-in page, residents with their phone number and the texted code; every step
is a request through urllib with a cookie jar (civicgrid/workorders/tests/http_client.py). The
residents use the portal's forms, staff use the API. Every refusal met on the way is shown to
have changed nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.demo.builder import DEFAULT_SEED, DEMO_PASSWORD, build
from civicgrid.deliberation import services
from civicgrid.deliberation.models import Topic, TopicMove, Vote
from civicgrid.notifications.models import OutboxMessage
from civicgrid.people.models import User
from civicgrid.workorders.tests.http_client import Browser

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
COMMUNITY = "370203020009"  # 恩县路社区
API = "/api/v1/deliberation"
CSRF = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


class People:
    def __init__(self, url: str):
        self.url = url

    def staff(self, username: str) -> Browser:
        browser = Browser(self.url)
        response = browser.sign_in(username, DEMO_PASSWORD)
        assert response.status == 302 and response.location == "/", (username, response.status)
        return browser

    def resident(self, phone: str) -> Browser:
        browser = Browser(self.url)
        signed = browser.sign_in_with_texted_code(phone)
        assert signed.status == 302 and signed.location == "/", (signed.status, signed.text[:300])
        assert browser.signed_in
        return browser


@pytest.fixture
def people(live_server):
    build(seed=DEFAULT_SEED, scale="small", progress=False, orders=0)
    return People(live_server.url)


def form_post(browser: Browser, page: str, action: str, fields: dict):
    """GET the page (for its CSRF token), then POST the form's fields to its action."""
    got = browser.get(page)
    assert got.status == 200, (page, got.status, got.text[:300])
    token = CSRF.search(got.text).group(1)
    return browser.post_form(action, {"csrfmiddlewaretoken": token, **fields})


def api(browser: Browser, path: str, payload: dict | None = None, expect: int = 200):
    response = browser.post_json(API + path, payload or {}) if payload is not None else browser.get(API + path)
    assert response.status == expect, (path, response.status, response.text[:500])
    return response.json()


def state(topic_id: int):
    t = Topic.objects.get(pk=topic_id)
    return (t.stage, t.stage_changed_at, t.resolution, t.rating_mean, TopicMove.objects.filter(topic=t).count(),
            AuditEvent.objects.filter(action="deliberation.move", object_id=str(t.pk)).count())


def test_one_topic_through_the_five_stages(people):
    resident_user = User.objects.get(username="resident")
    community_path = f"370203000000/370203020000/{COMMUNITY}/"
    household = services.household_of(resident_user, community_path)
    neighbour_user = (User.objects.filter(households__area_path__startswith=community_path, phone__isnull=False)
                      .exclude(households=household).exclude(memberships__role__in=["party_member", "volunteer"])
                      .order_by("username").first())
    housemate = User.objects.create_user("housemate", phone="13700001111", real_name="王小红")
    household.residents.add(housemate)

    resident = people.resident(resident_user.phone)
    neighbour = people.resident(neighbour_user.phone)
    mate = people.resident(housemate.phone)
    staff = people.staff("community")
    other_staff = Browser(people.url)

    # --- 说: the resident raises a topic on the portal ------------------------------------------
    response = form_post(resident, "/deliberation/new/", "/deliberation/new/", {
        "area": COMMUNITY, "title": "6号楼加装电梯", "description": "6号楼七层，老人多，希望加装电梯。"})
    assert response.status == 302
    topic_id = int(re.fullmatch(r"/deliberation/(\d+)/", response.location).group(1))
    page = resident.get(response.location).text
    assert "6号楼加装电梯" in page and 'data-stage="say" data-state="current"' in page
    listing = resident.get("/deliberation/").text
    assert "6号楼加装电梯" in listing and 'data-stage="say"' in listing

    # Refused: a resident may not move a topic; staff may not skip a stage. Nothing changes.
    before = state(topic_id)
    refused = resident.post_json(f"{API}/topics/{topic_id}/move/", {"action": "gather"})
    assert refused.status == 403 and refused.json()["error"]["code"] == "forbidden"
    refused = staff.post_json(f"{API}/topics/{topic_id}/move/", {"action": "deliberate"})
    assert refused.status == 409 and refused.json()["error"]["code"] == "illegal_move"
    assert refused.json()["error"]["message"] == "议题处于“说（提出议题）”阶段，不能进行“deliberate”操作。"
    assert state(topic_id) == before

    # --- 聚: the community gathers the four parties and the affected residents --------------------
    topic = api(staff, f"/topics/{topic_id}/move/", {"action": "gather", "reason": "召集四方议事"})
    assert (topic["stage"], topic["stage_label"]) == ("gather", "聚（召集各方）")
    for party, who in (("party_org", {"name": "恩县路社区党委"}), ("residents_committee", {"name": "恩县路社区居委会"}),
                       ("owners_committee", {"name": "业委会 刘振华"}), ("property_company", {"name": "海鑫物业"}),
                       ("resident", {"user": "resident"}), ("resident", {"user": neighbour_user.username})):
        api(staff, f"/topics/{topic_id}/participants/", {"party": party, **who}, expect=201)
    participants = api(staff, f"/topics/{topic_id}/participants/")
    assert [p["party_label"] for p in participants] == ["社区党组织", "居委会", "业委会", "物业公司", "相关居民", "相关居民"]
    dup = staff.post_json(f"{API}/topics/{topic_id}/participants/", {"party": "resident", "user": "resident"})
    assert dup.status == 409
    assert len(api(staff, f"/topics/{topic_id}/participants/")) == 6

    # --- 议: discussion, a meeting, a vote ------------------------------------------------------
    assert api(staff, f"/topics/{topic_id}/move/", {"action": "deliberate"})["stage"] == "deliberate"
    page_url = f"/deliberation/{topic_id}/"
    assert form_post(resident, page_url, f"{page_url}post/", {"body": "我家老人住七楼，非常支持！",
                                                               "position": "for"}).status == 302
    first_post = api(resident, f"/topics/{topic_id}/posts/")["results"][0]["id"]
    assert form_post(neighbour, page_url, f"{page_url}post/", {"body": "一楼采光会受影响，不同意。", "position": "against",
                                                                "parent": first_post}).status == 302
    posts = api(staff, f"/topics/{topic_id}/posts/")["results"]
    assert [(p["position"], p["parent"], p["body"]) for p in posts] == [
        ("for", None, "我家老人住七楼，非常支持！"), ("against", first_post, "一楼采光会受影响，不同意。")]
    ids = [p["id"] for p in participants]
    meeting = api(staff, f"/topics/{topic_id}/meetings/", {
        "title": "加装电梯四方议事会", "agenda": "1. 方案介绍\n2. 费用分摊", "place": "恩县路社区党群服务中心",
        "starts_at": timezone.now().isoformat(), "minutes": "四方到会，同意组织投票。", "attendees": ids[:5]}, expect=201)
    assert meeting["attendees"] == ids[:5]

    poll = api(staff, f"/topics/{topic_id}/polls/", {
        "question": "是否同意6号楼加装电梯", "options": ["同意", "不同意"], "quorum": 2, "threshold_percent": 60,
        "closes_at": (timezone.now() + timedelta(days=3)).isoformat()}, expect=201)
    yes, no = (o["id"] for o in poll["options"])
    assert api(staff, f"/polls/{poll['id']}/open/", {})["status"] == "open"
    # Refused while the vote is open: no resolution to act on yet.
    before = state(topic_id)
    refused = staff.post_json(f"{API}/topics/{topic_id}/move/", {"action": "act"})
    assert refused.status == 409 and refused.json()["error"]["code"] == "not_ready"
    assert state(topic_id) == before
    # The resident votes on the topic page; their housemate and a repeat are refused.
    assert 'class="vote-form"' in resident.get(page_url).text
    assert form_post(resident, page_url, f"/deliberation/polls/{poll['id']}/vote/", {"option": yes}).status == 302
    assert "您家已投票：同意" in resident.get(page_url).text
    again = resident.post_json(f"{API}/polls/{poll['id']}/votes/", {"option": no})
    assert again.status == 409 and again.json()["error"]["code"] == "already_voted"
    housemate_vote = mate.post_json(f"{API}/polls/{poll['id']}/votes/", {"option": no})
    assert housemate_vote.status == 409 and housemate_vote.json()["error"]["message"] == "您家已经投过票了。"
    assert Vote.objects.filter(poll_id=poll["id"]).count() == 1
    api(neighbour, f"/polls/{poll['id']}/votes/", {"option": yes}, expect=201)
    closed = api(staff, f"/polls/{poll['id']}/close/", {})
    assert (closed["result"], closed["result_label"], closed["votes_cast"], closed["winner"]) == (
        "passed", "通过", 2, yes)
    assert [o["votes"] for o in closed["options"]] == [2, 0]

    # --- 办: tasks of the resolution -------------------------------------------------------------
    topic = api(staff, f"/topics/{topic_id}/move/", {"action": "act", "reason": "表决通过"})
    assert (topic["stage"], topic["resolution"]) == ("act", "是否同意6号楼加装电梯：同意")
    t1 = api(staff, f"/topics/{topic_id}/tasks/", {"title": "物业制定施工方案", "owner_user": "community"}, expect=201)
    t2 = api(staff, f"/topics/{topic_id}/tasks/", {"title": "申请加装电梯补贴", "owner_user": "community"}, expect=201)
    api(staff, f"/tasks/{t1['id']}/progress/", {"progress": 100})
    api(staff, f"/tasks/{t2['id']}/progress/", {"progress": 50})
    assert api(resident, f"/topics/{topic_id}/")["progress"] == 75
    before = state(topic_id)
    refused = staff.post_json(f"{API}/topics/{topic_id}/move/", {"action": "evaluate"})
    assert refused.status == 409 and refused.json()["error"]["message"] == "还有任务未完成。"
    assert state(topic_id) == before
    api(staff, f"/tasks/{t2['id']}/progress/", {"progress": 100})
    assert api(staff, f"/topics/{topic_id}/move/", {"action": "evaluate"})["stage"] == "evaluate"

    # --- 评: residents rate, then the topic closes with the mean ---------------------------------
    assert form_post(resident, page_url, f"{page_url}rate/", {"score": "5", "comment": "效率很高"}).status == 302
    assert "您的评分：5 / 5。" in resident.get(page_url).text
    twice = resident.post_json(f"{API}/topics/{topic_id}/ratings/", {"score": 1})
    assert twice.status == 409
    api(neighbour, f"/topics/{topic_id}/ratings/", {"score": 4}, expect=201)
    staff_rating = staff.post_json(f"{API}/topics/{topic_id}/ratings/", {"score": 5})
    assert staff_rating.status == 403
    topic = api(staff, f"/topics/{topic_id}/move/", {"action": "close", "reason": "评价完成"})
    assert (topic["stage"], topic["rating_mean"], topic["ratings_count"]) == ("closed", "4.50", 2)
    refused = staff.post_json(f"{API}/topics/{topic_id}/move/", {"action": "gather"})
    assert refused.status == 409

    # The history, the audit log and the notifications tell the same story.
    assert list(TopicMove.objects.filter(topic_id=topic_id).values_list("action", flat=True)) == [
        "gather", "deliberate", "act", "evaluate", "close"]
    assert AuditEvent.objects.filter(action="deliberation.move", object_id=str(topic_id)).count() == 5
    inbox = list(OutboxMessage.objects.filter(recipient=resident_user, link=f"/deliberation/{topic_id}/")
                 .order_by("id").values_list("event", flat=True))
    assert inbox == ["deliberation.stage", "deliberation.stage", "deliberation.vote_open", "deliberation.vote_closed",
                     "deliberation.stage", "deliberation.stage", "deliberation.stage"]
    final = resident.get(page_url).text
    assert 'data-stage="closed"' in final and "4.50 / 5" in final
    # Staff of another community do not see it at all.
    assert other_staff.get(f"{API}/topics/{topic_id}/").status == 401
