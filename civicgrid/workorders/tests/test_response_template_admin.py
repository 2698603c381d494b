"""Common answers (常用答复) edited in the admin are audited with old and new values: the form,
the list's editable columns and deletion."""

from __future__ import annotations

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.workorders.models import ResponseTemplate
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


@pytest.fixture
def admin_client(client, w):
    client.force_login(w.users["admin"])
    return client


def test_admin_edits_of_common_answers_are_audited(w, admin_client):
    ResponseTemplate.objects.all().delete()  # the migration's defaults aside
    response = admin_client.post("/admin/workorders/responsetemplate/add/", {
        "title": "道路已修复", "body": "您反映的路面问题已修复。", "category": w.categories["road"].pk,
        "area": w.tree.street1.pk, "is_active": "on", "position": 3})
    assert response.status_code == 302
    template = ResponseTemplate.objects.get()
    event = AuditEvent.objects.get(action="response_template.create")
    assert (event.object_id, event.changes) == (str(template.pk), {
        "title": [None, "道路已修复"], "body": [None, "您反映的路面问题已修复。"], "category": [None, "010101"],
        "area": [None, w.tree.street1.code], "is_active": [None, True], "position": [None, 3]})

    response = admin_client.post(f"/admin/workorders/responsetemplate/{template.pk}/change/", {
        "title": "道路已修复", "body": "路面已修补完毕。", "category": w.categories["road"].pk,
        "area": "", "is_active": "on", "position": 3})
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="response_template.update").changes == {
        "body": ["您反映的路面问题已修复。", "路面已修补完毕。"], "area": [w.tree.street1.code, None]}

    # The list's editable columns (active, order).
    response = admin_client.post("/admin/workorders/responsetemplate/", {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(template.pk), "form-0-position": "7", "_save": "保存"})
    assert response.status_code == 302
    assert (ResponseTemplate.objects.get().is_active, ResponseTemplate.objects.get().position) == (False, 7)
    assert AuditEvent.objects.filter(action="response_template.update").order_by("-id")[0].changes == {
        "is_active": [True, False], "position": [3, 7]}

    response = admin_client.post(f"/admin/workorders/responsetemplate/{template.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ResponseTemplate.objects.exists()
    assert AuditEvent.objects.get(action="response_template.delete").changes == {
        "title": ["道路已修复", None], "body": ["路面已修补完毕。", None], "category": ["010101", None],
        "area": [None, None], "is_active": [False, None], "position": [7, None]}
