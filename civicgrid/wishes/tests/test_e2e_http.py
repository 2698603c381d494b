"""A wish from posting to confirmation over real HTTP (live server, urllib, real sign-ins).

Staff and party members sign in with their password on the sign-in page, the resident with the
phone number and the texted code. Every step is a request to a running server; every refusal met
on the way is shown to have changed nothing, and a volunteer who did not claim the wish never
sees the household's name, phone or room.
"""

from __future__ import annotations

import re

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.notifications.models import OutboxMessage
from civicgrid.wishes.models import Wish, WishState
from civicgrid.wishes.testing import make_wish_world, png

from .http import post_multipart, resident, staff, token

pytestmark = pytest.mark.django_db(transaction=True)
PRIVATE = ("张三", "13900000001", "502")


def state_of(pk):
    wish = Wish.objects.get(pk=pk)
    return wish.state, wish.claimer_id, wish.version, AuditEvent.objects.filter(object_id=str(pk),
                                                                                 object_type="wishes.wish").count()


def api(browser, pk, action, expect, **fields):
    response = browser.post_json(f"/api/v1/wishes/{pk}/moves/", {"action": action, **fields})
    assert response.status == expect, (action, response.status, response.text[:400])
    return response.json()


def form_move(browser, pk, action, **fields):
    csrf = token(browser, f"/wishes/{pk}/")
    response = browser.post_form(f"/wishes/{pk}/move/", {"csrfmiddlewaretoken": csrf, "action": action, **fields})
    assert response.status == 302, response.text[:300]
    return response


