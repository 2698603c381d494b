"""The pages: hotline panel, order panel and merge, "me too", acceptance, the portal hint."""

from __future__ import annotations

import pytest

from civicgrid.core.testing import make_building
from civicgrid.duplicates.models import MeToo, SuggestionShown
from civicgrid.workorders.models import Appeal, Status, WorkOrder
from civicgrid.workorders.testing import make_order

from .conftest import LAT, LON, QUERY, placed

pytestmark = pytest.mark.django_db


def test_hotline_panel_shows_score_distance_age_and_merge_buttons(client, w, crafted):
    make_building("B1", w.tree.grid1, "青岛市市北区恩县路12号", LON, LAT)
    client.force_login(w.users["hotline"])
    form = client.get("/orders/hotline/").content.decode()
    assert 'hx-get="/intelligence/duplicates/intake/"' in form
    body = client.get("/intelligence/duplicates/intake/", {"text": QUERY, "address": "恩县路12号",
                                                          "category_code": "010101"}).content.decode()
    rows = body.count('class="dup-suggestion"')
    # The district's hotline sees 四方街道's order as well: three suggestions, best first.
    assert rows == 3 and body.index(crafted["other_street"].number) < body.index(crafted["near"].number)
    assert f'formaction="/intelligence/duplicates/intake/merge/{crafted["near"].number}/"' in body
    assert "0.62" in body and "22" in body
    assert SuggestionShown.objects.filter(surface="intake").count() == 3
    # Nothing to locate: no panel.
    assert client.get("/intelligence/duplicates/intake/", {"text": QUERY}).content.decode().strip() == ""


def test_hotline_panel_is_for_hotline_staff(client, w):
    client.force_login(w.users["dept"])
    assert client.get("/intelligence/duplicates/intake/", {"text": QUERY}).status_code == 403


def test_hotline_take_in_and_merge(client, w, crafted):
    make_building("B1", w.tree.grid1, "青岛市市北区恩县路12号", LON, LAT)
    client.force_login(w.users["hotline"])
    response = client.post(f"/intelligence/duplicates/intake/merge/{crafted['near'].number}/", {
        "reporter_phone": "13700001234", "text": QUERY, "address": "恩县路12号", "category_code": "010101"})
    assert response.status_code == 302 and response.url == f"/orders/{crafted['near'].number}/"
    crafted["near"].refresh_from_db()
    assert crafted["near"].appeals_count == 2
    assert WorkOrder.objects.filter(merged_into=crafted["near"], status=Status.MERGED).count() == 1
    # A form with errors stays on the page and writes nothing.
    before = Appeal.objects.count()
    bad = client.post(f"/intelligence/duplicates/intake/merge/{crafted['near'].number}/", {"text": QUERY})
    assert bad.status_code == 400 and Appeal.objects.count() == before


def test_order_page_of_a_new_order_offers_one_click_merge(client, w, crafted):
    new = placed(make_order(w, title="门口路面有坑", text=QUERY), 0.0001)
    client.force_login(w.users["street"])
    page = client.get(f"/orders/{new.number}/").content.decode()
    assert f'hx-get="/intelligence/duplicates/orders/{new.number}/"' in page
    panel = client.get(f"/intelligence/duplicates/orders/{new.number}/").content.decode()
    assert panel.count('class="dup-suggestion"') == 2 and crafted["near"].number in panel
    response = client.post(f"/intelligence/duplicates/orders/{new.number}/merge/",
                           {"target": crafted["near"].number, "version": new.version})
    assert response.status_code == 302 and response.url == f"/orders/{crafted['near'].number}/"
    new.refresh_from_db()
    assert (new.status, new.merged_into_id) == (Status.MERGED, crafted["near"].pk)
    assert SuggestionShown.objects.get(suggested=crafted["near"], for_order=new).taken == "merge"
    # Merged now: no panel any more, and a second merge is refused with a message.
    assert client.get(f"/intelligence/duplicates/orders/{new.number}/").content.decode().strip() == ""


def test_order_panel_is_empty_for_those_who_cannot_merge(client, w, crafted):
    new = placed(make_order(w, title="门口路面有坑", text=QUERY), 0.0001)
    client.force_login(w.users["grid"])
    assert client.get(f"/intelligence/duplicates/orders/{new.number}/").content.decode().strip() == ""
    client.force_login(w.users["street2"])
    assert client.get(f"/intelligence/duplicates/orders/{new.number}/").status_code == 404


