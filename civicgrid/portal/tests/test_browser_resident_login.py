"""In a real browser at phone width: a resident who mistypes the number or the code while signing
in is told so on the page (the form posts through htmx, which by default drops a 400 answer)."""

from __future__ import annotations

import re

import pytest

from civicgrid.core.sms import LogSmsGateway
from civicgrid.people.models import OneTimeCode, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13700005678"


def errors(page) -> list[str]:
    return [t.strip() for t in page.locator("#resident-login .errorlist").all_inner_texts()]


def test_wrong_number_and_wrong_code_are_shown_and_change_nothing(live_server, page):
    page.goto(f"{live_server.url}/accounts/resident/")
    page.wait_for_function("window.htmx !== undefined")

    page.fill("#id_phone", "12345")
    page.click("text=获取验证码")
    page.wait_for_selector("#resident-login .errorlist")
    assert errors(page) == ["请输入 11 位中国大陆手机号码，例如 13812345678。"]
    assert page.input_value("#id_phone") == "12345"
    assert OneTimeCode.objects.count() == 0

    page.fill("#id_phone", PHONE)
    page.click("text=获取验证码")
    page.wait_for_selector("#id_code")
    assert [p for p, _m in LogSmsGateway.sent] == [PHONE]
    code = re.search(r"\b(\d{6})\b", LogSmsGateway.sent[-1][1]).group(1)

    page.fill("#id_code", "000000" if code != "000000" else "000001")
    page.click("button:text-is('登录')")
    page.wait_for_selector("#resident-login .errorlist")
    assert errors(page) == ["验证码错误、已过期或已被使用。请核对短信，或重新获取验证码。"]
    assert not User.objects.filter(phone=PHONE).exists()

    page.click("text=重新发送验证码")  # too soon: the wait is shown, no second text goes out
    page.wait_for_selector("#resident-login .errorlist:has-text('秒后再重新获取')")
    assert re.fullmatch(r"验证码刚刚已发送，请等待 \d+ 秒后再重新获取。", errors(page)[0])
    assert len(LogSmsGateway.sent) == 1

    page.fill("#id_code", code)
    page.click("button:text-is('登录')")
    page.wait_for_url(f"{live_server.url}/portal/")
    assert User.objects.filter(phone=PHONE).count() == 1
