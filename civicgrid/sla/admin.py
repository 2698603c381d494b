"""Django admin for the holiday table and SLA policies (labels through gettext: Chinese by
default), plus read-only views of pressures and whistles.

Every save and delete goes through services.py, so the admin gets the same validation, audit rows
and cache invalidation (CalendarState version, on_commit forget_overrides) as any other caller.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import CalendarDay, Pressure, SlaPolicy, Whistle, WhistleResponse

# The admin index shows a banner when this year or the next has no holiday data. Another app may
# have its own index template already: then it should include {% calendar_banner %} itself.
if admin.site.index_template is None:
    admin.site.index_template = "admin/sla/index.html"


class ServiceForm(forms.ModelForm):
    """Runs the service in the form's validation, so that its refusal lands on the form."""

    service_call = None

    def _post_clean(self):
        super()._post_clean()
        if self.errors or self.service_call is None:
            return
        try:
            self.saved = self.service_call(self)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, exc)


class ServiceAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        # The service saved (and audited) during validation; reflect its result.
        obj.pk = form.saved.pk

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class CalendarDayForm(ServiceForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "is_workday", "name"]


@admin.register(CalendarDay)
class CalendarDayAdmin(ServiceAdmin):
    form = CalendarDayForm
    list_display = ("date", "weekday", "is_workday", "name", "updated_at")
    list_filter = ("is_workday",)
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("date",)

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return obj.date.strftime("%a") if obj.date else ""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        def call(form):
            data = form.cleaned_data
            return services.save_calendar_day(user, day=data["date"], is_workday=data["is_workday"],
                                              name=data.get("name", ""), instance=obj)

        return type(form_class.__name__, (form_class,), {"service_call": staticmethod(call)})

    def delete_model(self, request, obj):
        services.delete_calendar_day(request.user, obj)


class SlaPolicyForm(ServiceForm):
    remind_at = forms.CharField(
        label=_("remind at fractions"), required=False,
        help_text=_("JSON list of fractions of each limit, e.g. [0.5, 0.8]."),
    )

    class Meta:
        model = SlaPolicy
        fields = list(services.POLICY_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["remind_at"] = json.dumps(self.instance.remind_at if self.instance.pk else [0.5, 0.8])

    def clean_remind_at(self):
        raw = (self.cleaned_data.get("remind_at") or "").strip() or "[]"
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            raise ValidationError(_("Reminder fractions must be a list of numbers, e.g. [0.5, 0.8].")) from None
        return value


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ServiceAdmin):
    form = SlaPolicyForm
    list_display = ("name", "area", "category", "priority", "utilities_only", "dispatch", "response", "handle",
                    "is_active")
    list_filter = ("is_active", "priority", "utilities_only")
    search_fields = ("name", "area__name", "category__name")
    autocomplete_fields = ("area",)
    raw_id_fields = ("category",)
    fieldsets = (
        (None, {"fields": ("name", "is_active")}),
        (_("Applies to (empty: any)"), {"fields": ("area", "category", "utilities_only", "priority")}),
        (_("Limits"), {"fields": (("dispatch_limit", "dispatch_unit"), ("response_limit", "response_unit"),
                                  ("handle_limit", "handle_unit"), ("return_limit", "return_unit"),
                                  ("extension_max", "extension_unit"), "max_reopens")}),
        (_("Pressure"), {"fields": ("remind_at", ("escalate_every", "escalate_unit"),
                                    ("whistle_limit", "whistle_unit"))}),
    )

    @staticmethod
    def _limit(value, unit):
        return f"{value} {dict(SlaPolicy._meta.get_field('dispatch_unit').choices)[unit]}"

    @admin.display(description=_("dispatch limit"))
    def dispatch(self, obj):
        return self._limit(obj.dispatch_limit, obj.dispatch_unit)

    @admin.display(description=_("response limit (签收/联系)"))
    def response(self, obj):
        return self._limit(obj.response_limit, obj.response_unit)

    @admin.display(description=_("handling limit"))
    def handle(self, obj):
        return self._limit(obj.handle_limit, obj.handle_unit)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        def call(form):
            data = {f: form.cleaned_data[f] for f in services.POLICY_FIELDS if f in form.cleaned_data}
            return services.save_policy(user, instance=obj, **data)

        return type(form_class.__name__, (form_class,), {"service_call": staticmethod(call)})

    def has_delete_permission(self, request, obj=None):
        # Orders point at the policy they were given: retire a policy (inactive) instead.
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the sweep and the whistle services only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Pressure)
class PressureAdmin(ReadOnlyAdmin):
    list_display = ("order", "kind", "stage", "level", "target_area", "target_unit", "due_at", "scheduled_at", "created_at")
    list_filter = ("kind", "stage", "level")
    search_fields = ("order__number",)
    list_select_related = ("order", "target_area", "target_unit")
    date_hierarchy = "created_at"


class WhistleResponseInline(admin.TabularInline):
    model = WhistleResponse
    extra = 0
    can_delete = False
    fields = ("unit", "reported_at", "reported_by", "note", "is_overdue")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Whistle)
class WhistleAdmin(ReadOnlyAdmin):
    list_display = ("order", "street", "called_by", "report_due", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("order__number", "reason")
    list_select_related = ("order", "street", "called_by")
    inlines = [WhistleResponseInline]
