"""Django admin for the area tree and the address book.

Every save goes through services.py, so the admin gets the same validation (kind order, boundary
checks, containment, overlaps) and the same audit rows as the API and the import commands. A
service's ValidationError is shown on the form instead of a server error.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin import AuditedPersonalDataReadMixin
from civicgrid.core.admin_services import ServiceFormMixin
from civicgrid.core.masking import mask_id_number, mask_name, mask_phone

from . import services
from .models import Area, Building, Household

AREA_EDITABLE = ("name", "description", "households_planned")


class AreaForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = Area
        fields = ["code", "name", "kind", "parent", "boundary", "households_planned", "description"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    form = AreaForm
    list_display = ("code", "name", "kind", "parent", "depth", "has_boundary", "updated_at")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "depth", "centroid_lon", "centroid_lat", "created_at", "updated_at")
    ordering = ("path",)

    @admin.display(boolean=True, description=_("boundary"))
    def has_boundary(self, obj: Area) -> bool:
        return bool(obj.boundary)

    def get_readonly_fields(self, request, obj=None):
        # Code, kind and parent make the materialised path of a whole subtree: fixed once created.
        if obj is not None:
            return (*self.readonly_fields, "code", "kind", "parent")
        return self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        def call(form):
            data = form.cleaned_data
            if obj is None:
                return services.create_area(
                    user, code=data["code"], name=data["name"], kind=data["kind"], parent=data.get("parent"),
                    boundary=data.get("boundary"), description=data.get("description", ""),
                    households_planned=data.get("households_planned"),
                )
            # The form has already copied the new values onto its instance; compare with the database.
            current = Area.objects.get(pk=obj.pk)
            area = services.update_area(user, current, name=data["name"], description=data.get("description", ""),
                                        households_planned=data.get("households_planned"))
            if data.get("boundary") != current.boundary:
                area = services.update_area_boundary(user, area, data.get("boundary"))
            return area

        return type(form_class.__name__, (form_class,), {"service_call": staticmethod(call)})

    def save_model(self, request, obj, form, change):
        # The service already saved (and audited) in the form's validation; reflect its result.
        saved = form.saved
        obj.pk, obj.path, obj.depth = saved.pk, saved.path, saved.depth

    def has_delete_permission(self, request, obj=None):
        # Deleting areas orphans work orders and memberships; there is no service for it yet.
        return False


class BuildingForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = Building
        fields = ["code", "name", "address", "lon", "lat", "grid", "floors", "entrances", "households_count", "built_year"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    form = BuildingForm
    list_display = ("code", "address", "grid", "floors", "households_count")
    search_fields = ("code", "address", "address_key")
    autocomplete_fields = ("grid",)
    readonly_fields = ("address_key", "area_path", "created_at", "updated_at")
    list_select_related = ("grid",)

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "code") if obj is not None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        def call(form):
            data = dict(form.cleaned_data)
            if obj is None:
                return services.create_building(user, **data)
            data.pop("code", None)
            return services.update_building(user, Building.objects.get(pk=obj.pk), **data)

        return type(form_class.__name__, (form_class,), {"service_call": staticmethod(call)})

    def save_model(self, request, obj, form, change):
        obj.pk = form.saved.pk


class HouseholdForm(ServiceFormMixin, forms.ModelForm):
    tags = forms.CharField(required=False, help_text=_("JSON list, e.g. [\"elderly_alone\"]"))

    class Meta:
        model = Household
        fields = ["building", "entrance", "room", "size", "head_name", "head_phone", "head_id_number", "tags", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["tags"] = json.dumps(self.instance.tags, ensure_ascii=False)

    def clean_tags(self):
        raw = self.cleaned_data.get("tags") or "[]"
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            raise ValidationError(_("Care tags must be a JSON list.")) from None
        if not isinstance(value, list):
            raise ValidationError(_("Care tags must be a JSON list."))
        return value


@admin.register(Household)
class HouseholdAdmin(AuditedPersonalDataReadMixin, admin.ModelAdmin):
    """Personal fields are masked in the list; the change form (full values) needs the
    geo.change_household permission, which is only for staff of the jurisdiction."""

    form = HouseholdForm
    personal_fields = Household.PERSONAL_FIELDS
    list_display = ("building", "entrance", "room", "size", "masked_name", "masked_phone", "masked_id")
    search_fields = ("building__code", "building__address", "room")
    autocomplete_fields = ("building",)
    readonly_fields = ("area_path", "created_at", "updated_at")
    list_select_related = ("building",)

    @admin.display(description=_("head of household"))
    def masked_name(self, obj):
        return mask_name(obj.head_name)

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.head_phone)

    @admin.display(description=_("ID number"))
    def masked_id(self, obj):
        return mask_id_number(obj.head_id_number)

    def has_view_permission(self, request, obj=None):
        # Viewing one household shows its personal data unmasked: only with the change permission.
        if obj is not None:
            return self.has_change_permission(request, obj)
        return super().has_view_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        def call(form):
            data = dict(form.cleaned_data)
            if obj is None:
                return services.create_household(user, **data)
            return services.update_household(user, Household.objects.get(pk=obj.pk), **data)

        return type(form_class.__name__, (form_class,), {"service_call": staticmethod(call)})

    def save_model(self, request, obj, form, change):
        obj.pk = form.saved.pk
