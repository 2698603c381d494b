"""The echo wall as residents read it: search over public text only, category filter."""

from __future__ import annotations

import pytest
from django.utils import timezone

from civicgrid.workorders.models import Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def published(w, title, answer, category):
    order = make_order(w, title=title, status=Status.CLOSED, category=category)
    WorkOrder.objects.filter(pk=order.pk).update(public_answer=answer, answer=answer, published_at=timezone.now(),
                                                 closed_at=timezone.now())
    return order


def test_search_finds_words_of_the_published_answer_only(client, w):
    road = published(w, "张三反映路面坑洼", "路面已修补完毕。", w.categories["road"])
    gas = published(w, "燃气表漏气", "燃气公司已上门检修。", w.categories["gas"])
    found = client.get("/echo/", {"q": "修补"}).content.decode()
    assert road.number in found and gas.number not in found
    # The raw title is not searched: a name in it must not be findable.
    assert road.number not in client.get("/echo/", {"q": "张三"}).content.decode()


def test_category_filter_offers_the_upper_two_levels(client, w):
    road = published(w, "路面坑洼", "路面已修补完毕。", w.categories["road"])
    gas = published(w, "燃气表漏气", "燃气公司已上门检修。", w.categories["gas"])
    page = client.get("/echo/", {"category": "010102"}).content.decode()
    assert gas.number in page and road.number not in page
    assert '<option value="010102" selected>— 燃气供应</option>' not in page  # level 3 is not offered
    assert '<option value="0101">— 市政管理</option>' in page
