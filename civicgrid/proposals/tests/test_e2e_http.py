"""A campaign from collection to rating, end to end over real HTTP (the "Done when" of the issue).

Every person signs in as in a browser — the district staff, the panel's representatives and the
responsible department with username and password on the sign-in page, the residents with their
phone number and the code from the text message — and every step is a request to a running
server (``live_server``) through urllib with a cookie jar. Each action tried outside its phase is
refused with the Chinese error and shown to have changed nothing.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.notifications.models import OutboxMessage
from civicgrid.proposals import services
from civicgrid.proposals.models import (
    Campaign, Milestone, PanelScore, PhaseChange, Project, Proposal, Rating, SelectionRun, Support, SupportQuota,
)
from civicgrid.proposals.testing import make_representative, make_residents
from civicgrid.workorders.testing import make_world
from civicgrid.workorders.tests.http_client import Browser

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NOT_COLLECTING = "现在不能这样做：本次活动不在“征集提案”阶段（当前：{}）。"
NOT_SUPPORTING = "现在不能这样做：本次活动不在“群众支持”阶段（当前：{}）。"


class People:
    def __init__(self, url):
        self.url = url
        self.browsers: dict[str, Browser] = {}

    def staff(self, username: str) -> Browser:
        if username not in self.browsers:
            b = Browser(self.url)
            r = b.sign_in(username, "x")
            assert r.status == 302 and r.location == "/", (username, r.status, r.text[:300])
            self.browsers[username] = b
        return self.browsers[username]

    def resident(self, phone: str) -> Browser:
        if phone not in self.browsers:
            b = Browser(self.url)
            r = b.sign_in_with_texted_code(phone)
            assert r.status == 302 and r.location == "/", (r.status, r.text[:300])
            assert b.signed_in
            self.browsers[phone] = b
        return self.browsers[phone]


def form(b: Browser, page: str, action: str, fields: dict):
    """GET the page (as a person would, for its CSRF token), then POST its form."""
    token = b.form_token(page)
    return b.post_form(action, {"csrfmiddlewaretoken": token, **fields})


def refused(response, status: int, code: str, message: str | None = None) -> None:
    assert response.status == status, (response.status, response.text[:400])
    error = response.json()["error"]
    assert error["code"] == code, error
    if message is not None:
        assert error["message"] == message


def snapshot() -> dict:
    return {"proposals": list(Proposal.objects.order_by("pk").values_list("pk", "status", "support_count", "score")),
            "supports": Support.objects.count(), "quotas": list(SupportQuota.objects.order_by("pk").values_list("used")),
            "scores": PanelScore.objects.count(), "projects": Project.objects.count(),
            "milestones": list(Milestone.objects.order_by("pk").values_list("progress")),
            "ratings": Rating.objects.count(), "runs": SelectionRun.objects.count(),
            "state": list(Campaign.objects.values_list("state", flat=True))}


def test_a_campaign_from_collection_to_rating(live_server):
    w = make_world()
    r10, r11, r12 = make_residents(3)
    campaign = services.create_campaign(actor=w.users["district"], area=w.tree.district, year=2026,
                                        title="市北区2026年民生实事项目", budget=1_000_000)
    reps = []
    for i in range(2):
        rep = make_representative(f"rep{i}", w.tree.community1, real_name=f"代表{i}")
        services.add_panel_member(actor=w.users["district"], campaign=campaign, user=rep, kind="deputy")
        reps.append(rep)
    people = People(live_server.url)
    district = people.staff("district")
    A_author = people.resident("13900000001")   # resident
    B_author = people.resident("13900000002")   # resident2
    p10, p11, p12 = (people.resident(u.phone) for u in (r10, r11, r12))
    cid = campaign.pk
    manage = f"/proposals/c/{cid}/manage/"
    phase_url = f"/proposals/c/{cid}/phase/"

    def switch(action):
        r = form(district, manage, phase_url, {"action": action, "reason": ""})
        assert r.status == 302 and r.location == manage
        return Campaign.objects.get(pk=cid).state

    def submit_api(b, title, description, cost, category, area="370203020009001"):
        return b.post_json("/api/v1/proposals/items/", {
            "campaign": cid, "title": title, "description": description, "area": area,
            "estimated_cost": cost, "category": category})

    # --- before collection: nothing can be submitted -------------------------------------------
    before = snapshot()
    refused(submit_api(A_author, "恩县路口袋公园", "把恩县路拐角的空地改造成口袋公园，加座椅和绿化。", 300_000, "greening"),
            409, "phase_closed", NOT_COLLECTING.format("未开始"))
    assert snapshot() == before

    # --- collect ---------------------------------------------------------------------------------
    assert switch("open_collect") == "collect"
    page = A_author.get(f"/proposals/c/{cid}/")
    assert "征集提案" in page.text and 'id="submit-link"' in page.text
    r = form(A_author, f"/proposals/c/{cid}/submit/", f"/proposals/c/{cid}/submit/", {
        "title": "恩县路口袋公园", "description": "把恩县路拐角的空地改造成口袋公园，加座椅和绿化，方便老人孩子休息。",
        "area": "370203020009001", "estimated_cost": "300000", "category": "greening"})
    A = Proposal.objects.get(title="恩县路口袋公园")
    assert r.status == 302 and r.location == f"/proposals/p/{A.pk}/"
    assert (A.author, A.area_path, A.estimated_cost, A.status) == (w.users["resident"], w.tree.grid1.path, 300_000, "submitted")
    r = submit_api(B_author, "老旧小区加装电梯", "上海路社区6号楼是老旧小区，老人上下楼困难，希望加装电梯。", 600_000, "housing",
                   area="370203020002001")
    assert r.status == 201, r.text
    B = Proposal.objects.get(pk=r.json()["id"])
    # Before a third resident submits a near duplicate, the suggestions name A, live and in the API.
    hint = p10.get(f"/proposals/c/{cid}/similar/", title="恩县路街角建个口袋公园", description="")
    assert hint.status == 200 and "恩县路口袋公园" in hint.text and "老旧小区加装电梯" not in hint.text
    api_hint = p10.get(f"/api/v1/proposals/campaigns/{cid}/similar/", text="恩县路街角建个口袋公园")
    assert [row["id"] for row in api_hint.json()] == [A.pk]
    r = submit_api(p10, "恩县路街角口袋公园", "恩县路街角空地希望建口袋公园，种树放长椅。", 280_000, "greening")
    C = Proposal.objects.get(pk=r.json()["id"])
    D = Proposal.objects.get(pk=submit_api(p11, "恩县路社区食堂", "为社区老人开办社区食堂，提供助餐服务。", 200_000,
                                             "elderly").json()["id"])
    E = Proposal.objects.get(pk=submit_api(p12, "小区充电桩", "小区内加装电动自行车充电桩，避免飞线充电。", 150_000,
                                             "traffic").json()["id"])
    # Supporting is not open yet.
    before = snapshot()
    refused(A_author.post_json(f"/api/v1/proposals/items/{B.pk}/support/", {}), 409, "phase_closed",
            NOT_SUPPORTING.format("征集提案"))
    assert snapshot() == before

    # --- support (collection closed first, without opening the next phase) ----------------------
    assert switch("close") == "collect_closed"
    before = snapshot()
    refused(submit_api(p11, "背街小巷整治", "整治恩县路背街小巷的路面和照明。", 100_000, "environment"),
            409, "phase_closed", NOT_COLLECTING.format("征集已结束"))
    assert snapshot() == before
    assert switch("open_support") == "support"

    def support(b, proposal):
        return b.post_json(f"/api/v1/proposals/items/{proposal.pk}/support/", {})

    for b, proposals in ((A_author, (A, B, D)), (p10, (A, C)), (p11, (A, B)), (p12, (C, D))):
        for p in proposals:
            r = support(b, p)
            assert r.status == 201, r.text
    assert r.json() == {"proposal": D.pk, "support_count": 2, "supported": True, "remaining": 1}
    before = snapshot()
    refused(support(A_author, C), 409, "support_limit")
    refused(support(p10, A), 409, "already_supported")
    assert snapshot() == before
    page = A_author.get(f"/proposals/c/{cid}/")
    assert "还可支持 0 项" in page.text
    # Withdraw D through the web page's form, then support C.
    r = form(A_author, f"/proposals/p/{D.pk}/", f"/proposals/p/{D.pk}/support/", {"action": "withdraw"})
    assert r.status == 302
    assert "还可支持 1 项" in A_author.get(f"/proposals/c/{cid}/").text
    assert support(A_author, C).status == 201
    counts = {p.title: p.support_count for p in Proposal.objects.all()}
    assert counts == {"恩县路口袋公园": 3, "老旧小区加装电梯": 2, "恩县路街角口袋公园": 3, "恩县路社区食堂": 1, "小区充电桩": 0}

    # Staff merge the duplicate C into A: resident and r10 supported both and are counted once.
    r = form(district, manage, f"/proposals/p/{C.pk}/merge/", {"into": str(A.pk), "reason": "同一地块"})
    assert r.status == 302
    A.refresh_from_db(), C.refresh_from_db()
    assert (A.support_count, C.status, C.merged_into_id, C.support_count) == (4, "merged", A.pk, 0)
    assert set(Support.objects.filter(proposal=A).values_list("user__username", flat=True)) == {
        "resident", "r10", "r11", "r12"}
    assert "还可支持 1 项" in A_author.get(f"/proposals/c/{cid}/").text
    assert support(A_author, D).json()["remaining"] == 0

    # --- screen ---------------------------------------------------------------------------------
    assert switch("open_screen") == "screen"
    before = snapshot()
    refused(support(B_author, A), 409, "phase_closed", NOT_SUPPORTING.format("代表评审"))
    refused(A_author.request("DELETE", f"/api/v1/proposals/items/{A.pk}/support/"), 409, "phase_closed")
    assert snapshot() == before
    for p in (A, B, D):
        assert form(district, manage, f"/proposals/p/{p.pk}/screen/", {"eligible": "1", "reason": ""}).status == 302
    r = form(district, manage, f"/proposals/p/{E.pk}/screen/", {"eligible": "0", "reason": ""})
    assert Proposal.objects.get(pk=E.pk).status == "submitted"   # a reason is required
    assert "请说明不符合条件的原因。" in district.get(manage).text
    form(district, manage, f"/proposals/p/{E.pk}/screen/", {"eligible": "0", "reason": "属于物业维修范围"})
    assert dict(Proposal.objects.values_list("title", "status")) == {
        "恩县路口袋公园": "eligible", "老旧小区加装电梯": "eligible", "恩县路街角口袋公园": "merged",
        "恩县路社区食堂": "eligible", "小区充电桩": "ineligible"}
    # The panel scores on the scoring page (必要性 ×4, 可行性 ×3, 受益面 ×3).
    crit = list(campaign.criteria.values_list("pk", flat=True))
    rep0, rep1 = people.staff("rep0"), people.staff("rep1")
    score_page = f"/proposals/c/{cid}/score/"
    for b, p, values in ((rep0, A, (9, 8, 8)), (rep1, A, (8, 8, 7)), (rep0, B, (7, 7, 7)), (rep1, B, (8, 6, 7)),
                         (rep0, D, (6, 6, 6))):
        r = form(b, score_page, score_page, {"proposal": str(p.pk), **{f"c{c}": str(v) for c, v in zip(crit, values)}})
        assert r.status == 302
    scores = {p.title: (p.score, p.scored_by) for p in Proposal.objects.filter(status="eligible")}
    assert scores == {"恩县路口袋公园": (Decimal("8.05"), 2), "老旧小区加装电梯": (Decimal("7.05"), 2),
                      "恩县路社区食堂": (Decimal("6.00"), 1)}
    before = snapshot()
    refused(A_author.post_json(f"/api/v1/proposals/items/{A.pk}/scores/", {"scores": {str(c): 10 for c in crit}}),
            403, "not_panellist")
    assert A_author.get(score_page).status == 403
    assert snapshot() == before

    # --- select ---------------------------------------------------------------------------------
    before = snapshot()
    refused(district.post_json(f"/api/v1/proposals/campaigns/{cid}/selection/", {}), 409, "phase_closed")
    assert snapshot() == before
    assert switch("open_select") == "select"
    assert form(district, manage, f"/proposals/c/{cid}/selection/", {}).status == 302
    run = SelectionRun.objects.get()
    assert (run.method, run.chosen, run.total_cost) == ("approval", [A.pk, B.pk], 900_000)
    page = district.get(manage)
    assert 'id="budget-bar" min="0" max="1000000" value="900000"' in page.text
    # Confirming without a responsible unit for each project is refused.
    before = snapshot()
    form(district, manage, f"/proposals/c/{cid}/selection/confirm/", {"run": str(run.pk), f"unit_{A.pk}": "D-CG"})
    assert snapshot() == before and not OutboxMessage.objects.filter(event="proposals.selected").exists()
    form(district, manage, f"/proposals/c/{cid}/selection/confirm/",
         {"run": str(run.pk), f"unit_{A.pk}": "D-CG", f"unit_{B.pk}": "D-ZJ"})
    assert dict(Proposal.objects.values_list("title", "status")) == {
        "恩县路口袋公园": "selected", "老旧小区加装电梯": "selected", "恩县路街角口袋公园": "merged",
        "恩县路社区食堂": "not_selected", "小区充电桩": "ineligible"}
    projA = Project.objects.get(proposal=A)
    assert (projA.unit.code, projA.budget) == ("D-CG", 300_000)
    told = sorted(OutboxMessage.objects.filter(event="proposals.selected").values_list("recipient__username", flat=True))
    assert told == sorted(["resident", "r10", "r11", "r12", "resident", "r11", "resident2"])
    assert AuditEvent.objects.filter(action="proposals.selection.confirm").count() == 1

    # --- implement ------------------------------------------------------------------------------
    dept = people.staff("dept")
    before = snapshot()
    refused(dept.post_json(f"/api/v1/proposals/projects/{projA.pk}/milestones/",
                           {"title": "设计方案", "due_date": "2026-05-01", "weight": 1}), 409, "phase_closed")
    assert snapshot() == before
    assert switch("open_implement") == "implement"
    m1 = dept.post_json(f"/api/v1/proposals/projects/{projA.pk}/milestones/",
                        {"title": "设计方案", "due_date": "2026-05-01", "weight": 1}).json()["id"]
    m2 = dept.post_json(f"/api/v1/proposals/projects/{projA.pk}/milestones/",
                        {"title": "施工", "due_date": "2026-09-30", "weight": 3}).json()["id"]
    refused(dept.post_json(f"/api/v1/proposals/projects/{projA.pk}/finish/", {}), 409, "milestones_open")
    assert dept.post_json(f"/api/v1/proposals/milestones/{m1}/progress/", {"progress": 100}).status == 200
    assert Project.objects.get(pk=projA.pk).progress == 25
    assert OutboxMessage.objects.filter(event="proposals.milestone").count() == 4
    dept.post_json(f"/api/v1/proposals/milestones/{m2}/progress/", {"progress": 60})
    assert Project.objects.get(pk=projA.pk).progress == 70
    before = snapshot()
    refused(A_author.post_json(f"/api/v1/proposals/projects/{projA.pk}/ratings/", {"stars": 5}), 409, "phase_closed")
    refused(A_author.post_json(f"/api/v1/proposals/milestones/{m2}/progress/", {"progress": 100}), 403, "forbidden")
    assert snapshot() == before
    dept.post_json(f"/api/v1/proposals/milestones/{m2}/progress/", {"progress": 100})
    r = dept.post_json(f"/api/v1/proposals/projects/{projA.pk}/finish/", {})
    assert r.status == 200 and r.json()["status"] == "finished" and r.json()["progress"] == 100
    assert OutboxMessage.objects.filter(event="proposals.milestone").count() == 8
    assert sorted(OutboxMessage.objects.filter(event="proposals.finished").values_list("recipient__username", flat=True)) \
        == ["r10", "r11", "r12", "resident"]
    page = A_author.get(f"/proposals/projects/{projA.pk}/")
    assert 'id="progress-value">100%' in page.text

    # --- evaluate -------------------------------------------------------------------------------
    assert switch("open_evaluate") == "evaluate"
    r = form(A_author, f"/proposals/projects/{projA.pk}/", f"/proposals/projects/{projA.pk}/rate/",
             {"stars": "5", "comment": "环境好多了"})
    assert r.status == 302
    assert p10.post_json(f"/api/v1/proposals/projects/{projA.pk}/ratings/", {"stars": 4}).status == 201
    before = snapshot()
    refused(A_author.post_json(f"/api/v1/proposals/projects/{projA.pk}/ratings/", {"stars": 1}), 409, "already_rated")
    projB = Project.objects.get(proposal=B)
    refused(p11.post_json(f"/api/v1/proposals/projects/{projB.pk}/ratings/", {"stars": 3}), 409, "not_finished")
    assert snapshot() == before
    public = Browser(live_server.url).get(f"/proposals/projects/{projA.pk}/")
    assert "2 位居民评分，平均 4.5 分（满分 5 分）" in public.text
    assert Browser(live_server.url).get(f"/api/v1/proposals/projects/{projA.pk}/").json()["mean_rating"] == 4.5
    assert list(PhaseChange.objects.filter(campaign_id=cid).values_list("to_state", flat=True)) == [
        "collect", "collect_closed", "support", "screen", "select", "implement", "evaluate"]
