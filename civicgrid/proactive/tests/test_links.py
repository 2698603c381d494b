"""The hotspot panel names only orders the reader may open. A district's hot topic read by one of
its communities held orders of the other communities, and their links answered 404."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from civicgrid.proactive.models import Snapshot
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


def _topic(numbers: list[str], grids: list[str]) -> dict:
    today = timezone.localdate().isoformat()
    return {"kind": "topic", "key": "topic:370203000000:井盖-松动:x", "title": "热点话题：井盖、松动",
            "area_code": "370203000000", "area_name": "市北区", "count": len(numbers), "score": 9.0,
            "period_start": today, "period_end": today, "sample_orders": numbers,
            "evidence": {"words": ["井盖", "松动"], "grids": grids}}


def test_a_district_topic_read_by_a_community_links_only_its_own_orders():
    w = make_world()
    t = w.tree
    mine = make_order(w, area=t.grid1, title="井盖松动")
    other = make_order(w, area=t.grid3, title="井盖松动")
    far = make_order(w, area=t.grid4, title="井盖松动")
    Snapshot.objects.create(area=t.district, area_path=t.district.path, scope="day",
                            period=timezone.localdate().isoformat(), as_of=timezone.now(),
                            findings=[_topic([other.number, far.number, mine.number],
                                             [t.grid3.code, t.grid4.code, t.grid1.code])])

    def linked(username: str, url: str) -> list[str]:
        c = Client()
        c.force_login(w.users[username])
        page = c.get(url).content.decode()
        item = re.search(r'<li data-key="topic:[^"]*">.*?</li>', page, re.DOTALL).group(0)
        numbers = re.findall(r'<a href="/orders/(\w+)/">', item)
        assert all(c.get(f"/orders/{n}/").status_code == 200 for n in numbers)
        return numbers

    assert linked("community", f"/proactive/panel/?area={t.community1.code}") == [mine.number]
    assert linked("community", "/proactive/") == [mine.number]
    assert linked("street", f"/proactive/panel/?area={t.street1.code}") == [other.number, mine.number]
    assert linked("district", "/proactive/panel/") == [other.number, far.number, mine.number]
