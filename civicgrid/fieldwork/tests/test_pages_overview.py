"""The care, patrol-log, coverage and 包联 pages: who may see what, and what they show."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from civicgrid.fieldwork import selectors
from civicgrid.fieldwork.models import Patrol
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import BaolianAssignment

from .helpers import care_world, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return care_world()


def households_listed(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-household="(\d+)"', html)]


def test_care_page_per_worker_and_per_grid(client, w):
    t = w.tree
    client.force_login(w.users["grid"])
    html = client.get("/field/care/").content.decode()
    assert households_listed(html) == [w.F.pk, w.D.pk, w.A.pk, w.G.pk]
    assert "4 户重点关爱户逾期未走访。" in html
    assert "王党员" in html and "张三" not in html and "欧阳娜娜" not in html
    assert f'href="/field/visits/?household={w.A.pk}&amp;next=/field/care/"' in html
    assert client.get("/field/care/", {"grid": t.grid3.code}).status_code == 404
    assert "需关爱走访：4 户" in client.get("/field/").content.decode()
    client.force_login(w.users["community"])
    assert households_listed(client.get("/field/care/", {"grid": t.grid1.code}).content.decode()) == [
        w.F.pk, w.D.pk, w.A.pk, w.G.pk]
    assert client.get("/field/care/", {"grid": t.grid3.code}).status_code == 404
    client.force_login(w.users["street"])
    assert households_listed(client.get("/field/care/").content.decode()) == [w.F.pk, w.C.pk, w.D.pk, w.A.pk, w.G.pk, w.B.pk]


@pytest.mark.parametrize("path", ["/field/care/", "/field/patrols/", "/field/coverage/", "/field/baolian/"])
def test_overview_pages_refuse_people_without_an_area(client, w, path):
    client.force_login(w.users["dept"])
    assert client.get(path).status_code == 403
    client.force_login(w.users["resident"])
    assert client.get(path).status_code == 403
    client.logout()
    assert client.get(path).status_code == 302


def test_visit_form_prefilled_from_the_care_list_only_with_own_households(client, w):
    client.force_login(w.users["grid"])
    html = client.get("/field/visits/", {"household": w.A.pk, "next": "/field/care/"}).content.decode()
    assert f'<option value="{w.A.pk}" selected>' in html
    assert 'name="next" value="/field/care/"' in html
    # Another grid's household is not offered; an outside "next" is dropped (no open redirect).
    html = client.get("/field/visits/", {"household": w.C.pk, "next": "https://evil.example/"}).content.decode()
    options = html.split('id="id_household"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\d*)" selected>', options) == [""]
    assert f'<option value="{w.C.pk}"' not in options
    assert 'id="id_next"' in html and 'value="https://evil.example/"' not in html


def test_patrol_log_page(client, w):
    t = w.tree
    Patrol.objects.create(worker=w.users["grid"], grid=t.grid1, area_path=t.grid1.path, started_at=local(2026, 3, 10, 9),
                          ended_at=local(2026, 3, 10, 10, 25), route=[[120.305, 36.055, ""], [120.306, 36.055, ""]],
                          findings=1)
    Patrol.objects.create(worker=w.users["grid3"], grid=t.grid3, area_path=t.grid3.path, started_at=local(2026, 3, 11, 9))
    client.force_login(w.users["grid"])
    html = client.get("/field/patrols/").content.decode()
    rows = re.findall(r'<tr data-patrol="\d+">(.*?)</tr>', html, re.S)
    assert len(rows) == 1
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", rows[0], re.S)]
    assert cells[1:7] == ["恩县路第一网格", "grid", "85", "90", "1", "0"]
    client.force_login(w.users["street"])
    assert len(re.findall(r'<tr data-patrol=', client.get("/field/patrols/").content.decode())) == 2
    bad = client.get("/field/patrols/", {"month": "2026/03"})
    assert bad.status_code == 400 and "请按 YYYY-MM 填写月份" in bad.content.decode()


def test_coverage_page_with_chart_data(client, w):
    t = w.tree
    client.force_login(w.users["street"])
    html = client.get("/field/coverage/", {"month": "2026-03", "level": "grid"}).content.decode()
    assert 'id="chart-coverage"' in html and "echarts.min.js" in html
    rows = dict(re.findall(r'<tr data-area="(\d+)">.*?<td class="num">[^<]*</td><td class="num">[^<]*</td><td class="num">([^<]*)</td>',
                           html, re.S))
    assert rows == {t.grid3.code: "33.3%", t.grid1.code: "20.0%", t.grid2.code: "—"}
    assert client.get("/field/coverage/", {"area": t.street2.code}).status_code == 404
    assert client.get("/field/coverage/", {"area": t.community1.code, "month": "2026-02"}).status_code == 200
    # A grid worker sees their own grid, nothing beside or above it.
    client.force_login(w.users["grid"])
    own = client.get("/field/coverage/", {"month": "2026-03"}).content.decode()
    assert re.findall(r'<tr data-area="(\d+)">', own) == [t.grid1.code]
    for other in (t.grid2, t.grid3, t.community1, t.district):
        assert client.get("/field/coverage/", {"area": other.code}).status_code == 404


def test_baolian_page_chain_and_gaps(client, w):
    t = w.tree
    BaolianAssignment.objects.create(cadre=w.users["district"], level="street", area=t.street1, area_path=t.street1.path)
    client.force_login(w.users["community"])
    html = client.get("/field/baolian/", {"household": w.A.pk}).content.decode()
    chain = re.findall(r'<li data-level="(\w+)">', html)
    assert chain == ["household", "building", "community", "street"]
    assert "王党员" in html and "无人包联（空缺）" in html and "张*" in html and "张三" not in html
    gaps = client.get("/field/baolian/", {"area": t.community1.code}).content.decode()
    assert gaps.count('data-gap="building"') == 1 and gaps.count('data-gap="household"') == 3
    assert gaps.count('data-gap="community"') == 1
    assert client.get("/field/baolian/", {"household": w.C.pk}).status_code == 404
    assert client.get("/field/baolian/", {"area": t.street2.code}).status_code == 404


def test_center_figures_and_partial(w):
    t = w.tree
    Patrol.objects.create(worker=w.users["grid"], grid=t.grid1, area_path=t.grid1.path, started_at=local(2026, 3, 10, 9),
                          ended_at=local(2026, 3, 10, 9, 40))
    figures = selectors.center_figures(jurisdiction_for(w.users["street"]), now=local(2026, 3, 20))
    # March: visits to A (10th), F (13th, enterprise) and B (10th); households 8, of which A and B visited.
    assert figures == {"month": "2026-03", "visits": 3, "households": 8, "households_visited": 2, "coverage": 25.0,
                       "overdue_care": 6, "patrols": 1}
    community = selectors.center_figures(jurisdiction_for(w.users["community"]), now=local(2026, 3, 20))
    assert (community["visits"], community["households"], community["households_visited"], community["patrols"]) == (
        2, 5, 1, 1)
    # The street's command center looking at one community sees that community's figures only.
    inside = selectors.center_figures(jurisdiction_for(w.users["street"]), area=t.community1, now=local(2026, 3, 20))
    assert inside == community and inside != figures
    assert selectors.center_figures(jurisdiction_for(w.users["dept"]), now=local(2026, 3, 20))["visits"] == 0
    html = render_to_string("fieldwork/_center_figures.html", {"figures": figures})
    values = re.findall(r'data-figure="([\w-]+)"><span class="value">([^<]+)</span>', html)
    assert values == [("field-visits", "3"), ("field-coverage", "25.0%"), ("field-overdue-care", "6"), ("field-patrols", "1")]
