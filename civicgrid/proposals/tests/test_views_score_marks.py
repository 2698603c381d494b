"""The panel's scoring page marks each shortlisted proposal 已评分 or 未评分 for the reader, and
says how many are left: a panellist could not tell which proposals they had already scored."""

from __future__ import annotations

import re

import pytest

from civicgrid.proposals import services
from civicgrid.proposals.testing import add_proposal, make_campaign, set_state

pytestmark = pytest.mark.django_db


def _marks(page: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<section class="card" id="p\d+" data-scored="(\w+)">\s*<h2>([^<]+?) <span class="badge \w+">([^<]+)</span>',
                      page)


def test_each_shortlisted_proposal_says_whether_the_reader_has_scored_it(client):
    w, campaign = make_campaign(state="collect")
    park = add_proposal(w, campaign, title="恩县路口袋公园")
    lights = add_proposal(w, campaign, title="上海路路灯改造", cost=200_000)
    benches = add_proposal(w, campaign, title="社区长椅", cost=50_000)
    set_state(campaign, "screen")
    for p in (park, lights, benches):
        services.screen_proposal(actor=w.users["district"], proposal=p, eligible=True)
    criteria = list(campaign.criteria.all())
    services.score_proposal(actor=w.users["rep0"], proposal=lights, values={c.pk: 7 for c in criteria})
    # Another panellist's scores do not count as the reader's.
    services.score_proposal(actor=w.users["rep1"], proposal=park, values={c.pk: 9 for c in criteria})

    client.force_login(w.users["rep0"])
    page = client.get(f"/proposals/c/{campaign.pk}/score/").content.decode()
    assert _marks(page) == [("no", "恩县路口袋公园", "未评分"), ("yes", "上海路路灯改造", "已评分"), ("no", "社区长椅", "未评分")]
    progress = re.search(r'<p id="score-progress">(.*?)</p>', page, re.DOTALL).group(1)
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", progress)).strip() == \
        "入围提案共 3 项，您已评分 1 项。 尚未评分： 恩县路口袋公园、社区长椅"
    assert f'<a href="#p{park.pk}">恩县路口袋公园</a>' in progress

    # Scoring through the page marks the proposal at once.
    answer = client.post(f"/proposals/c/{campaign.pk}/score/",
                         {"proposal": park.pk, **{f"c{c.pk}": "8" for c in criteria}})
    assert answer.status_code == 302
    page = client.get(f"/proposals/c/{campaign.pk}/score/").content.decode()
    assert _marks(page) == [("yes", "恩县路口袋公园", "已评分"), ("yes", "上海路路灯改造", "已评分"), ("no", "社区长椅", "未评分")]
    client.force_login(w.users["rep1"])
    other = client.get(f"/proposals/c/{campaign.pk}/score/").content.decode()
    assert _marks(other) == [("yes", "恩县路口袋公园", "已评分"), ("no", "上海路路灯改造", "未评分"), ("no", "社区长椅", "未评分")]