def test_a_wish_from_posting_to_confirmation(live_server, settings):
    settings.CIVICGRID_RATE_LIMITS = {"wishes.post": (3, 30 * 86400)}
    ww = make_wish_world()
    url = live_server.url
    home = resident(url, "13900000001")

    # 1. The resident posts a wish on the portal page.
    csrf = token(home, "/wishes/new/")
    posted = home.post_form("/wishes/new/", {"csrfmiddlewaretoken": csrf, "title": "更换楼道灯泡",
                                             "description": "三楼楼道灯坏了，老人晚上看不清。"})
    assert posted.status == 302 and posted.location.startswith("/wishes/")
    pk = int(posted.location.strip("/").split("/")[-1])
    assert home.get(f"/api/v1/wishes/{pk}/").json()["state"] == "pending"
    mine = home.get("/wishes/mine/")
    assert "更换楼道灯泡" in mine.text and "待审核" in mine.text

    # 2. Before review nobody else sees it; a volunteer's claim is refused and changes nothing.
    vol = staff(url, "vol")
    party = staff(url, "party")
    before = state_of(pk)
    assert vol.get(f"/api/v1/wishes/{pk}/").status == 404
    assert "更换楼道灯泡" not in staff(url, "vol2").get("/wishes/").text
    assert state_of(pk) == before

    # 3. Community staff approve it from the review queue.
    community = staff(url, "community")
    queue = community.get("/wishes/staff/")
    assert queue.status == 200 and "更换楼道灯泡" in queue.text
    resident_refused = api(home, pk, "approve", 403)
    assert resident_refused["error"]["code"] == "forbidden" and state_of(pk) == before
    form_move(community, pk, "approve")
    assert state_of(pk)[0] == WishState.OPEN

    # 4. The public wall shows it masked.
    wall = staff(url, "vol2").get("/wishes/")
    assert "更换楼道灯泡" in wall.text and "市北区即墨路街道某社区 张*" in wall.text
    for secret in PRIVATE:
        assert secret not in wall.text
    anonymous_view = vol.get(f"/wishes/{pk}/")
    assert anonymous_view.status == 200 and not any(s in anonymous_view.text for s in PRIVATE)

    # 5. The volunteer claims it on the page; a party member a moment later is refused (409).
    form_move(vol, pk, "claim")
    claimed = state_of(pk)
    assert claimed[:2] == (WishState.CLAIMED, ww.users["vol"].pk)
    late = api(party, pk, "claim", 409)
    assert late["error"]["code"] == "illegal_transition"
    assert state_of(pk) == claimed
    # The non-claimer sees no personal data, neither on the page nor in the API.
    assert party.get(f"/api/v1/wishes/{pk}/").status == 404
    assert party.get(f"/wishes/{pk}/").status == 404
    assert not any(s in party.get("/wishes/").text for s in PRIVATE)
    # The claimer does now, and the read is audited.
    page = vol.get(f"/wishes/{pk}/")
    assert "张三 · 13900000001 · 恩县路12号 1单元502室" in page.text
    assert AuditEvent.objects.filter(action="personal_data.read", actor_repr="vol").count() == 1
    assert OutboxMessage.objects.filter(event="wish.claimed", recipient=ww.users["resident"]).count() == 1

    # 6. The resident cannot confirm before the work is done.
    assert api(home, pk, "confirm", 409)["error"]["code"] == "illegal_transition"
    assert state_of(pk) == claimed

    # 7. The volunteer uploads the proof (note + photo) as a multipart form.
    csrf = token(vol, f"/wishes/{pk}/")
    no_photo = post_multipart(vol, f"/wishes/{pk}/move/", {"csrfmiddlewaretoken": csrf, "action": "fulfil",
                                                          "note": "已更换"}, [])
    assert no_photo.status == 302 and state_of(pk) == claimed
    assert "请至少添加一张结果照片" in vol.get(f"/wishes/{pk}/").text
    done = post_multipart(vol, f"/wishes/{pk}/move/", {"csrfmiddlewaretoken": csrf, "action": "fulfil",
                                                      "note": "已更换为节能灯"},
                          [("photos", "proof.png", png()[1], "image/png")])
    assert done.status == 302 and state_of(pk)[0] == WishState.FULFILLED
    assert OutboxMessage.objects.filter(event="wish.fulfilled", recipient=ww.users["resident"]).count() == 1

    # 8. The resident disputes, the volunteer fixes it, the resident confirms.
    seen = home.get(f"/wishes/{pk}/")
    assert "已更换为节能灯" in seen.text and "/wishes/photos/" in seen.text
    photo_url = re.search(r'src="(/wishes/photos/\d+/)"', seen.text).group(1)
    assert home.get(photo_url).status == 200 and party.get(photo_url).status == 404
    form_move(home, pk, "dispute", reason="二楼的灯也不亮")
    assert state_of(pk)[:2] == (WishState.CLAIMED, ww.users["vol"].pk)
    assert OutboxMessage.objects.filter(event="wish.disputed", recipient=ww.users["vol"]).count() == 1
    post_multipart(vol, f"/wishes/{pk}/move/", {"csrfmiddlewaretoken": csrf, "action": "fulfil",
                                                "note": "二楼也已更换"}, [("photos", "p.png", png()[1], "image/png")])
    assert api(party, pk, "confirm", 403)["error"]["code"] == "forbidden"
    body = api(home, pk, "confirm", 200)
    assert body["state"] == "confirmed"
    assert OutboxMessage.objects.filter(event="wish.confirmed", recipient=ww.users["vol"]).count() == 1

    # 9. The whole story in the audit log, in order.
    assert list(AuditEvent.objects.filter(object_type="wishes.wish", object_id=str(pk)).order_by("id")
                .values_list("action", "actor_repr")) == [
        ("wishes.post", "resident"), ("wishes.approve", "community"), ("wishes.claim", "vol"),
        ("wishes.fulfil", "vol"), ("wishes.dispute", "resident"), ("wishes.fulfil", "vol"),
        ("wishes.confirm", "resident")]
    rankings = community.get("/api/v1/wishes/rankings/").json()
    assert [(b["name"], b["claimed"], b["confirmed"], b["confirmation_rate"]) for b in rankings["branches"]] == [
        ("上海路第一网格党支部", 1, 1, 1.0)]
    assert "上海路第一网格党支部" in community.get("/wishes/rankings/").text
