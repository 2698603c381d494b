"""A task confirmed by a commander who reads English opens its work order in Chinese: the order
is read by the handling unit, and it used to carry the commander's English words."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import Client
from django.utils import translation

from civicgrid.proactive import selectors
from civicgrid.proactive.models import ProactiveTask
from civicgrid.workorders.models import Responsibility
from civicgrid.workorders.testing import make_world

from .helpers import NOW, spike_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(settings):
    settings.PROACTIVE = {"cache_seconds": 0}
    world = make_world()
    Responsibility.objects.create(category=world.categories["root"], area=world.tree.district,
                                  area_path=world.tree.district.path, unit=world.units["cg"], level="district")
    spike_world(world)
    real = selectors.scan_area
    with mock.patch.object(selectors, "scan_area", side_effect=lambda area, now=None, **kw: real(
            area, now=NOW if now is None else now, **kw)):
        yield world


def test_an_english_commander_opens_the_order_in_chinese_and_still_reads_english(w):
    with translation.override("en"):
        shown = selectors.scan_area(w.tree.street1, kinds=["spike"])[0]
    with translation.override("zh-hans"):
        chinese = selectors.scan_area(w.tree.street1, kinds=["spike"])[0].title
    assert "appeals surged" in shown.title and "诉求激增" in chinese
    c = Client()
    c.force_login(w.users["street"])
    c.cookies["django_language"] = "en"
    page = c.post("/proactive/tasks/create/", {"key": shown.key, "area": w.tree.street1.code}, follow=True)
    task = ProactiveTask.objects.get()
    assert (task.title, task.order.title) == (chinese, chinese)
    text = task.order.appeals.get().text
    assert text.startswith(chinese + "\n") and "appeals" not in text and "Sample orders" not in text
    # The commander's own page stays English.
    assert '<html lang="en">' in page.content.decode()
