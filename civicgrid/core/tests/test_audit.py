import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from civicgrid.core import context
from civicgrid.core.models import AppendOnlyError, AuditEvent
from civicgrid.core.services import record_event, record_personal_data_read

pytestmark = pytest.mark.django_db


def test_record_event_keeps_actor_object_and_origin(django_user_model):
    user = django_user_model.objects.create_user("auditor", password="x")
    with context.bind(context.RequestContext(ip_address="10.1.2.3", user_agent="pytest", request_id="abc")):
        event = record_event(actor=user, action="user.update", obj=user, changes={"real_name": ["", "张三"]})
    event.refresh_from_db()
    assert (event.actor_id, event.actor_repr, event.action) == (user.pk, "auditor", "user.update")
    assert (event.object_type, event.object_id) == ("people.user", str(user.pk))
    assert event.changes == {"real_name": ["", "张三"]}
    assert (event.ip_address, event.user_agent, event.request_id) == ("10.1.2.3", "pytest", "abc")


def test_personal_data_read_is_a_read_event(django_user_model):
    user = django_user_model.objects.create_user("reader", password="x")
    event = record_personal_data_read(actor=user, obj=user, fields=["phone", "real_name"], purpose="回访")
    assert event.kind == AuditEvent.Kind.READ
    assert event.changes == {"fields": ["phone", "real_name"]}
    assert event.reason == "回访"


def test_application_refuses_to_change_or_delete_audit_rows():
    event = record_event(actor=None, action="system.start")
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "system.start"


def test_database_refuses_update_even_with_raw_sql():
    event = record_event(actor=None, action="system.start")
    with pytest.raises((IntegrityError, DatabaseError)):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditevent SET action = %s WHERE id = %s", ["forged", event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "system.start"
