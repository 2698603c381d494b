"""Model versions: training from closed orders, activation, rollback, audit, one active per scope."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from civicgrid.classify import services
from civicgrid.classify.models import ModelVersion
from civicgrid.classify.selectors import training_data_from_orders
from civicgrid.classify.testing import TOPICS, make_version, synthetic_rows
from civicgrid.core.models import AuditEvent
from civicgrid.workorders.models import Category, Status
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def closed_orders(w, per_class=8, area=None):
    """Closed orders whose final category is a level-2 category under each synthetic label's
    level-1 category; the appeal's suggestion was something else (it must not be the label)."""
    wrong = Category.objects.filter(parent__code="15").order_by("code").first()  # 劳动和社会保障: never a label
    for text, label in synthetic_rows(per_class, seed=3):
        level1 = Category.objects.get(name=label, level=1)
        final = level1.children.order_by("code").first()
        order = make_order(w, status=Status.CLOSED, category=final, title=text.split("\n")[0], text=text,
                           area=area or w.tree.grid1)
        order.appeals.update(suggested_category=wrong, category=wrong)


def active(scope_path=""):
    return list(ModelVersion.objects.filter(scope_path=scope_path, is_active=True).values_list("number", flat=True))


def test_training_data_uses_the_final_category_at_the_level(w):
    closed_orders(w, per_class=3)
    make_order(w, status=Status.IN_PROGRESS, text="公交车太少")  # not closed: not used
    data, names = training_data_from_orders("", 1)
    assert len(data.labels) == 12
    assert sorted(set(data.labels)) == ["01", "04", "06", "14"]
    assert names == {"01": "城乡建设", "04": "环境保护", "06": "交通运输", "14": "教育文体"}
    data2, _n = training_data_from_orders("", 2)
    # The appeals' own (wrong) category is never the label.
    assert sorted(set(data2.labels)) == ["0101", "0401", "0601", "1401"]


def test_training_data_is_scoped(w):
    closed_orders(w, per_class=2, area=w.tree.grid1)
    closed_orders(w, per_class=1, area=w.tree.grid4)
    assert len(training_data_from_orders(w.tree.street2.path, 1)[0].labels) == 4
    assert len(training_data_from_orders(w.tree.street1.path, 1)[0].labels) == 8


def test_train_from_orders_command_stores_a_version(w):
    closed_orders(w)
    out = io.StringIO()
    call_command("classify", "train", "--from-orders", "--area", w.tree.district.code, "--activate", stdout=out)
    v = ModelVersion.objects.get()
    assert (v.number, v.scope_area, v.level, v.rows, v.is_active, v.source) == (1, w.tree.district, 1, 32, True, "orders")
    assert [label["label"] for label in v.labels] == ["01", "04", "06", "14"]
    assert [label["name"] for label in v.labels] == ["城乡建设", "环境保护", "交通运输", "教育文体"]
    assert set(v.metrics) >= {"macro_f1", "macro_f1_std", "accuracy", "folds", "per_class"}
    assert v.metrics["folds"] == 5 and 0 <= v.metrics["macro_f1"] <= 1
    text = out.getvalue()
    assert "训练完成：32 行，4 个标签" in text
    assert "  标签：01 城乡建设 (8), 04 环境保护 (8), 06 交通运输 (8), 14 教育文体 (8)" in text.splitlines()
    assert "已保存为 市北区 的版本 1（启用中）" in text
    assert AuditEvent.objects.filter(action="classify.train", object_id=str(v.pk)).count() == 1
    assert AuditEvent.objects.filter(action="classify.activate", object_id=str(v.pk)).count() == 1


def test_train_from_orders_with_too_little_data(w):
    closed_orders(w, per_class=2)
    with pytest.raises(CommandError) as err:
        call_command("classify", "train", "--from-orders", stdout=io.StringIO())
    assert str(err.value) == "训练数据不足：0 个标签共 0 行可用；至少需要两个标签，每个标签至少 5 行。"
    assert ModelVersion.objects.count() == 0


