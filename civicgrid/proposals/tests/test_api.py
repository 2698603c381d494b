"""The proposals API: public reads with the shared filters, writes through the services, the
error shape, and refusals that change nothing."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings
from PIL import Image
from rest_framework.test import APIClient

from civicgrid.core.models import AuditEvent
from civicgrid.people.models import Membership, Role
from civicgrid.proposals.models import Campaign, Milestone, Project, ProjectUpdate, Proposal, SelectionRun, Support
from civicgrid.proposals.testing import add_proposal, make_campaign, make_residents, set_state

pytestmark = pytest.mark.django_db
BASE = "/api/v1/proposals"


def api(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def world():
    w, campaign = make_campaign()
    r = make_residents(3)
    a = add_proposal(w, campaign, title="恩县路口袋公园", author=r[0])
    b = add_proposal(w, campaign, title="老旧小区加装电梯", cost=600_000, author=r[1], area=w.tree.grid3,
                     category="housing", description="上海路社区6号楼老人上下楼困难，希望加装电梯。")
    c = add_proposal(w, campaign, title="上四方社区食堂", cost=200_000, author=r[2], area=w.tree.grid4,
                     category="elderly", description="为上四方社区老人开办社区食堂，提供助餐。")
    return w, campaign, r, (a, b, c)


def test_campaigns_and_proposals_are_public_with_authors_masked(world):
    w, campaign, r, (a, b, c) = world
    body = api().get(f"{BASE}/campaigns/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["id"], row["area"], row["budget"], row["state"], row["active_phase"], row["support_limit"]) == (
        campaign.pk, "370203000000", 1_000_000, "collect", "collect", 3)
    assert [c_["name"] for c_ in row["criteria"]] == ["必要性", "可行性", "受益面"]
    item = api().get(f"{BASE}/items/{a.pk}/").json()
    assert item["author"] == "居***" and item["title"] == "恩县路口袋公园" and item["area"] == "370203020009001"


@pytest.mark.parametrize("params, titles", [
    ({"category": "housing"}, ["老旧小区加装电梯"]),
    ({"area": "370203020000"}, ["恩县路口袋公园", "老旧小区加装电梯"]),
    ({"area": "370203028013"}, ["上四方社区食堂"]),
    ({"q": "食堂"}, ["上四方社区食堂"]),
    ({"ordering": "-cost"}, ["老旧小区加装电梯", "恩县路口袋公园", "上四方社区食堂"]),
    ({"status": "merged"}, []),
    ({"area": "999"}, []),
])
def test_the_list_filters_are_shared_by_the_api_and_the_web_page(world, client, params, titles):
    w, campaign, r, _ps = world
    body = api().get(f"{BASE}/items/", {"campaign": campaign.pk, **params}).json()
    got = [row["title"] for row in body["results"]]
    if "ordering" in params:
        assert got == titles
    else:
        assert sorted(got) == sorted(titles)
    page = client.get(f"/proposals/c/{campaign.pk}/", params)
    shown = [t for t in ["恩县路口袋公园", "老旧小区加装电梯", "上四方社区食堂"] if f"<strong>{t}</strong>" in page.content.decode()]
    assert sorted(shown) == sorted(titles)


def test_submit_answers_201_and_bad_input_400_with_fields_and_nothing_created(world):
    w, campaign, r, _ps = world
    new = make_residents(1, start=50)[0]
    payload = {"campaign": campaign.pk, "title": "背街小巷整治", "description": "整治恩县路背街小巷的路面、照明和墙面。",
               "area": "370203020009002", "estimated_cost": 120_000, "category": "environment"}
    before = Proposal.objects.count()
    bad = api(new).post(f"{BASE}/items/", {**payload, "area": "370211000000", "title": "巷"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {"title": ["请填写至少 4 个字的提案标题。"], "area": ["地点必须在本活动范围内。"]}
    assert Proposal.objects.count() == before
    assert api().post(f"{BASE}/items/", payload, format="json").status_code == 401
    ok = api(new).post(f"{BASE}/items/", payload, format="json")
    assert ok.status_code == 201
    assert ok.json()["status"] == "submitted" and ok.json()["support_count"] == 0


def test_the_submission_limit_per_campaign_then_the_rate_limit(world):
    w, campaign, r, _ps = world
    Campaign.objects.filter(pk=campaign.pk).update(submission_limit=2)
    client = api(r[0])   # already has one
    payload = {"campaign": campaign.pk, "title": "小区充电桩", "description": "小区内加装电动自行车充电桩，避免飞线充电。",
               "area": "370203020009001", "estimated_cost": 150_000, "category": "traffic"}
    assert client.post(f"{BASE}/items/", payload, format="json").status_code == 201
    refused = client.post(f"{BASE}/items/", payload, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"] == {"code": "submission_limit", "message": "您已向本活动提交 2 项提案，已达上限。",
                                       "fields": {}, "codes": {}}
    assert Proposal.objects.filter(author=r[0]).count() == 2
    Campaign.objects.filter(pk=campaign.pk).update(submission_limit=10)
    with override_settings(CIVICGRID_RATE_LIMITS={"proposals.submit": (2, 3600)}):
        limited = client.post(f"{BASE}/items/", payload, format="json")
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert Proposal.objects.filter(author=r[0]).count() == 2


def test_similar_endpoint_ranks_the_close_proposal_first(world):
    w, campaign, r, (a, b, c) = world
    rows = api().get(f"{BASE}/campaigns/{campaign.pk}/similar/", {"text": "老旧小区装电梯"}).json()
    assert [row["id"] for row in rows] == [b.pk]
    assert 0.2 <= rows[0]["similarity"] <= 1
    assert api().get(f"{BASE}/campaigns/{campaign.pk}/similar/", {"text": ""}).json() == []


def test_support_and_withdraw(world):
    w, campaign, r, (a, b, c) = world
    set_state(campaign, "support")
    client = api(w.users["resident"])
    assert client.post(f"{BASE}/items/{a.pk}/support/").json() == {
        "proposal": a.pk, "support_count": 1, "supported": True, "remaining": 2}
    assert client.delete(f"{BASE}/items/{a.pk}/support/").json() == {
        "proposal": a.pk, "support_count": 0, "supported": False, "remaining": 3}
    again = client.delete(f"{BASE}/items/{a.pk}/support/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_supported"
    assert Support.objects.count() == 0


def test_staff_actions_are_forbidden_to_residents_and_change_nothing(world):
    w, campaign, r, (a, b, c) = world
    set_state(campaign, "screen")
    client = api(w.users["resident"])
    for path, payload in ((f"items/{a.pk}/screen/", {"eligible": True}), (f"items/{a.pk}/merge/", {"into": b.pk}),
                          (f"campaigns/{campaign.pk}/phase/", {"action": "close"}),
                          (f"campaigns/{campaign.pk}/selection/", {})):
        response = client.post(f"{BASE}/{path}", payload, format="json")
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "forbidden"
    assert list(Proposal.objects.values_list("status", flat=True)) == ["submitted"] * 3
    assert Campaign.objects.get().state == "screen" and not SelectionRun.objects.exists()


def test_scores_need_every_criterion(world):
    w, campaign, r, (a, b, c) = world
    set_state(campaign, "screen")
    Proposal.objects.filter(pk=a.pk).update(status="eligible")
    crit = list(campaign.criteria.values_list("pk", flat=True))
    rep = api(w.users["rep0"])
    bad = rep.post(f"{BASE}/items/{a.pk}/scores/", {"scores": {str(crit[0]): 8}}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "criteria_missing"
    ok = rep.post(f"{BASE}/items/{a.pk}/scores/", {"scores": {str(k): v for k, v in zip(crit, (10, 5, 0))}}, format="json")
    assert ok.status_code == 200 and ok.json()["score"] == "5.50" and ok.json()["scored_by"] == 1


def test_knapsack_selection_confirm_and_a_stale_run(world):
    w, campaign, r, (a, b, c) = world
    Campaign.objects.filter(pk=campaign.pk).update(method="knapsack", budget=800_000)
    Proposal.objects.filter(pk=a.pk).update(status="eligible", score="8.00", support_count=5)     # 300k: 800*6
    Proposal.objects.filter(pk=b.pk).update(status="eligible", score="9.00", support_count=6)     # 600k: 900*7
    Proposal.objects.filter(pk=c.pk).update(status="eligible", score="7.00", support_count=4)     # 200k: 700*5
    set_state(campaign, "select")
    staff = api(w.users["district"])
    run = staff.post(f"{BASE}/campaigns/{campaign.pk}/selection/").json()
    # {b, c} = 6300 + 3500 = 9800 within 800k beats {a, c} = 4800 + 3500 = 8300.
    assert (run["method"], sorted(run["chosen"]), run["total_cost"], run["total_value"]) == (
        "knapsack", sorted([b.pk, c.pk]), 800_000, 9800)
    second = staff.post(f"{BASE}/campaigns/{campaign.pk}/selection/").json()
    stale = staff.post(f"{BASE}/campaigns/{campaign.pk}/selection/confirm/",
                       {"run": run["id"], "units": {str(b.pk): "D-ZJ", str(c.pk): "C1-OFFICE"}}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_run"
    assert not Project.objects.exists()
    done = staff.post(f"{BASE}/campaigns/{campaign.pk}/selection/confirm/",
                      {"run": second["id"], "units": {str(b.pk): "D-ZJ", str(c.pk): "C1-OFFICE"}}, format="json")
    assert done.status_code == 200
    assert sorted((p["title"], p["unit"], p["budget"]) for p in done.json()) == [
        ("上四方社区食堂", "C1-OFFICE", 200_000), ("老旧小区加装电梯", "D-ZJ", 600_000)]
    assert dict(Proposal.objects.values_list("pk", "status")) == {a.pk: "not_selected", b.pk: "selected", c.pk: "selected"}
    listed = api().get(f"{BASE}/projects/", {"campaign": campaign.pk, "unit": "D-ZJ"}).json()
    assert [p["title"] for p in listed["results"]] == ["老旧小区加装电梯"]


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "site.png"
    return buffer


def test_milestones_updates_with_a_photo_and_rating(world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    w, campaign, r, (a, b, c) = world
    Proposal.objects.filter(pk=a.pk).update(status="selected")
    project = Project.objects.create(proposal=a, campaign=campaign, area_path=a.area_path, unit=w.units["cg"],
                                     budget=a.estimated_cost)
    Campaign.objects.filter(pk=campaign.pk).update(selection_confirmed_at="2026-03-01T00:00:00Z")
    set_state(campaign, "implement")
    dept = api(w.users["dept"])
    m = dept.post(f"{BASE}/projects/{project.pk}/milestones/", {"title": "施工", "due_date": "2026-06-30", "weight": 2},
                  format="json")
    assert m.status_code == 201
    other = api(w.users["dept2"]).post(f"{BASE}/milestones/{m.json()['id']}/progress/", {"progress": 50}, format="json")
    assert other.status_code == 403 and Milestone.objects.get().progress == 0
    up = dept.post(f"{BASE}/projects/{project.pk}/updates/", {"text": "围挡已搭好", "photo": png()}, format="multipart")
    assert up.status_code == 201
    update = ProjectUpdate.objects.get()
    assert update.photo.name.startswith("proposals/") and update.photo.name.endswith(".png")
    assert dept.post(f"{BASE}/milestones/{m.json()['id']}/progress/", {"progress": 100}, format="json").json()["progress"] == 100
    assert dept.post(f"{BASE}/projects/{project.pk}/finish/").json()["status"] == "finished"
    set_state(campaign, "evaluate")
    bad = api(r[1]).post(f"{BASE}/projects/{project.pk}/ratings/", {"stars": 6}, format="json")
    assert bad.status_code == 400
    for user, stars in ((r[1], 4), (r[2], 3)):
        assert api(user).post(f"{BASE}/projects/{project.pk}/ratings/", {"stars": stars}, format="json").status_code == 201
    body = api().get(f"{BASE}/projects/{project.pk}/").json()
    assert (body["rating_count"], body["mean_rating"], body["progress"]) == (2, 3.5, 100)


def test_staff_start_a_campaign_and_name_its_panel_residents_cannot():
    from civicgrid.workorders.testing import make_world

    w = make_world()
    payload = {"area": "370203020000", "year": 2027, "title": "即墨路街道2027年微实事", "budget": 500_000,
               "method": "knapsack", "criteria": [{"name": "必要性", "weight": 5}, {"name": "受益面", "weight": 5}]}
    refused = api(w.users["resident"]).post(f"{BASE}/campaigns/", payload, format="json")
    assert refused.status_code == 403 and not Campaign.objects.exists()
    made = api(w.users["street"]).post(f"{BASE}/campaigns/", payload, format="json")
    assert made.status_code == 201
    body = made.json()
    assert (body["state"], body["method"], body["area"], [c["weight"] for c in body["criteria"]]) == (
        "draft", "knapsack", "370203020000", [5, 5])
    again = api(w.users["street"]).post(f"{BASE}/campaigns/", payload, format="json")
    assert again.status_code == 400 and again.json()["error"]["fields"] == {"year": ["该地区当年已有活动。"]}
    panel = f"{BASE}/campaigns/{body['id']}/panel/"
    assert api(w.users["resident"]).post(panel, {"username": "resident2"}, format="json").status_code == 403
    # resident2 has not said where they live: not a person of the street, not on its panel.
    away = api(w.users["street"]).post(panel, {"username": "resident2", "kind": "deputy"}, format="json")
    assert away.status_code == 400 and away.json()["error"]["code"] == "not_in_area"
    assert away.json()["error"]["message"] == "本活动所在地区没有使用该手机号或用户名的居民或工作人员。"
    Membership.objects.create(user=w.users["resident2"], role=Role.RESIDENT, area=w.tree.community2)
    assert api(w.users["street"]).post(panel, {"username": "resident2", "kind": "deputy"},
                                       format="json").status_code == 201
    dup = api(w.users["street"]).post(panel, {"username": "resident2"}, format="json")
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "duplicate"
    assert list(Campaign.objects.get().panel.values_list("user__username", "kind")) == [("resident2", "deputy")]
    assert api(w.users["street2"]).delete(f"{panel}?username=resident2").status_code == 403
    assert api(w.users["street"]).delete(f"{panel}?username=resident2").status_code == 204
    assert not Campaign.objects.get().panel.exists()
    assert list(AuditEvent.objects.filter(action__startswith="proposals.panel.").order_by("pk").values_list(
        "action", "changes")) == [("proposals.panel.add", {"user": "resident2", "kind": "deputy"}),
                                  ("proposals.panel.remove", {"user": "resident2", "kind": "deputy"})]
