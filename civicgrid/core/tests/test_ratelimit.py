from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from civicgrid.core import ratelimit
from civicgrid.core.models import AuditEvent
from civicgrid.core.services import record_event
from civicgrid.people.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return User.objects.create_user("rl_user", password="x")


def test_refuses_after_the_limit_and_counts_only_the_window(user):
    for _ in range(3):
        ratelimit.enforce(user, "thing.post", default=(3, 3600))
        record_event(actor=user, action="thing.post")
    with pytest.raises(ratelimit.RateLimited) as err:
        ratelimit.enforce(user, "thing.post", default=(3, 3600))
    assert err.value.code == "rate_limited"
    assert err.value.http_status == 429
    assert "3" in err.value.messages[0]
    # Another action and another person are not affected.
    ratelimit.enforce(user, "thing.other", default=(3, 3600))
    other = User.objects.create_user("rl_other", password="x")
    ratelimit.enforce(other, "thing.post", default=(3, 3600))
    # An hour and a minute later the window is clear again.
    ratelimit.enforce(user, "thing.post", default=(3, 3600), now=timezone.now() + timedelta(seconds=3660))
    assert AuditEvent.objects.filter(action="thing.post").count() == 3


@override_settings(CIVICGRID_RATE_LIMITS={"thing.post": (1, 60), "thing.free": (0, 0)})
def test_settings_override_and_switch_off(user):
    record_event(actor=user, action="thing.post")
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.enforce(user, "thing.post", default=(100, 3600))
    for _ in range(5):
        record_event(actor=user, action="thing.free")
    ratelimit.enforce(user, "thing.free", default=(1, 3600))
    assert ratelimit.limit_for("thing.post", (9, 9)) == (1, 60)


def test_anonymous_is_not_counted_here():
    ratelimit.enforce(None, "thing.post", default=(0, 3600))