def test_portal_hint_has_the_me_too_button(client, w, crafted):
    body = client.get("/portal/similar/", {"lon": LON, "lat": LAT, "text": QUERY, "category_code": "010101"}
                      ).content.decode()
    assert f'formaction="/intelligence/duplicates/me-too/{crafted["near"].number}/"' in body
    assert "我也遇到了" in body
    assert SuggestionShown.objects.filter(surface="portal").count() == 3


def test_me_too_as_a_visitor_goes_through_phone_sign_in_and_keeps_the_text(client, w, crafted):
    url = f"/intelligence/duplicates/me-too/{crafted['near'].number}/"
    response = client.post(url, {"text": "我家门口也是"})
    assert response.status_code == 302
    assert response.url == f"/accounts/resident/?next=%2Fintelligence%2Fduplicates%2Fme-too%2F{crafted['near'].number}%2F"
    assert not MeToo.objects.exists()
    client.force_login(w.users["resident2"])
    page = client.get(url).content.decode()
    assert "我家门口也是" in page and 'name="confirm"' in page
    done = client.post(url, {"confirm": "1", "text": "我家门口也是"})
    appeal = Appeal.objects.get(reporter=w.users["resident2"])
    assert done.status_code == 302 and done.url == f"/portal/mine/{appeal.tracking_number}/"
    crafted["near"].refresh_from_db()
    assert crafted["near"].appeals_count == 2
    again = client.post(url, {"confirm": "1", "text": "再来一次"})
    assert again.status_code == 400 and "已经反映过" in again.content.decode()
    assert crafted["near"].appeals.count() == 2


def test_me_too_on_a_private_or_missing_order_is_404(client, w, crafted):
    WorkOrder.objects.filter(pk=crafted["near"].pk).update(category=w.categories["private"])
    assert client.get(f"/intelligence/duplicates/me-too/{crafted['near'].number}/").status_code == 404
    assert client.get("/intelligence/duplicates/me-too/NOPE/").status_code == 404


def test_acceptance_page_counts_shown_and_taken_in_the_jurisdiction(client, w, crafted):
    from civicgrid.duplicates import services

    services.join_me_too(w.users["resident2"], crafted["near"])
    services.join_me_too(w.users["resident2"], crafted["other_street"])
    client.force_login(w.users["street"])
    page = client.get("/intelligence/duplicates/acceptance/").content.decode()
    # 即墨路街道 sees its own order's taken suggestion only, not 四方街道's.
    assert 'id="acc-shown">1<' in page and 'id="acc-taken">1<' in page and 'id="acc-rate">100%<' in page
    client.force_login(w.users["district"])
    assert 'id="acc-shown">2<' in client.get("/intelligence/duplicates/acceptance/").content.decode()
    client.force_login(w.users["grid"])
    assert client.get("/intelligence/duplicates/acceptance/").status_code == 403


def test_the_me_too_count_shows_on_the_order_page_lists_api_and_echo_wall(client, w, crafted):
    from django.utils import timezone
    from rest_framework.test import APIClient

    from civicgrid.duplicates import services

    order = crafted["near"]
    services.join_me_too(w.users["resident2"], order)
    client.force_login(w.users["street"])
    assert "2 条诉求（我也遇到）" in client.get(f"/orders/{order.number}/").content.decode()
    listed = client.get("/orders/list/").content.decode()
    assert f'{order.number}' in listed and 'data-label="诉求数"><span class="badge warn me-too">2</span><' in listed
    api = APIClient()
    api.force_authenticate(w.users["street"])
    assert api.get(f"/api/v1/orders/{order.number}/").json()["appeals_count"] == 2
    WorkOrder.objects.filter(pk=order.pk).update(status=Status.CLOSED, closed_at=timezone.now(),
                                                 published_at=timezone.now(), public_answer="已修复")
    assert "已有 2 人反映" in client.get("/echo/").content.decode()


def test_the_command_center_links_to_the_acceptance_page(client, w):
    client.force_login(w.users["district"])
    assert 'href="/intelligence/duplicates/acceptance/"' in client.get("/center/").content.decode()
