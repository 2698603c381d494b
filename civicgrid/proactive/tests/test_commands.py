"""``civicgrid proactive scan`` and ``hot-topics``, and the daily job."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.core import jobs
from civicgrid.proactive.models import ProactiveTask
from civicgrid.workorders.testing import make_world

from .helpers import spike_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = make_world()
    spike_world(world)
    return world


def test_scan_prints_the_findings_and_creates_tasks_only_when_asked(w):
    out = io.StringIO()
    call_command("proactive", "scan", "--area", w.tree.district.code, "--now", "2026-11-23T12:00", stdout=out)
    text = out.getvalue()
    assert "[spike] 恩县路第一网格城乡建设诉求激增（7天10件，预期2.0件）" in text
    assert "Scanned 1 area(s) as of 2026-11-23 12:00" in text and "tasks created 0" in text
    assert ProactiveTask.objects.count() == 0
    with pytest.raises(CommandError):
        call_command("proactive", "scan", "--create", stdout=io.StringIO())
    out = io.StringIO()
    call_command("proactive", "scan", "--now", "2026-11-23T12:00", "--create", "--user", "district", stdout=out)
    assert ProactiveTask.objects.filter(kind="spike").count() == 1
    assert "tasks created" in out.getvalue()


def test_the_daily_job_is_scheduled(settings):
    assert jobs.JOBS["proactive_scan"].path == "civicgrid.proactive.tasks.scan_job"
    assert jobs.available("proactive_scan")
    assert settings.JOBS_SCHEDULE["proactive_scan"] == 86400.0


def test_hot_topics_of_a_small_file(tmp_path):
    rows = ["留言编号,留言用户,留言主题,留言时间,留言详情,反对数,点赞数"]
    for i in range(6):
        rows.append(f"{i},u{i},丽发新城搅拌站噪音扰民,2019/12/{10 + i} 10:00:00,丽发新城附近搅拌站噪音灰尘污染严重,0,{i}")
    for i in range(6):
        rows.append(f"{10 + i},v{i},伊景园滨河苑捆绑销售车位,2019/12/{10 + i} 9:00:00,伊景园滨河苑开发商捆绑销售车位,0,0")
    rows.append("99,z,咨询公积金,2019/12/1 8:00:00,公积金贷款额度,0,0")
    path = tmp_path / "m.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    out = io.StringIO()
    call_command("proactive", "hot-topics", "--data", str(path), stdout=out)
    text = out.getvalue()
    assert text.startswith("13 messages up to 2019-12-15; 2 topics hold 12 of them")
    lines = [line for line in text.splitlines() if ". heat " in line]
    assert len(lines) == 2 and "搅拌站" in lines[0] and "15 likes" in lines[0] and "捆绑" in lines[1]
    with pytest.raises(CommandError):
        call_command("proactive", "hot-topics", "--data", str(tmp_path / "none.csv"))
