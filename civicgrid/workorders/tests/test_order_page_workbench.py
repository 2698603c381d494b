"""The staff order page: deadlines in words, map, photos, whistles, and the response-template
picker showing only the templates that fit the order."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.sla.models import Whistle, WhistleResponse
from civicgrid.workorders.models import Attachment, ResponseTemplate, Status
from civicgrid.workorders.testing import make_category, make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = make_world()
    ResponseTemplate.objects.update(is_active=False)  # the defaults from the migration step aside
    cats = world.categories
    world.t_general = ResponseTemplate.objects.create(title="通用答复", body="已处理完毕。", position=1)
    world.t_sub = ResponseTemplate.objects.create(title="市政答复", body="市政已修复。", category=cats["sub"], position=2)
    world.t_road_c1 = ResponseTemplate.objects.create(title="恩县路道路", body="道路已修补。", category=cats["road"],
                                                      area=world.tree.community1, position=3)
    ResponseTemplate.objects.create(title="燃气答复", body="燃气已恢复。", category=cats["gas"], position=4)
    ResponseTemplate.objects.create(title="上海路答复", body="上海路已处理。", area=world.tree.community2, position=5)
    ResponseTemplate.objects.create(title="停用的答复", body="旧的。", is_active=False)
    other_root = make_category("02", "党务政务")
    ResponseTemplate.objects.create(title="党务答复", body="党务。", category=other_root)
    world.held = make_order(world, status=Status.ACCEPTED, unit=world.units["cg"], lon=120.305, lat=36.055,
                            handle_due=timezone.now() + timedelta(hours=5))
    return world


def picker_titles(html: str) -> list[str]:
    picker = html.split('class="template-picker"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="\d+" data-body="[^"]*">([^<]+)</option>', picker)


def test_the_picker_offers_exactly_the_templates_for_the_orders_category_and_area(client, w):
    client.force_login(w.users["dept"])
    html = client.get(f"/orders/{w.held.number}/").content.decode()
    assert picker_titles(html) == ["通用答复", "市政答复", "恩县路道路"]
    assert 'data-body="市政已修复。"' in html
    assert 'data-fills="answer-resolve"' in html and 'id="answer-resolve"' in html


def test_an_order_elsewhere_gets_only_the_templates_scoped_there(client, w):
    order = make_order(w, status=Status.ACCEPTED, unit=w.units["cg"], area=w.tree.grid3, category=w.categories["gas"])
    client.force_login(w.users["dept"])
    html = client.get(f"/orders/{order.number}/").content.decode()
    assert picker_titles(html) == ["通用答复", "市政答复", "燃气答复", "上海路答复"]


def test_without_javascript_a_template_link_fills_the_answer(client, w):
    client.force_login(w.users["dept"])
    html = client.get(f"/orders/{w.held.number}/", {"template": w.t_sub.pk}).content.decode()
    assert re.search(r'<textarea name="answer" id="answer-resolve"[^>]*>市政已修复。</textarea>', html)
    # A template that does not fit this order fills nothing.
    gas = ResponseTemplate.objects.get(title="燃气答复")
    html = client.get(f"/orders/{w.held.number}/", {"template": gas.pk}).content.decode()
    assert re.search(r'<textarea name="answer" id="answer-resolve"[^>]*></textarea>', html)


def test_no_picker_when_no_move_needs_an_answer(client, w):
    order = make_order(w)
    client.force_login(w.users["street"])
    html = client.get(f"/orders/{order.number}/").content.decode()
    assert 'class="template-picker"' not in html
    assert 'name="action" value="dispatch"' in html


def test_deadlines_in_words_map_and_photos(client, w):
    Attachment.objects.create(order=w.held, file="attachments/1/a.jpg", content_type="image/jpeg", size=10)
    client.force_login(w.users["dept"])
    html = client.get(f"/orders/{w.held.number}/").content.decode()
    assert "剩余 4 小时" in html or "剩余 5 小时" in html
    assert 'id="order-map"' in html and f'data-grid="{w.tree.grid1.code}"' in html
    assert 'data-lon="120.305000" data-lat="36.055000"' in html
    assert "leaflet.js" in html and "map.js" in html
    assert '<a href="/media/attachments/1/a.jpg"><img src="/media/attachments/1/a.jpg"' in html


def test_whistles_show_who_has_not_reported_yet(client, w):
    whistle = Whistle.objects.create(order=w.held, street=w.tree.street1, area_path=w.tree.street1.path,
                                     called_by=w.users["street"], reason="需要城管和住建联合处置",
                                     report_due=timezone.now() + timedelta(hours=2))
    WhistleResponse.objects.create(whistle=whistle, unit=w.units["zj"])
    client.force_login(w.users["street"])
    html = client.get(f"/orders/{w.held.number}/").content.decode()
    assert "需要城管和住建联合处置" in html
    assert "市北区住房和城乡建设局: <span class=\"overdue\">尚未报到</span>" in html


def test_only_the_current_steps_deadline_counts_down(client, w):
    now = timezone.now()
    order = make_order(w, status=Status.ACCEPTED, unit=w.units["cg"], response_due=now - timedelta(days=3),
                       handle_due=now - timedelta(hours=5), is_overdue=True)
    client.force_login(w.users["dept"])
    html = client.get(f"/orders/{order.number}/").content.decode()
    deadlines = re.findall(r'<div class="deadline[^"]*">(.*?)</div>', html)
    assert len(deadlines) == 2
    assert "已超期" not in deadlines[0]  # accepted already: the accept deadline is history
    assert "已超期 5 小时" in deadlines[1]
