"""The order page's list of appeals: a part the appeal lacks (a proactive order has no reporter,
an anonymous appeal no name for staff) leaves no empty slot between the dots."""

from __future__ import annotations

import re

import pytest

from civicgrid.workorders.models import Appeal, Channel
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


def _appeal_items(html: str) -> list[str]:
    section = re.search(r'<h2 id="appeals">.*?</ul>', html, re.S).group(0)
    return re.findall(r"<li>(.*?)</li>", section, re.S)


def test_the_appeals_list_skips_the_parts_an_appeal_does_not_have(client):
    w = make_world()
    order = make_order(w)
    first = order.appeals.get()
    Appeal.objects.filter(pk=first.pk).update(channel=Channel.PROACTIVE, reporter=None, reporter_name="",
                                              reporter_phone="")
    Appeal.objects.create(tracking_number="A90000001", order=order, channel=Channel.WEB, title="t", text="t",
                          reporter_name="", reporter_phone="13900000009", area_path=order.area_path,
                          received_at=first.received_at)
    Appeal.objects.create(tracking_number="A90000002", order=order, channel=Channel.HOTLINE, title="t", text="t",
                          reporter_name="李四", reporter_phone="", area_path=order.area_path,
                          received_at=first.received_at)
    client.force_login(w.users["street"])
    html = client.get(f"/orders/{order.number}/").content.decode()
    items = sorted(_appeal_items(html))
    assert items == [f"{first.tracking_number} · 未诉先办", "A90000001 · 139****0009 · 居民端",
                     "A90000002 · 李* · 12345热线"]
