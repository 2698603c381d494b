"""The suggester at intake: the active model of the appeal's scope, and every fallback to keywords."""

from __future__ import annotations

import logging

import pytest

from civicgrid.classify import runtime
from civicgrid.classify.engine import TextClassifier
from civicgrid.classify.testing import make_version, synthetic_rows, trained_model
from civicgrid.workorders.intake import submit_appeal
from civicgrid.workorders.models import Category, Channel
from civicgrid.workorders.suggest import keyword_suggester, suggest_category
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db

IN_G1 = (120.305, 36.055)  # grid 1, street 1
IN_G4 = (120.345, 36.055)  # grid 4, street 2
BUS = "公交车班次太少，早上等车要一个小时"


@pytest.fixture(autouse=True)
def _fresh_models():
    runtime.forget_models()
    yield
    runtime.forget_models()


@pytest.fixture
def w():
    return make_world()


def code(category):
    return category.code if category is not None else None


def test_no_model_means_the_keyword_rules(w):
    text = "家里停水三天了，水压很低"
    assert tuple(suggest_category(text, area=w.tree.grid1)) == tuple(keyword_suggester(text))
    assert runtime.explain(text).source == "keywords"


def test_the_active_model_suggests_with_confidence_and_top3(w):
    make_version(active=True)
    s = suggest_category(BUS, area=w.tree.grid1)
    assert code(s.category) == "06"  # 交通运输 of the default catalogue
    assert 0.0 < s.confidence <= 1.0
    assert [code(c) for c, _p in s.top3][0] == "06" and len(s.top3) == 3
    assert s.top3[0][1] == s.confidence
    e = runtime.explain(BUS, w.tree.grid1)
    assert (e.source, e.version) == ("model", 1)


def test_an_inactive_version_is_not_used(w):
    make_version(active=False)
    assert runtime.explain(BUS, w.tree.grid1).source == "keywords"


def _relabelled_model():
    """A model that calls bus complaints 教育文体: shows which version answered."""
    rows = synthetic_rows(30)
    swap = {"交通运输": "教育文体", "教育文体": "交通运输"}
    return TextClassifier().fit([t for t, _l in rows], [swap.get(lbl, lbl) for _t, lbl in rows])


def test_the_deepest_active_scope_wins(w):
    make_version(active=True)
    make_version(area=w.tree.street1, active=True, model=_relabelled_model())
    assert code(suggest_category(BUS, area=w.tree.grid1).category) == "14"  # street 1's own model
    assert code(suggest_category(BUS, area=w.tree.grid4).category) == "06"  # street 2: the platform's


def test_a_model_of_another_sklearn_version_falls_back_with_a_warning(w, caplog):
    data = trained_model().to_bytes().replace(b'"sklearn": "', b'"sklearn": "0.0.', 1)
    make_version(active=True, model_data=data)
    with caplog.at_level(logging.WARNING, logger="civicgrid.classify"):
        s = suggest_category(BUS, area=w.tree.grid1)
    assert tuple(s) == tuple(keyword_suggester(BUS))
    assert "Category suggestions fall back to the keyword rules" in caplog.text
    assert "scikit-learn 0.0." in caplog.text


def test_a_damaged_model_row_falls_back(w):
    make_version(active=True, model_data=b"garbage")
    assert runtime.explain(BUS, w.tree.grid1).source == "keywords"


@pytest.mark.parametrize("text", ["", "   ", "The bus never comes, please add more buses"])
def test_empty_and_non_chinese_texts_fall_back(w, text):
    make_version(active=True)
    assert runtime.explain(text, w.tree.grid1).source == "keywords"


def test_mixed_text_still_uses_the_model(w):
    make_version(active=True)
    assert runtime.explain("No.5 bus 公交车班次太少，等车一小时", w.tree.grid1).source == "model"


def test_labels_without_a_category_fall_back(w):
    rows = synthetic_rows(10)
    odd = TextClassifier().fit([t for t, _l in rows], [f"未知{lbl}" for _t, lbl in rows])
    make_version(active=True, model=odd)
    assert runtime.explain(BUS, w.tree.grid1).source == "keywords"


def test_an_error_inside_the_model_never_reaches_intake(w, monkeypatch):
    make_version(active=True)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(TextClassifier, "predict_one", broken)
    assert runtime.explain(BUS, w.tree.grid1).source == "keywords"


def test_huge_text_is_capped_and_said_so(w):
    make_version(active=True)
    e = runtime.explain(BUS * 1000, w.tree.grid1)
    assert (e.source, code(e.category), e.capped_at) == ("model", "06", 5000)


@pytest.mark.parametrize("label,level,expected", [
    ("06", 1, "06"), ("交通运输", 1, "06"), ("01/0101/", 2, "0101"), ("城乡建设/市政管理", 2, "0101"),
    ("市政管理", 2, "0101"), ("不存在", 1, None), ("", 1, None),
])
def test_label_mapping(w, label, level, expected):
    assert code(runtime.category_for_label(label, level)) == expected


def test_inactive_categories_are_not_mapped(w):
    Category.objects.filter(code="06").update(is_active=False)
    from civicgrid.workorders import catalogue

    catalogue.forget()
    assert runtime.category_for_label("交通运输", 1) is None


# --- intake ---------------------------------------------------------------------------------------
def test_intake_keeps_the_models_suggestion_on_the_appeal(w):
    make_version(active=True)
    result = submit_appeal(channel=Channel.WEB, actor=w.users["resident"], title="公交车太少", text=BUS,
                           lon=IN_G1[0], lat=IN_G1[1])
    appeal = result.appeal
    assert code(appeal.suggested_category) == "06" and code(result.order.category) == "06"
    assert appeal.suggestion_confidence == result.category_suggestion.confidence > 0


def test_the_operators_choice_is_what_the_order_keeps(w):
    make_version(active=True)
    result = submit_appeal(channel=Channel.HOTLINE, actor=w.users["hotline"], title="公交车太少", text=BUS,
                           lon=IN_G1[0], lat=IN_G1[1], category_code="010101", reporter_phone="13900000009")
    assert code(result.order.category) == "010101" and code(result.appeal.category) == "010101"
    assert result.appeal.suggested_category is None


def test_intake_works_with_no_model_at_all(w):
    result = submit_appeal(channel=Channel.WEB, actor=w.users["resident"], title="路面坑洼",
                           text="恩县路12号门前路面有坑", lon=IN_G1[0], lat=IN_G1[1])
    assert result.order.pk is not None and result.category_suggestion is not None


def test_intake_survives_a_broken_model(w):
    make_version(active=True, model_data=b"CIVICGRID-CLASSIFIER\n{}\n")
    result = submit_appeal(channel=Channel.WEB, actor=w.users["resident"], title="公交车太少", text=BUS,
                           lon=IN_G1[0], lat=IN_G1[1])
    assert result.order.pk is not None
