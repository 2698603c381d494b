"""The lexicon lives in the database (loaded by migration) and an administrator's edit takes effect."""

from __future__ import annotations

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.textcheck import lexicon, services, urgency
from civicgrid.textcheck.models import UrgencyTerm
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    urgency.clear_lexicon_cache()
    yield
    urgency.clear_lexicon_cache()


def test_the_migration_loads_the_default_lexicon():
    assert UrgencyTerm.objects.count() == len(lexicon.default_terms())
    assert urgency.get_lexicon().size == len(lexicon.default_terms())


def test_an_admin_edit_changes_the_detector_at_once_and_is_audited():
    admin = make_world().users["admin"]
    assert urgency.assess("配电箱冒蓝光").urgent is False
    services.save_term(admin, UrgencyTerm(phrase="冒蓝光", kind="hazard", weight=1.0, group="electric"), [])
    assert urgency.assess("配电箱冒蓝光").reasons == ["冒蓝光"]
    term = UrgencyTerm.objects.get(phrase="煤气味")
    term.is_active = False
    services.save_term(admin, term, ["is_active"])
    assert urgency.assess("楼道里煤气味很浓").urgent is False
    services.delete_term(admin, UrgencyTerm.objects.get(phrase="冒蓝光"))
    assert urgency.assess("配电箱冒蓝光").urgent is False
    assert list(AuditEvent.objects.filter(action__startswith="textcheck.term").order_by("pk")
                .values_list("action", flat=True)) == ["textcheck.term_created", "textcheck.term_changed",
                                                        "textcheck.term_deleted"]


def test_an_empty_table_falls_back_to_the_shipped_list():
    UrgencyTerm.objects.all().delete()
    assert urgency.assess("楼道里煤气味很浓").urgent is True
