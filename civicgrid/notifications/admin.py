from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import InboxMessage, OutboxMessage, OutboxStatus, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "event_types", "area", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    fields = ["name", "url", "event_types", "area", "is_active", "secret"]
    autocomplete_fields = []
    raw_id_fields = ["area"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            # An address typed without a scheme means https (Django 6 default).
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # The secret is generated; it is shown once the endpoint exists so it can be copied.
        return ["secret"]

    def save_model(self, request, obj, form, change):
        services.save_endpoint(request.user, obj, created=not change, changed=list(form.changed_data))


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "event", "recipient", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status", "channel"]
    search_fields = ["event"]
    actions = ["retry"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the dead messages again"))
    def retry(self, request, queryset):
        n = 0
        for message in queryset.filter(status=OutboxStatus.DEAD):
            services.retry_dead(request.user, message)
            n += 1
        self.message_user(request, _("%(n)d messages queued again.") % {"n": n}, messages.SUCCESS)


@admin.register(InboxMessage)
class InboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "title", "read_at"]
    search_fields = ["title"]
    raw_id_fields = ["user", "source"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in InboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False
