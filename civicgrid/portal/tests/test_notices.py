"""Community notices: who may publish where, what a resident sees, the read-only API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from civicgrid.core.models import AuditEvent
from civicgrid.people.models import Membership, Role
from civicgrid.portal import selectors, services
from civicgrid.portal.models import Notice
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def publish(w, who, area, title):
    return services.publish_notice(w.users[who], area=area, title=title, body=f"{title}的内容")


def test_community_staff_publish_for_their_community_with_an_audit_row(w):
    notice = publish(w, "community", w.tree.community1, "停水通知")
    assert (notice.area, notice.area_path, notice.created_by, notice.is_published) == (
        w.tree.community1, w.tree.community1.path, w.users["community"], True)
    event = AuditEvent.objects.get(action="notice.publish")
    assert (event.actor, event.changes) == (w.users["community"], {"area": "370203020009", "title": "停水通知"})


@pytest.mark.parametrize("who, area", [("community", "community2"), ("community", "street1"),
                                       ("grid", "community1"), ("resident", "community1"), ("dept", "district")])
def test_nobody_publishes_outside_their_jurisdiction(w, who, area):
    with pytest.raises(ValidationError) as refused:
        publish(w, who, getattr(w.tree, area), "越权公告")
    assert refused.value.code == "forbidden"
    assert (Notice.objects.count(), AuditEvent.objects.filter(action="notice.publish").count()) == (0, 0)


def test_a_grid_is_no_notice_board_and_a_title_is_needed(w):
    with pytest.raises(ValidationError) as refused:
        services.publish_notice(w.users["district"], area=w.tree.grid1, title=" ", body="")
    assert sorted(refused.value.message_dict) == ["area", "body", "title"]
    assert Notice.objects.count() == 0


def test_a_resident_sees_their_community_street_and_district_notices_newest_first(w):
    publish(w, "district", w.tree.district, "区里的通知")
    publish(w, "street", w.tree.street1, "街道的通知")
    publish(w, "community", w.tree.community1, "恩县路社区的通知")
    publish(w, "community2", w.tree.community2, "上海路社区的通知")
    publish(w, "street2", w.tree.street2, "四方街道的通知")
    hidden = publish(w, "community", w.tree.community1, "已撤下")
    services.withdraw_notice(w.users["community"], hidden)
    later = publish(w, "community", w.tree.community1, "明天才发布")
    Notice.objects.filter(pk=later.pk).update(published_at=timezone.now() + timedelta(days=1))
    assert [n.title for n in selectors.notices_for_area(w.tree.community1)] == [
        "恩县路社区的通知", "街道的通知", "区里的通知"]


def test_home_shows_the_signed_in_residents_home_notices(client, w):
    publish(w, "community", w.tree.community1, "恩县路社区的通知")
    publish(w, "community2", w.tree.community2, "上海路社区的通知")
    Membership.objects.filter(user=w.users["resident"]).update(area=w.tree.community2)
    client.force_login(w.users["resident"])
    page = client.get("/portal/").content.decode()
    assert "上海路社区的通知" in page and "恩县路社区的通知" not in page


def test_home_lets_a_visitor_choose_a_community_and_otherwise_shows_the_district(client, w):
    publish(w, "district", w.tree.district, "区里的通知")
    publish(w, "community", w.tree.community1, "恩县路社区的通知")
    default = client.get("/portal/").content.decode()
    assert "区里的通知" in default and "恩县路社区的通知" not in default
    chosen = client.get("/portal/", {"community": "370203020009"}).content.decode()
    assert "区里的通知" in chosen and "恩县路社区的通知" in chosen
    assert '<option value="370203020009" selected>恩县路社区</option>' in chosen


def test_staff_page_publishes_only_for_own_areas(client, w):
    client.force_login(w.users["community"])
    page = client.get("/portal/notices/new/").content.decode()
    assert f'value="{w.tree.community1.pk}"' in page and f'value="{w.tree.community2.pk}"' not in page
    refused = client.post("/portal/notices/new/", {"area": w.tree.community2.pk, "title": "越权", "body": "x"})
    assert refused.status_code == 400 and Notice.objects.count() == 0
    done = client.post("/portal/notices/new/", {"area": w.tree.community1.pk, "title": "楼道清理", "body": "周六上午"})
    assert done.status_code == 302
    assert list(Notice.objects.values_list("title", "area__code", "created_by__username")) == [
        ("楼道清理", "370203020009", "community")]


def test_residents_and_grid_workers_may_not_open_the_staff_page(client, w):
    for who in ("resident", "grid"):
        client.force_login(w.users[who])
        assert client.get("/portal/notices/new/").status_code == 403


def test_api_lists_an_areas_notices(client, w):
    n = publish(w, "street", w.tree.street1, "街道的通知")
    publish(w, "community2", w.tree.community2, "上海路社区的通知")
    body = client.get("/api/v1/notices/", {"area": "370203020009"}).json()
    results = body["results"] if isinstance(body, dict) else body
    assert results == [{"id": n.pk, "area": "370203020000", "area_name": "即墨路街道", "title": "街道的通知",
                        "body": "街道的通知的内容", "published_at": results[0]["published_at"]}]
    assert client.get("/api/v1/notices/").status_code == 400
    assert client.get("/api/v1/notices/", {"area": "999"}).status_code == 404


def test_admin_lists_only_notices_of_own_areas(client, w):
    publish(w, "community", w.tree.community1, "恩县路社区的通知")
    publish(w, "community2", w.tree.community2, "上海路社区的通知")
    staff = w.users["community"]
    staff.is_staff = True
    staff.save()
    from django.contrib.auth.models import Permission

    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_notice", "add_notice", "change_notice"]))
    client.force_login(staff)
    page = client.get("/admin/portal/notice/").content.decode()
    assert "恩县路社区的通知" in page and "上海路社区的通知" not in page
    assert Role.COMMUNITY_STAFF in {m.role for m in Membership.objects.filter(user=staff)}


def test_staff_withdraw_a_notice_of_their_own_area_only(client, w):
    mine = publish(w, "community", w.tree.community1, "恩县路社区的通知")
    theirs = publish(w, "community2", w.tree.community2, "上海路社区的通知")
    client.force_login(w.users["community"])
    assert client.post(f"/portal/notices/{theirs.pk}/withdraw/").status_code == 404
    assert client.post(f"/portal/notices/{mine.pk}/withdraw/").status_code == 302
    assert dict(Notice.objects.values_list("title", "is_published")) == {"恩县路社区的通知": False, "上海路社区的通知": True}
    assert AuditEvent.objects.filter(action="notice.withdraw").count() == 1


def test_admin_add_goes_through_the_service(client, w):
    staff = w.users["community"]
    staff.is_staff = True
    staff.save()
    from django.contrib.auth.models import Permission

    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_notice", "add_notice", "change_notice"]))
    client.force_login(staff)
    response = client.post("/admin/portal/notice/add/", {"area": w.tree.community1.pk, "title": "后台发布",
                                                          "body": "内容", "is_published": "on"})
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert (notice.title, notice.area_path, notice.created_by) == ("后台发布", w.tree.community1.path, staff)
    assert AuditEvent.objects.filter(action="notice.publish").count() == 1
