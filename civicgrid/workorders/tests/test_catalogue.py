"""The default catalogue is in every database; load-catalogue is idempotent and refuses bad files whole."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.core.models import AuditEvent
from civicgrid.workorders.catalogue import DEFAULT_CATALOGUE, load_default_catalogue
from civicgrid.workorders.models import Category

pytestmark = pytest.mark.django_db


def test_default_catalogue_shape():
    load_default_catalogue()  # idempotent; a transactional test elsewhere may have flushed the tables
    assert Category.objects.filter(level=1).count() == 16
    leaves = Category.objects.filter(level=3)
    assert leaves.count() == 537  # the real catalogue's 517 and 20 grid matters (基层治理)
    assert Category.objects.get(code="010213").path == "01/0102/010213/"
    assert (Category.objects.get(code="010213").is_utility, Category.objects.get(code="010213").default_priority) == (
        True, "urgent")
    assert set(Category.objects.filter(is_utility=True).values_list("name", flat=True)) == {
        "燃气供应", "电力供应", "自来水供应", "冬季采暖"}
    assert not Category.objects.filter(path__startswith="05/", is_private=False).exists()  # 纪检监察


def run(path) -> str:
    out = io.StringIO()
    call_command("load_catalogue", str(path), stdout=out)
    return out.getvalue().strip()


def test_load_is_idempotent_and_updates(tmp_path):
    load_default_catalogue()
    assert run(DEFAULT_CATALOGUE).endswith("0 created, 0 updated, 675 unchanged")
    own = tmp_path / "own.csv"
    own.write_text("code,name,parent,keywords,is_private,is_utility,default_priority\n"
                   "010216,供水,0102,停水 断水,0,1,urgent\n"
                   "17,海洋渔业,,,0,0,normal\n"
                   "1701,渔港,17,渔船 渔港,0,0,normal\n", encoding="utf-8")
    assert run(own).endswith("2 created, 1 updated, 0 unchanged")
    water = Category.objects.get(code="010216")
    assert (water.name, water.keywords, water.default_priority) == ("供水", "停水\n断水", "urgent")
    assert Category.objects.get(code="1701").path == "17/1701/"
    assert run(own).endswith("0 created, 0 updated, 3 unchanged")
    assert AuditEvent.objects.filter(action="catalogue.load").count() == 3


def test_bad_file_is_refused_whole(tmp_path):
    load_default_catalogue()
    before = Category.objects.count()
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,parent,default_priority\n18,新类,,soon\n1801,子类,99,normal\n010101A,,01,normal\n",
                   encoding="utf-8")
    with pytest.raises(CommandError) as info, translation.override("en"):
        run(bad)
    message = str(info.value)
    assert "line 2: default_priority must be normal or urgent, got 'soon'." in message
    assert "line 4: the name must be 1 to 60 characters." in message
    assert Category.objects.count() == before
    deep = tmp_path / "deep.csv"
    deep.write_text("code,name,parent\n01010101,第四级,010101\n", encoding="utf-8")
    with pytest.raises(CommandError, match="将超出第三级分类"):
        run(deep)
    assert Category.objects.count() == before
