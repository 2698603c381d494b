"""Moderation: reports once each, automatic hiding after N distinct reports, staff hide/unhide
with a reason; all audited; residents see "此内容已隐藏", staff see the text."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from civicgrid.core.models import AuditEvent
from civicgrid.deliberation import selectors, services
from civicgrid.deliberation.models import Post, PostReport
from civicgrid.deliberation.testing import make_delib_world, topic_at

pytestmark = pytest.mark.django_db
HIDDEN = "此内容已隐藏"


@pytest.fixture
def world():
    return make_delib_world()


@pytest.fixture
def post(world):
    topic = topic_at(world, "deliberate")
    return services.create_post(actor=world.users["resident3"], topic=topic, body="物业都是骗子！！", position="against")


def state(post):
    p = Post.objects.get(pk=post.pk)
    return (p.is_hidden, p.hidden_reason, p.reports_count, PostReport.objects.filter(post=p).count(),
            AuditEvent.objects.filter(action__startswith="deliberation.").exclude(
                action__in=["deliberation.topic", "deliberation.move", "deliberation.participant",
                            "deliberation.post"]).count())


def test_a_user_reports_a_post_once(world, post):
    services.report_post(actor=world.users["resident"], post=post, reason="人身攻击")
    before = state(post)
    with pytest.raises(ValidationError) as exc:
        services.report_post(actor=world.users["resident"], post=post)
    assert exc.value.code == "already_reported" and exc.value.http_status == 409
    assert state(post) == before == (False, "", 1, 1, 1)
    with pytest.raises(ValidationError) as exc:
        services.report_post(actor=world.users["resident3"], post=post)  # own post
    assert exc.value.code == "own_post"
    assert state(post) == before


def test_three_distinct_reports_hide_a_post_by_default(world, post):
    for user in ("resident", "resident2"):
        services.report_post(actor=world.users[user], post=post)
    assert Post.objects.get(pk=post.pk).is_hidden is False
    services.report_post(actor=world.users["outsider"], post=post)  # any signed-in user may report
    hidden = Post.objects.get(pk=post.pk)
    assert (hidden.is_hidden, hidden.reports_count) == (True, 3)
    event = AuditEvent.objects.get(action="deliberation.post_auto_hide")
    assert event.changes == {"reports": 3, "threshold": 3} and event.actor is None


@override_settings(DELIBERATION_AUTO_HIDE_REPORTS=1)
def test_the_number_of_reports_is_a_setting(world, post):
    services.report_post(actor=world.users["resident"], post=post)
    assert Post.objects.get(pk=post.pk).is_hidden is True


def test_staff_hide_and_unhide_with_a_reason(world, post):
    with pytest.raises(ValidationError):
        services.hide_post(actor=world.users["community"], post=post, reason=" ")
    for user in ("resident", "grid", "community2"):
        before = state(post)
        with pytest.raises(ValidationError) as exc:
            services.hide_post(actor=world.users[user], post=post, reason="不文明")
        assert exc.value.code == "forbidden"
        assert state(post) == before
    services.hide_post(actor=world.users["community"], post=post, reason="含人身攻击")
    assert state(post)[:2] == (True, "含人身攻击")
    with pytest.raises(ValidationError) as exc:
        services.hide_post(actor=world.users["community"], post=post, reason="再次")
    assert exc.value.code == "unchanged"
    services.unhide_post(actor=world.users["secretary"], post=post, reason="已核实，恢复显示")
    assert state(post)[:2] == (False, "")
    actions = list(AuditEvent.objects.filter(object_id=str(post.pk), action__in=[
        "deliberation.hide", "deliberation.unhide"]).order_by("id").values_list("action", "actor_repr", "reason"))
    assert actions == [("deliberation.hide", "community", "含人身攻击"),
                       ("deliberation.unhide", "secretary", "已核实，恢复显示")]


def test_hidden_posts_show_as_hidden_to_residents_and_in_full_to_staff(world, post, client):
    services.hide_post(actor=world.users["community"], post=post, reason="含人身攻击")
    assert [p.shown_body for p in selectors.posts_of(world.users["resident"], post.topic)] == [None]
    assert [p.shown_body for p in selectors.posts_of(world.users["community"], post.topic)] == ["物业都是骗子！！"]
    url = reverse("deliberation:detail", args=[post.topic_id])
    client.force_login(world.users["resident"])
    page = client.get(url).content.decode()
    assert HIDDEN in page and "物业都是骗子" not in page
    client.force_login(world.users["community"])
    page = client.get(url).content.decode()
    assert "物业都是骗子！！" in page and "含人身攻击" in page


def test_the_moderation_queue_lists_reported_posts_of_the_jurisdiction(world, post, client):
    services.report_post(actor=world.users["resident"], post=post, reason="攻击")
    assert list(selectors.moderation_queue(world.users["community"])) == [post]
    assert list(selectors.moderation_queue(world.users["community2"])) == []
    assert list(selectors.moderation_queue(world.users["resident"])) == []
    client.force_login(world.users["community"])
    page = client.get(reverse("deliberation:moderation"))
    assert page.status_code == 200 and "物业都是骗子" in page.content.decode()
    client.force_login(world.users["resident"])
    assert client.get(reverse("deliberation:moderation")).status_code == 403
    # Hiding from the queue page returns to it.
    client.force_login(world.users["community"])
    response = client.post(reverse("deliberation:moderate", args=[post.pk]), {
        "action": "hide", "reason": "攻击他人", "next": reverse("deliberation:moderation")})
    assert response.status_code == 302 and response["Location"] == reverse("deliberation:moderation")
    assert Post.objects.get(pk=post.pk).is_hidden is True


def test_the_moderation_queue_says_a_reported_post_is_still_shown_in_words_staff_understand(world, post, client):
    # The status of a post not yet hidden read 展示次数 ("number of impressions"), the msgid
    # "Shown" of the duplicate-hint acceptance table.
    services.report_post(actor=world.users["resident"], post=post, reason="攻击")
    client.force_login(world.users["community"])
    page = client.get(reverse("deliberation:moderation")).content.decode()
    assert f'<tr data-post="{post.pk}">' in page
    assert '<span class="badge plain">正常显示</span>' in page and "展示次数" not in page
