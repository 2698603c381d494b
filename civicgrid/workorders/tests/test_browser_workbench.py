"""In a real browser: a street dispatcher bulk-dispatches two orders from the workbench; the
department handler accepts one and resolves it with an answer picked from a response template."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext

from civicgrid.workorders.models import ResponseTemplate, Status, WorkOrder
from civicgrid.workorders.testing import make_order, make_world
from civicgrid.workorders.transitions import TRANSITIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, username):
    # Every response sets the session cookie again (SESSION_SAVE_EVERY_REQUEST): a request of the
    # previous person still in flight would sign them back in after the cookies are cleared.
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/?next=/orders/")
    page.fill("#id_username", username)
    page.fill("#id_password", "x")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/orders/")


def test_dispatcher_bulk_dispatches_and_handler_resolves_with_a_template(live_server, page):
    w = make_world()
    first = make_order(w, title="路灯不亮")
    second = make_order(w, title="井盖缺失")
    third = make_order(w, title="噪音扰民")
    template = ResponseTemplate.objects.create(title="道路设施已修复", body="您好，相关设施已由养护人员修复，感谢反映。",
                                               category=w.categories["sub"], position=0)
    with translation.override("zh-hans"):
        accept_label, resolve_label = str(TRANSITIONS["accept"].label), str(TRANSITIONS["resolve"].label)
        done_resolve = gettext("Done: %(move)s.") % {"move": resolve_label}

    base = live_server.url
    sign_in(page, base, "street")
    assert page.get_attribute(".tabs a[aria-current=page]", "href") == "?queue=to_dispatch"
    page.check(f"#pick-{first.number}")
    page.check(f"#pick-{second.number}")
    page.select_option("#bulk-unit", "D-CG")
    page.click("#bulk-dispatch button[name=bulk]")
    page.wait_for_selector(".messages .success")
    assert f"已派遣 2 个工单：{first.number}, {second.number}。" in page.inner_text(".messages")
    statuses = dict(WorkOrder.objects.values_list("number", "status"))
    assert statuses == {first.number: Status.DISPATCHED, second.number: Status.DISPATCHED, third.number: Status.NEW}
    # The dispatched orders left the queue; the third is still waiting.
    assert page.locator("table.orders tbody tr").evaluate_all("rows => rows.map(r => r.dataset.number)") == [
        third.number]

    sign_in(page, base, "dept")
    assert page.get_attribute(".tabs a[aria-current=page]", "href") == "?queue=to_accept"
    page.click(f"text={first.number}")
    page.wait_for_url(f"{base}/orders/{first.number}/")
    page.click(f"#move-accept button:has-text('{accept_label}')")
    page.wait_for_selector("#move-resolve")
    assert WorkOrder.objects.get(number=first.number).status == Status.ACCEPTED

    page.select_option("#move-resolve .template-picker", label=template.title)
    assert page.input_value("#answer-resolve") == template.body
    page.click("#move-resolve button[type=submit]")
    page.wait_for_selector(".messages .success")
    assert done_resolve in page.inner_text(".messages")
    order = WorkOrder.objects.get(number=first.number)
    assert (order.status, order.answer, order.handler.username) == (Status.RESOLVED, template.body, "dept")
    assert template.body in page.inner_text("main")
    assert WorkOrder.objects.get(number=second.number).status == Status.DISPATCHED
