"""The cached live scan is kept per language: its titles are words, and the first reader's language
used to be what every reader (and the Chinese monthly report) saw until the cache expired."""

from __future__ import annotations

from unittest import mock

import pytest
from django.utils import translation

from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.proactive import selectors
from civicgrid.workorders.testing import make_world

from .helpers import NOW, spike_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(settings):
    settings.PROACTIVE = {"cache_seconds": 600}
    world = make_world()
    spike_world(world)
    return world


def _spike_titles(w) -> list[str]:
    j = jurisdiction_for(w.users["street"])
    return [f.title for f in selectors.current(j, w.tree.street1).findings if f.kind == "spike"]


def test_an_english_reader_first_does_not_make_the_chinese_titles_english(w):
    real = selectors.scan_area
    with mock.patch.object(selectors, "scan_area", side_effect=lambda area, now=None, **kw: real(area, now=NOW, **kw)) as scan:
        with translation.override("en"):
            english = _spike_titles(w)
        with translation.override("zh-hans"):
            chinese = _spike_titles(w)
        with translation.override("en"):
            assert _spike_titles(w) == english
        assert scan.call_count == 2  # one scan per language, each cached
    grid = w.tree.grid1.name
    assert len(english) == 1 and english[0].startswith(f"{grid}: ") and "appeals surged (10 in 7 days" in english[0]
    assert len(chinese) == 1 and chinese[0].startswith(grid) and "诉求激增（7天10件" in chinese[0]