def test_train_from_orders_unknown_area(w):
    with pytest.raises(CommandError) as err:
        call_command("classify", "train", "--from-orders", "--area", "999", stdout=io.StringIO())
    assert str(err.value) == "没有编码为 999 的区域。"


def test_train_from_a_file_can_store_a_version(w, tmp_path):
    from civicgrid.classify.testing import write_csv

    path = write_csv(tmp_path / "t.csv", synthetic_rows(6))
    out = io.StringIO()
    call_command("classify", "train", "--data", str(path), "--store", stdout=out)
    v = ModelVersion.objects.get()
    assert (v.source, v.scope_path, v.is_active, v.rows) == ("file", "", False, 24)
    assert "已保存为 全平台 的版本 1（未启用）" in out.getvalue()


def test_activate_replaces_the_active_version_and_audits(w):
    v1 = make_version(active=True)
    v2 = make_version(number=2)
    services.activate_version(actor=w.users["admin"], version=v2)
    assert active() == [2]
    audit = AuditEvent.objects.get(action="classify.activate")
    assert (audit.actor, audit.object_id, audit.changes) == (w.users["admin"], str(v2.pk), {"active_version": [1, 2]})
    v1.refresh_from_db()
    assert v1.is_active is False


def test_rollback_goes_to_the_version_before(w):
    make_version(number=1)
    make_version(number=2)
    make_version(number=3, active=True)
    back = services.rollback(actor=w.users["admin"], scope_path="")
    assert back.number == 2 and active() == [2]
    audit = AuditEvent.objects.get(action="classify.rollback")
    assert audit.changes == {"active_version": [3, 2]}
    services.rollback(actor=w.users["admin"], scope_path="")
    assert active() == [1]


def test_rollback_with_no_earlier_version_changes_nothing(w):
    make_version(number=1, active=True)
    before = AuditEvent.objects.count()
    with pytest.raises(services.ClassifyError) as err:
        services.rollback(actor=w.users["admin"], scope_path="")
    assert str(err.value) == "版本 1 是此范围的第一个版本：没有更早的版本可回滚。"
    assert active() == [1] and AuditEvent.objects.count() == before


def test_rollback_with_nothing_active(w):
    make_version(number=1)
    with pytest.raises(services.ClassifyError, match="此范围没有启用的版本"):
        services.rollback(actor=w.users["admin"], scope_path="")


def test_activating_the_active_version_is_refused(w):
    v = make_version(active=True)
    with pytest.raises(services.ClassifyError) as err:
        services.activate_version(actor=w.users["admin"], version=v)
    assert str(err.value) == "版本 1 已经是启用状态。"


def test_a_district_commander_manages_only_scopes_in_the_district(w):
    d1 = make_version(area=w.tree.district, number=1, active=True)
    d2 = make_version(area=w.tree.district, number=2)
    services.activate_version(actor=w.users["district"], version=d2)
    assert active(w.tree.district.path) == [2]
    g = make_version(number=1)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.activate_version(actor=w.users["district"], version=g)  # the whole platform: admins only
    with pytest.raises(PermissionDenied):
        services.rollback(actor=w.users["street"], scope_path=w.tree.district.path)
    assert active() == [] and active(w.tree.district.path) == [2] and AuditEvent.objects.count() == before
    assert d1.pk


def test_the_database_allows_one_active_version_per_scope(w):
    make_version(active=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_version(number=2, active=True)
    make_version(area=w.tree.district, active=True)  # another scope may have its own
    assert ModelVersion.objects.filter(is_active=True).count() == 2


def test_version_numbers_are_per_scope(w):
    closed_orders(w, per_class=5)
    from civicgrid.classify.selectors import training_data_from_orders as data_for

    a = services.train_version(actor=None, data=data_for("", 1)[0]).version
    b = services.train_version(actor=None, data=data_for("", 1)[0]).version
    c = services.train_version(actor=None, data=data_for(w.tree.district.path, 1)[0], area=w.tree.district).version
    assert (a.number, b.number, c.number) == (1, 2, 1)
    assert len(TOPICS) == len(a.labels)
