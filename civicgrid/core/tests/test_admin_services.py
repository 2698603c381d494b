"""The shared service-backed admin: a subclass without its service is refused when it is set up."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured

from civicgrid.core.admin_services import ServiceAdmin
from civicgrid.sla.models import CalendarDay


def test_an_admin_without_its_service_is_refused_at_registration():
    class Forgotten(ServiceAdmin):
        pass

    with pytest.raises(ImproperlyConfigured, match="Forgotten must define service"):
        Forgotten(CalendarDay, admin.AdminSite())
