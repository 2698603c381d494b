"""The inbox page and API: a user sees and marks only their own messages; the rating page."""

from __future__ import annotations

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.notifications.models import InboxMessage
from civicgrid.people.models import User
from civicgrid.workorders import services as order_services
from civicgrid.workorders.models import Callback
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    a = User.objects.create_user("alice", password="x")
    b = User.objects.create_user("bob", password="x")
    m1 = InboxMessage.objects.create(user=a, title="新工单 T1", body="请签收", link="/orders/T1/")
    m2 = InboxMessage.objects.create(user=a, title="催办 T1", body="即将超时")
    other = InboxMessage.objects.create(user=b, title="bob's", body="x")
    return a, b, m1, m2, other


def test_api_lists_only_own_messages_and_marks_them_read(client, people):
    a, b, m1, m2, other = people
    client.force_login(a)
    data = client.get("/api/v1/inbox/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (data["count"], [r["title"] for r in data["results"]]) == (2, ["催办 T1", "新工单 T1"])
    r = client.post(f"/api/v1/inbox/{m1.pk}/read/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and r.json()["read_at"] is not None
    assert [x["title"] for x in client.get("/api/v1/inbox/?unread=true").json()["results"]] == ["催办 T1"]
    assert client.post("/api/v1/inbox/read-all/", {}, content_type="application/json").json() == {"marked": 1}
    assert client.post("/api/v1/inbox/read-all/", {}, content_type="application/json").json() == {"marked": 0}
    assert AuditEvent.objects.filter(action="inbox.read").count() == 2


def test_someone_elses_message_answers_404_and_stays_unread(client, people):
    a, b, m1, m2, other = people
    client.force_login(a)
    assert client.get(f"/api/v1/inbox/{other.pk}/").status_code == 404
    assert client.post(f"/api/v1/inbox/{other.pk}/read/").status_code == 404
    assert client.post("/api/v1/inbox/read-all/", {"ids": [other.pk]}, content_type="application/json").json() == {"marked": 0}
    other.refresh_from_db()
    assert other.read_at is None
    assert AuditEvent.objects.filter(action="inbox.read").count() == 0


def test_an_id_too_big_for_the_database_is_400_naming_ids_and_marks_nothing(client, people):
    a, b, m1, m2, other = people
    client.force_login(a)
    response = client.post("/api/v1/inbox/read-all/", {"ids": [m1.pk, 10**22]}, content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "ids": {"1": ["Ensure this value is less than or equal to 9223372036854775807."]}}
    assert InboxMessage.objects.filter(read_at__isnull=False).count() == 0
    assert AuditEvent.objects.filter(action="inbox.read").count() == 0


def test_api_needs_a_signed_in_user(client, people):
    assert client.get("/api/v1/inbox/").status_code == 401


def test_inbox_page(client, people):
    a, b, m1, m2, other = people
    client.cookies["django_language"] = "en"
    assert client.get("/inbox/").status_code == 302
    client.force_login(a)
    html = client.get("/inbox/").content.decode()
    assert "新工单 T1" in html and "催办 T1" in html and "bob's" not in html
    assert "2 unread" in html
    client.post("/inbox/read/", {"id": [m1.pk, other.pk]})
    assert list(InboxMessage.objects.filter(read_at__isnull=False).values_list("pk", flat=True)) == [m1.pk]
    client.post("/inbox/read/")
    assert InboxMessage.objects.filter(user=a, read_at__isnull=True).count() == 0
    assert InboxMessage.objects.get(pk=other.pk).read_at is None


def test_rating_page(client):
    w = make_world()
    order = make_order(w)
    client.cookies["django_language"] = "en"
    client.force_login(w.users["resident"])
    assert "cannot be rated now" in client.get(f"/inbox/rate/{order.number}/").content.decode()
    for action, who, kw in [("dispatch", "street", {"unit": w.units["cg"]}), ("accept", "dept", {}),
                            ("resolve", "dept", {"answer": "已修补。"}), ("verify", "grid", {}), ("close", "street", {})]:
        order_services.transition(order, action, w.users[who], **kw)
    bad = client.post(f"/inbox/rate/{order.number}/", {"resolution": "resolved"})
    assert bad.status_code == 400 and Callback.objects.count() == 0
    r = client.post(f"/inbox/rate/{order.number}/", {"resolution": "resolved", "satisfaction": "satisfied", "comment": "好"})
    assert r.status_code == 302
    cb = Callback.objects.get()
    assert (cb.resolution, cb.satisfaction, cb.comment, cb.channel) == ("resolved", "satisfied", "好", "web")
    # Someone else's order answers like a missing one.
    client.force_login(w.users["resident2"])
    assert client.get(f"/inbox/rate/{order.number}/").status_code == 404
    assert client.post(f"/inbox/echo-opt-out/{order.number}/").status_code == 404
    client.force_login(w.users["resident"])
    assert client.post(f"/inbox/echo-opt-out/{order.number}/").status_code == 302
    order.refresh_from_db()
    assert (order.echo_opt_out, order.published_at) == (True, None)


def test_metrics_api_for_staff_only(client):
    w = make_world()
    client.force_login(w.users["district"])
    r = client.get("/api/v1/metrics/areas/?kind=street&month=2025-03", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    assert [(x["key"], x["rank"], x["score"]) for x in r.json()] == [("370203020000", None, None), ("370203028000", None, None)]
    assert client.get("/api/v1/metrics/units/?start=2025-03-01&end=2025-03-31").json() == []
    bad = client.get("/api/v1/metrics/units/", HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400
    assert client.get("/api/v1/metrics/areas/?kind=planet&month=2025-03").status_code == 400
    client.force_login(w.users["street2"])
    assert client.get(f"/api/v1/metrics/areas/?kind=grid&month=2025-03&within={w.tree.street1.code}").status_code == 404
    client.force_login(w.users["resident"])
    assert client.get("/api/v1/metrics/units/?month=2025-03").status_code == 403
