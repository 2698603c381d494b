"""The suggestion hook: keyword rules by default, any callable named in the settings."""

from __future__ import annotations

import pytest

from civicgrid.workorders import suggest
from civicgrid.workorders.catalogue import get_catalogue
from civicgrid.workorders.models import Category

pytestmark = pytest.mark.django_db


def fixed_suggester(text):
    return Category.objects.get(code="040203"), 0.77, []


def test_keywords_of_the_default_catalogue():
    category, confidence, top3 = suggest.suggest_category("家里停水三天了，水压很低")
    assert category.code == "010216"  # 自来水供应
    assert confidence == 1.0
    assert [c.code for c, _s in top3] == ["010216"]


def test_longer_keywords_weigh_more():
    s = suggest.suggest_category("小区燃气管道漏气，闻到天然气味道")
    assert s.category.code == "010213"
    assert s.top3[0][1] > 0.5


def test_no_keyword_no_suggestion():
    assert tuple(suggest.suggest_category("你好")) == (None, 0.0, [])
    assert tuple(suggest.suggest_category("")) == (None, 0.0, [])


def test_inactive_categories_are_never_suggested():
    Category.objects.filter(code="010216").update(is_active=False)
    from civicgrid.workorders import catalogue

    catalogue.forget()
    assert suggest.suggest_category("家里停水三天了").category is None or \
        suggest.suggest_category("家里停水三天了").category.code != "010216"


def test_the_hook_is_a_setting(settings):
    suggest._load.cache_clear()
    settings.CATEGORY_SUGGESTER = "civicgrid.workorders.tests.test_suggest.fixed_suggester"
    try:
        s = suggest.suggest_category("anything")
        assert (s.category.code, s.confidence, s.top3) == ("040203", 0.77, [])
    finally:
        suggest._load.cache_clear()


def test_snapshot_follows_changes():
    assert "停水" in get_catalogue().keywords
    c = Category.objects.get(code="010216")
    c.keywords = "断水"
    c.save()
    assert "断水" in get_catalogue().keywords and "停水" not in get_catalogue().keywords
