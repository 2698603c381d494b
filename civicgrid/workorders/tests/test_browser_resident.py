"""In a real browser: a resident signs in by phone, reports a problem and tracks it."""

from __future__ import annotations

import re

import pytest

from civicgrid.core.sms import LogSmsGateway
from civicgrid.workorders.models import Appeal, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district():
    from civicgrid.demo import builder

    builder.build(seed=builder.DEFAULT_SEED, scale="small", progress=False)


def test_resident_signs_in_reports_and_tracks(live_server, page, district):
    phone = "13700001234"
    page.goto(f"{live_server.url}/accounts/resident/")
    page.fill("input[name=phone]", phone)
    page.click("main button[type=submit]")
    page.wait_for_selector("input[name=code]")
    code = re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)
    page.fill("input[name=code]", code)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/portal/")  # signed in: home sends a resident to the portal

    page.goto(f"{live_server.url}/orders/report/")
    page.fill("#id_title", "楼道灯不亮")
    page.fill("#id_text", "3号楼2单元楼道灯坏了一周，晚上很黑。")
    from civicgrid.geo.models import Building

    building = Building.objects.order_by("code").first()
    page.fill("#id_address", building.address)
    page.click("main button[type=submit]")
    page.wait_for_selector("text=SQ")
    tracking = re.search(r"SQ\d{14}", page.inner_text("main")).group(0)

    appeal = Appeal.objects.select_related("order").get(tracking_number=tracking)
    assert (appeal.title, appeal.order.status, appeal.reporter.phone, appeal.building_id) == (
        "楼道灯不亮", Status.NEW, phone, building.pk)

    page.goto(f"{live_server.url}/orders/track/{tracking}/")
    page.fill("#phone", phone)
    page.click("main button[type=submit]")
    page.wait_for_selector("text=楼道灯不亮")
    from django.utils import translation

    with translation.override("zh-hans"):
        assert str(Status.NEW.label) in page.inner_text("main")
