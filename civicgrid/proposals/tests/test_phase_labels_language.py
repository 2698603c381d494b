"""The phase buttons of the campaign's management page are said in the reader's language: the
transitions table is built at import, and its labels used to be frozen in Chinese there."""

from __future__ import annotations

import pytest
from django.utils import translation

from civicgrid.proposals.phases import TRANSITIONS
from civicgrid.proposals.testing import make_campaign

pytestmark = pytest.mark.django_db


def test_move_labels_follow_the_active_language():
    move = TRANSITIONS[("collect", "close")]
    with translation.override("en"):
        assert str(move.label) == "Close: Collecting proposals"
    with translation.override("zh-hans"):
        assert str(move.label) == "关闭：征集提案"


def test_manage_page_buttons_in_english_and_in_chinese(client):
    w, campaign = make_campaign()
    client.force_login(w.users["district"])
    client.cookies["django_language"] = "en"
    page = client.get(f"/proposals/c/{campaign.pk}/manage/").content.decode()
    assert ">Close: Collecting proposals</button>" in page and ">Open: Supporting proposals</button>" in page
    assert "关闭：" not in page and "开启：" not in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get(f"/proposals/c/{campaign.pk}/manage/").content.decode()
    assert ">关闭：征集提案</button>" in page and ">开启：群众支持</button>" in page
