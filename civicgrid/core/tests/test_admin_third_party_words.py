"""The Chinese admin names django-axes' lockout records in Chinese (axes ships no Chinese)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_admin_index_and_lockout_pages_are_chinese(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    index = client.get("/admin/").content.decode()
    assert "登录锁定" in index
    assert ">登录尝试<" in index and ">登录失败<" in index and ">登录日志<" in index
    assert "Access attempts" not in index and "Axes" not in index
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(username="zhang", ip_address="10.0.0.1", user_agent="Mozilla/5.0", path_info="/accounts/login/",
                                 failures_since_start=3, get_data="", post_data="", http_accept="*/*")
    attempts = client.get("/admin/axes/accessattempt/").content.decode()
    assert "选择 登录尝试 来修改" in attempts
    assert "失败次数" in attempts and "浏览器标识" in attempts and "Failed Logins" not in attempts
