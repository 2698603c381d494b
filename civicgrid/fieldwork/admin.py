"""Patrols and visits in the admin: read-mostly. They are written by the services on the phone
pages; the admin is for looking things up, so nothing is added or edited here."""

from django.contrib import admin

from .models import Patrol, Visit


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Patrol)
class PatrolAdmin(ReadOnlyAdmin):
    list_display = ("grid", "worker", "started_at", "ended_at", "findings")
    list_filter = ("grid",)
    search_fields = ("grid__name", "grid__code", "worker__username", "note")
    date_hierarchy = "started_at"
    list_select_related = ("grid", "worker")


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("visited_at", "grid", "worker", "kind", "building", "follow_up", "appeal")
    list_filter = ("kind", "follow_up", "grid")
    search_fields = ("grid__name", "grid__code", "worker__username", "summary", "needs", "building__address")
    date_hierarchy = "visited_at"
    list_select_related = ("grid", "worker", "building", "appeal")
    # The household's personal fields stay in the household register's audited pages.
    exclude = ("household",)
