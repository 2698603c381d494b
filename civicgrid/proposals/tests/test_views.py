"""The web pages: who sees what, and the htmx support button swap."""

from __future__ import annotations

import pytest

from civicgrid.proposals.models import Support
from civicgrid.proposals.testing import add_proposal, make_campaign, set_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def wc():
    w, campaign = make_campaign()
    p = add_proposal(w, campaign)
    return w, campaign, p


def test_public_pages_render_for_anyone(client, wc):
    w, campaign, p = wc
    for url in ("/proposals/", f"/proposals/c/{campaign.pk}/", f"/proposals/p/{p.pk}/"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "恩县路口袋公园" in page.content.decode() or url == "/proposals/"
    assert "2026年民生实事项目" in client.get("/proposals/").content.decode()


def test_submitting_asks_a_signed_out_resident_to_sign_in_by_phone(client, wc):
    w, campaign, p = wc
    page = client.get(f"/proposals/c/{campaign.pk}/submit/")
    assert page.status_code == 302
    assert page["Location"] == f"/accounts/resident/?next=/proposals/c/{campaign.pk}/submit/"


def test_staff_pages_are_for_the_campaigns_staff_and_the_panel(client, wc):
    w, campaign, p = wc
    client.force_login(w.users["resident"])
    assert client.get(f"/proposals/c/{campaign.pk}/manage/").status_code == 403
    assert client.get(f"/proposals/c/{campaign.pk}/score/").status_code == 403
    before = campaign.state
    assert client.post(f"/proposals/c/{campaign.pk}/phase/", {"action": "close"}).status_code == 403
    campaign.refresh_from_db()
    assert campaign.state == before
    client.force_login(w.users["district"])
    page = client.get(f"/proposals/c/{campaign.pk}/manage/").content.decode()
    assert "关闭：征集提案" in page and "开启：群众支持" in page
    client.force_login(w.users["rep0"])
    assert client.get(f"/proposals/c/{campaign.pk}/score/").status_code == 200


def test_the_htmx_support_button_swaps_itself_and_the_remaining_count(client, wc):
    w, campaign, p = wc
    set_state(campaign, "support")
    client.force_login(w.users["resident2"])
    answer = client.post(f"/proposals/p/{p.pk}/support/", {"action": "support"}, HTTP_HX_REQUEST="true")
    html = answer.content.decode()
    assert answer.status_code == 200
    assert f'id="support-{p.pk}"' in html and "撤回支持" in html and "<strong>1</strong>" in html
    assert '<span id="remaining" data-remaining="2" hx-swap-oob="true">还可支持 2 项</span>' in html
    assert Support.objects.filter(user=w.users["resident2"]).count() == 1
    again = client.post(f"/proposals/p/{p.pk}/support/", {"action": "support"}, HTTP_HX_REQUEST="true")
    assert "您已支持过这项提案。" in again.content.decode()
    assert Support.objects.count() == 1


def test_a_refused_proposal_is_answered_400_on_the_form_and_stores_nothing(client, wc):
    from civicgrid.core.models import AuditEvent
    from civicgrid.proposals.models import Proposal

    w, campaign, p = wc
    client.force_login(w.users["resident2"])
    url = f"/proposals/c/{campaign.pk}/submit/"
    good = {"title": "上海路社区食堂", "description": "为社区老人开办社区食堂，提供助餐服务。",
            "area": w.tree.grid1.code, "estimated_cost": "200000", "category": "elderly"}
    before = (list(Proposal.objects.values_list("pk", "title")), AuditEvent.objects.count())
    # The form's own check, then the service's (over the budget; then outside the collect phase).
    for changed, message in [({"estimated_cost": "二十万"}, "请填写整数。"),
                             ({"estimated_cost": "2000000"}, "估算费用超过了本活动的全部预算。")]:
        answer = client.post(url, {**good, **changed})
        assert answer.status_code == 400, changed
        assert answer.context["form"].errors == {"estimated_cost": [message]}
    set_state(campaign, "support")
    answer = client.post(url, good)
    assert answer.status_code == 400
    assert answer.context["form"].errors == {
        "__all__": ["现在不能这样做：本次活动不在“征集提案”阶段（当前：群众支持）。"]}
    assert "现在不能这样做：本次活动不在“征集提案”阶段（当前：群众支持）。" in answer.content.decode()
    assert (list(Proposal.objects.values_list("pk", "title")), AuditEvent.objects.count()) == before


def test_the_submit_form_names_places_without_their_area_codes(client, wc):
    w, campaign, p = wc
    client.force_login(w.users["resident2"])
    page = client.get(f"/proposals/c/{campaign.pk}/submit/").content.decode()
    t = w.tree
    assert f'<option value="{t.community1.code}">{t.community1.name}</option>' in page
    assert f'<option value="{t.grid1.code}">— {t.grid1.name}</option>' in page
    assert f"({t.grid1.code})" not in page and f"({t.community1.code})" not in page


def test_the_campaign_filters_start_with_all_and_the_default_order_not_dashes(client, wc):
    # The category select began with "---------" and so did the order select, above the order in use.
    import re

    w, campaign, p = wc
    page = client.get(f"/proposals/c/{campaign.pk}/").content.decode()

    def options(name):
        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
        return re.findall(r"<option([^>]*)>([^<]*)</option>", select)

    assert options("category")[0] == (' value="" selected', "全部")
    assert [label for _attrs, label in options("ordering")] == [
        "支持数", "支持数（从多到少）", "代表评分", "代表评分（从高到低）", "费用", "费用（从高到低）", "提交时间",
        "提交时间（最新在前）"]
    assert [label for attrs, label in options("ordering") if "selected" in attrs] == ["支持数（从多到少）"]
    assert "---------" not in page


def test_a_project_is_given_only_a_unit_that_serves_the_campaigns_area(client):
    # The responsible-unit select of a 市北区 campaign listed every unit of the city, 即墨区's too, and
    # confirming with one of them made it answer for a 市北区 project.
    import re

    from django.core.exceptions import ValidationError

    from civicgrid.people.models import Unit, UnitKind
    from civicgrid.proposals import services
    from civicgrid.proposals.models import Project, Proposal, SelectionRun
    from civicgrid.workorders.testing import make_world

    w = make_world()
    other_street = Unit.objects.create(code="S2-OFFICE", name="四方街道办事处", kind=UnitKind.STREET_OFFICE,
                                       area=w.tree.street2)
    campaign = services.create_campaign(actor=w.users["street"], area=w.tree.street1, year=2026,
                                        title="即墨路街道2026年微实事", budget=500_000, support_limit=3,
                                        method="approval")
    park = add_proposal(w, campaign, title="恩县路口袋公园", cost=300_000, status="eligible")
    set_state(campaign, "select")
    run = services.run_selection(actor=w.users["street"], campaign=campaign)
    assert run.chosen == [park.pk]

    client.force_login(w.users["street"])
    page = client.get(f"/proposals/c/{campaign.pk}/manage/").content.decode()
    select = re.search(rf'<select id="unit_{park.pk}" name="unit_{park.pk}">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="([^"]+)"', select) == ["D-CG", "D-ZJ", "S1-OFFICE", "C2-OFFICE", "C1-OFFICE"]

    before = list(Proposal.objects.values_list("pk", "status")), Project.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.confirm_selection(actor=w.users["street"], run=run, units={park.pk: other_street})
    assert refused.value.messages == ["责任单位须服务本活动所在地区，四方街道办事处 不在此列。"]
    assert (list(Proposal.objects.values_list("pk", "status")), Project.objects.count()) == before
    assert SelectionRun.objects.get(pk=run.pk).confirmed is False

    response = client.post(f"/proposals/c/{campaign.pk}/selection/confirm/",
                           {"run": str(run.pk), f"unit_{park.pk}": "S1-OFFICE"})
    assert response.status_code == 302
    assert list(Project.objects.values_list("proposal_id", "unit__code")) == [(park.pk, "S1-OFFICE")]


def test_the_project_update_form_asks_for_the_projects_progress_not_a_problem(client, wc):
    # The box for a project's news was labelled 问题描述 ("describe the problem"), the work order's
    # msgid "What happened".
    from civicgrid.proposals.models import Project

    w, campaign, p = wc
    set_state(campaign, "implement")
    project = Project.objects.create(proposal=p, campaign=campaign, area_path=p.area_path, unit=w.units["cg"],
                                     budget=p.estimated_cost)
    client.force_login(w.users["district"])
    page = client.get(f"/proposals/projects/{project.pk}/").content.decode()
    assert '<label for="id_text">项目进展 <span class="req">（必填）</span></label>' in page
    assert "问题描述" not in page


def test_finishing_a_project_without_milestones_says_to_add_them(client, wc):
    # With no milestone at all, 标记项目完成 answered 所有节点完成后项目才能完成。 ("when every milestone is
    # done"), though there was none to do.
    from django.contrib.messages import get_messages

    from civicgrid.proposals.models import Project

    w, campaign, p = wc
    set_state(campaign, "implement")
    project = Project.objects.create(proposal=p, campaign=campaign, area_path=p.area_path, unit=w.units["cg"],
                                     budget=p.estimated_cost)
    client.force_login(w.users["district"])
    response = client.post(f"/proposals/projects/{project.pk}/finish/")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["请先为项目添加节点并登记进度，再标记项目完成。"]
    assert Project.objects.get(pk=project.pk).status == "in_progress"
