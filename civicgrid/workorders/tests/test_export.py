"""Excel export of any list: exactly the filtered rows, Chinese headers, audited, capped."""

import io
import re

import openpyxl
import pytest
from django.utils import translation

from civicgrid.core.models import AuditEvent
from civicgrid.workorders import workbench_views
from civicgrid.workorders.models import Status
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = make_world()
    world.a = make_order(world, title="甲", is_overdue=True)
    world.b = make_order(world, title="乙", area=world.tree.grid3)
    world.c = make_order(world, title="丙", status=Status.DISPATCHED, unit=world.units["cg"])
    world.far = make_order(world, title="四方", area=world.tree.grid4)
    return world


def read(response):
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return book, [[c.value for c in row] for row in book.worksheets[0].iter_rows()]


def test_a_queue_export_holds_exactly_the_queue_with_chinese_headers_and_is_audited(client, w):
    client.force_login(w.users["street"])
    response = client.get("/orders/export/", {"queue": "to_dispatch"})
    book, table = read(response)
    assert table[0][:4] == ["工单编号", "标题", "状态", "分类"]
    assert [r[0] for r in table[1:]] == [w.a.number, w.b.number]  # the queue's own order: overdue first
    with translation.override("zh-hans"):
        assert table[1][1:3] == ["甲", str(Status.NEW.label)]
    assert response["X-Export-Rows"] == "2"
    assert book.sheetnames == ["工单"]
    audit = AuditEvent.objects.get(action="orders.export")
    assert (audit.actor, audit.changes) == (w.users["street"], {
        "filters": {"queue": "to_dispatch"}, "rows": 2, "total": 2, "capped": False})


def test_a_search_export_holds_the_same_rows_as_the_list(client, w):
    client.force_login(w.users["district"])
    query = {"area": w.tree.street1.code, "status": ["new", "dispatched"], "ordering": "number"}
    html = client.get("/orders/list/", query).content.decode()
    listed = re.findall(r'data-number="([^"]+)"', html)
    _book, table = read(client.get("/orders/export/", query))
    assert [r[0] for r in table[1:]] == listed == sorted([w.a.number, w.b.number, w.c.number])
    assert AuditEvent.objects.get(action="orders.export").changes["filters"] == {
        "area": w.tree.street1.code, "status": ["new", "dispatched"], "ordering": "number"}
    # The list links to this very export.
    assert "/orders/export/?area=370203020000&amp;status=new&amp;status=dispatched&amp;ordering=number" in html


def test_the_export_never_leaves_the_jurisdiction(client, w):
    client.force_login(w.users["street2"])
    _book, table = read(client.get("/orders/export/", {"area": w.tree.street1.code}))
    assert table == [table[0]]  # the header only
    _book, table = read(client.get("/orders/export/"))
    assert [r[0] for r in table[1:]] == [w.far.number]


def test_a_capped_export_says_so(client, w, monkeypatch):
    monkeypatch.setattr(workbench_views, "MAX_EXPORT_ROWS", 2)
    client.force_login(w.users["district"])
    response = client.get("/orders/export/", {"ordering": "number"})
    book, table = read(response)
    assert [r[0] for r in table[1:]] == sorted(o.number for o in w.orders)[:2]
    assert (response["X-Export-Rows"], response["X-Export-Capped"]) == ("2", "4")
    assert "只导出了前 2 个工单（共 4 个）" in book.worksheets[1]["A1"].value
    assert AuditEvent.objects.get(action="orders.export").changes["capped"] is True
    assert "导出文件最多包含前 2 行" in client.get("/orders/list/").content.decode()


def test_invalid_export_filters_export_nothing_and_audit_nothing(client, w):
    client.force_login(w.users["district"])
    response = client.get("/orders/export/", {"status": "bogus"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="orders.export").count() == 0
