"""Django admin for the holiday table and SLA policies (labels through gettext: Chinese by
default), plus read-only views of pressures and whistles.

Every save and delete goes through services.py, so the admin gets the same validation, audit rows
and cache invalidation (CalendarState version, on_commit forget_overrides) as any other caller.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin_services import ServiceAdmin, ServiceForm

from . import services
from .models import CalendarDay, Pressure, SlaPolicy, Whistle, WhistleResponse

# The admin index shows a banner when this year or the next has no holiday data. Another app may
# have its own index template already: then it should include {% calendar_banner %} itself.
if admin.site.index_template is None:
    admin.site.index_template = "admin/sla/index.html"


def _next_year() -> int:
    return timezone.localdate().year + 1


class NoticeImportForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100, initial=_next_year)
    text = forms.CharField(label=_("text of the notice"), widget=forms.Textarea(attrs={"rows": 14, "cols": 100}),
                           max_length=20000,
                           help_text=_("Paste the list from the State Council's notice (一、元旦：…上班。), one holiday per line."))
    replace = forms.BooleanField(label=_("delete the year's rows the notice does not list"), required=False)
    keep_deadlines = forms.BooleanField(label=_("leave open orders' deadlines as they are"), required=False,
                                        help_text=_("By default, deadlines counted in working days move with the new holidays."))


class CalendarDayForm(ServiceForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "is_workday", "name"]


@admin.register(CalendarDay)
class CalendarDayAdmin(ServiceAdmin):
    form = CalendarDayForm
    change_list_template = "admin/sla/calendarday/change_list.html"
    list_display = ("date", "weekday", "is_workday", "name", "updated_at")
    list_filter = ("is_workday",)
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("date",)

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return obj.date.strftime("%a") if obj.date else ""

    def service(self, request, form, obj):
        data = form.cleaned_data
        return services.save_calendar_day(request.user, day=data["date"], is_workday=data["is_workday"],
                                          name=data.get("name", ""), instance=obj)

    def delete_model(self, request, obj):
        services.delete_calendar_day(request.user, obj)

    def get_urls(self):
        return [path("import-notice/", self.admin_site.admin_view(self.import_notice_view), name="sla_calendarday_import"),
                *super().get_urls()]

    def import_notice_view(self, request):
        """Paste the State Council's notice, see what it would change (days, open orders' deadlines),
        then confirm: services.import_holiday_notice, all or nothing."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = NoticeImportForm(request.POST or None)
        plan, status = None, 200
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if "confirm" in request.POST:
                    plan = services.import_holiday_notice(
                        request.user, year=data["year"], text=data["text"], replace=data["replace"],
                        move_deadlines=not data["keep_deadlines"])
                    self.message_user(request, _("%(year)s imported: %(create)s days added, %(change)s changed, "
                                                 "%(delete)s deleted; deadlines of %(orders)s open orders moved.") % {
                        "year": data["year"], "create": len(plan.create), "change": len(plan.change),
                        "delete": len(plan.delete), "orders": len({m.order_id for m in plan.moves})},
                        messages.SUCCESS)
                    return redirect(f"{reverse('admin:sla_calendarday_changelist')}?date__year={data['year']}")
                plan = services.plan_holiday_notice(year=data["year"], text=data["text"], replace=data["replace"])
                if data["keep_deadlines"]:
                    plan.moves = []
            except ValidationError as exc:
                form.add_error("text" if not hasattr(exc, "error_dict") else None, exc)
                plan, status = None, 400
        elif request.method == "POST":
            status = 400
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "plan": plan,
            "title": _("Import the State Council's holiday notice"),
            "moved_orders": len({m.order_id for m in plan.moves}) if plan else 0,
        }
        return TemplateResponse(request, "admin/sla/calendarday/import_notice.html", context, status=status)


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
    # Categories and areas are chosen by name or code, not by database id (raw_id_fields).
    autocomplete_fields = ("area", "category")
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

    def service(self, request, form, obj):
        data = {f: form.cleaned_data[f] for f in services.POLICY_FIELDS if f in form.cleaned_data}
        return services.save_policy(request.user, instance=obj, **data)

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
