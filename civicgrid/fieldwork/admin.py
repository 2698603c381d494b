"""Patrols and visits in the admin: read-mostly. They are written by the services on the phone
pages; the admin is for looking things up, so nothing is added or edited here."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from . import services
from .models import CarePolicy, CareReminder, Patrol, Visit


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


class CarePolicyForm(forms.ModelForm):
    """Saves through ``services.save_care_policy`` during validation, so its refusals land on the form."""

    class Meta:
        model = CarePolicy
        fields = list(services.CARE_POLICY_FIELDS)

    def _post_clean(self):
        # The service validates (the model's own checks would only repeat it less clearly) and saves.
        if self.errors:
            return
        try:
            self.saved = services.save_care_policy(self.actor, instance=self.instance if self.instance.pk else None,
                                                   **{f: self.cleaned_data.get(f) for f in services.CARE_POLICY_FIELDS})
            self.instance = self.saved
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, exc)


@admin.register(CarePolicy)
class CarePolicyAdmin(admin.ModelAdmin):
    """Care rules are configuration of a district (and, where it wants, of a street or community)."""

    form = CarePolicyForm
    list_display = ("area", "tag", "period", "days", "starts_on", "is_active")
    list_filter = ("tag", "period", "is_active")
    search_fields = ("area__name", "area__code")
    autocomplete_fields = ("area",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        return type(form_class.__name__, (form_class,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        obj.pk = form.saved.pk

    def has_delete_permission(self, request, obj=None):
        return False  # retire a rule (inactive) instead: the audit keeps what applied when


@admin.register(CareReminder)
class CareReminderAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "due_on", "area_path", "recipients")
    date_hierarchy = "sent_at"
    exclude = ("household",)
