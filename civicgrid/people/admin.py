"""Administration of people, units, grid teams and 包联 for a district administrator.

Every save and delete goes through people.services, so the same rules apply as elsewhere and an
audit row is written. Forms run the service once inside a rolled-back savepoint while validating,
so a refusal shows up as a form error instead of a server error. Only global administrators
(superusers or the admin role) may use these pages: the admin has no jurisdiction filter.
"""

from __future__ import annotations

import contextvars

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin import AuditedPersonalDataReadMixin
from civicgrid.core.masking import mask_phone
from civicgrid.geo.models import Area

from . import services
from .forms import password_rules_html
from .jurisdiction import jurisdiction_for
from .models import (
    BaolianAssignment,
    BaolianLevel,
    BuildingLeader,
    GridListItem,
    GridTeamMember,
    Membership,
    OneTimeCode,
    PartyBranch,
    Unit,
    User,
)

_actor: contextvars.ContextVar = contextvars.ContextVar("civicgrid_admin_actor", default=None)


def _area_autocomplete() -> bool:
    # geo/admin.py (imported first: geo precedes people in INSTALLED_APPS) gives Area search_fields;
    # without it autocomplete would fail the admin checks, so fall back to raw ids.
    area_admin = admin.site._registry.get(Area)
    return bool(area_admin and area_admin.search_fields)


AREA_AUTOCOMPLETE = _area_autocomplete()


class _DryRun(Exception):
    pass


def _errors_for(form, exc: ValidationError) -> ValidationError:
    """Map a service's errors onto the form: unknown field names become non-field errors."""
    if not hasattr(exc, "error_dict"):
        return exc
    mapped: dict[str, list] = {}
    for name, errors in exc.error_dict.items():
        key = name if name in form.fields else NON_FIELD_ERRORS
        mapped.setdefault(key, []).extend(errors)
    return ValidationError(mapped)


class ServiceForm(forms.ModelForm):
    """A model form whose clean() tries the admin's service call and rolls it back."""

    admin_request = None
    model_admin = None

    def clean(self):
        data = super().clean()
        if self._errors:
            return data
        try:
            with transaction.atomic():
                self.model_admin.call_service(self.admin_request, self, self.instance.pk is not None)
                raise _DryRun
        except _DryRun:
            pass
        except ValidationError as exc:
            raise _errors_for(self, exc) from exc
        return data


class GlobalAdminOnly:
    """The admin shows everything, so only global administrators may open these pages."""

    def _global(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and jurisdiction_for(request.user).is_global

    def has_module_permission(self, request):
        return self._global(request)

    def has_view_permission(self, request, obj=None):
        return self._global(request)

    def has_add_permission(self, request, *args):
        return self._global(request)

    def has_change_permission(self, request, obj=None):
        return self._global(request)

    def has_delete_permission(self, request, obj=None):
        return self._global(request)


class ServiceAdmin(GlobalAdminOnly, admin.ModelAdmin):
    """Saves through ``call_service`` and deletes through ``delete_service``."""

    form = ServiceForm

    def get_form(self, request, obj=None, **kwargs):
        base = super().get_form(request, obj, **kwargs)
        # A subclass per request: the admin instance is shared between threads.
        return type(base.__name__, (base,), {"admin_request": request, "model_admin": self})

    def call_service(self, request, form, change: bool):
        raise NotImplementedError

    def delete_service(self, request, obj):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        result = self.call_service(request, form, change)
        # The admin keeps using ``obj`` (messages, log entry, redirect): make it the saved row.
        obj.__dict__.update(result.__dict__)

    def delete_model(self, request, obj):
        self.delete_service(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_service(request, obj)

    @staticmethod
    def fresh(form):
        """The row as stored: the form has already written its values onto form.instance."""
        instance = form.instance
        return type(instance)._default_manager.get(pk=instance.pk)


# --- users --------------------------------------------------------------------------------------
class StaffCreationForm(forms.ModelForm):
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_rules_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    admin_request = None

    class Meta:
        model = User
        fields = ("username", "real_name", "phone", "is_staff")

    def _post_clean(self):
        # The service checks uniqueness and the rules; the model form's own checks would only
        # repeat them in other words.
        pass

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", gettext("The two passwords differ."))
        if self._errors:
            return data
        try:
            services.validate_staff_user(
                self.admin_request.user, data.get("username"), data.get("password1"), data.get("real_name"),
                data.get("phone") or None, bool(data.get("is_staff")),
            )
        except ValidationError as exc:
            errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
            if "password" in errors:
                errors["password1"] = errors.pop("password")
            raise _errors_for(self, ValidationError(errors)) from exc
        return data


class StaffChangeForm(UserChangeForm):
    admin_request = None

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean_phone(self):
        phone = self.cleaned_data.get("phone")
        if not phone:
            return None
        try:
            return services.validate_mobile(phone)
        except ValidationError as exc:
            raise ValidationError(exc.error_dict["phone"]) from exc

    def clean(self):
        data = super().clean()
        if self._errors:
            return data
        try:
            with transaction.atomic():
                fields = {f: data[f] for f in self.changed_data if f in UserAdmin.service_fields}
                if fields:
                    services.update_user(self.admin_request.user, User.objects.get(pk=self.instance.pk), **fields)
                raise _DryRun
        except _DryRun:
            pass
        except ValidationError as exc:
            raise _errors_for(self, exc) from exc
        return data


class ServicePasswordForm(AdminPasswordChangeForm):
    """Sets a password through the service; an administrator cannot switch password sign-in off
    here (a resident's account has none and signs in by phone)."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = True
        self.fields["password2"].required = True

    def save(self, commit=True):
        services.set_user_password(_actor.get(), self.user, self.cleaned_data["password1"])
        return self.user


class MembershipInline(admin.TabularInline):
    """Existing roles, read-only: a role is revoked from the membership list, never edited."""

    model = Membership
    extra = 0
    can_delete = False
    fields = ("role", "area", "unit", "title", "is_active", "created_at")
    readonly_fields = fields
    verbose_name_plural = _("roles held")
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class NewMembershipForm(forms.ModelForm):
    admin_request = None

    class Meta:
        model = Membership
        fields = ("role", "area", "unit", "title")

    def clean(self):
        data = super().clean()
        if self._errors or not self.has_changed():
            return data
        user = getattr(self, "parent_user", None)
        if user is None or user.pk is None:
            return data
        try:
            services.validate_membership_grant(
                self.admin_request.user, user, data.get("role"), data.get("area"), data.get("unit")
            )
        except ValidationError as exc:
            raise _errors_for(self, exc) from exc
        return data


class NewMembershipInline(admin.TabularInline):
    model = Membership
    form = NewMembershipForm
    extra = 1
    can_delete = False
    fields = ("role", "area", "unit", "title")
    verbose_name = _("new role")
    verbose_name_plural = _("grant a new role")
    autocomplete_fields = ["unit"]
    raw_id_fields = [] if AREA_AUTOCOMPLETE else ["area"]

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        form = type(formset.form.__name__, (formset.form,), {"admin_request": request, "parent_user": obj})
        formset.form = form
        return formset


if AREA_AUTOCOMPLETE:
    NewMembershipInline.autocomplete_fields = ["area", "unit"]


@admin.register(User)
class UserAdmin(AuditedPersonalDataReadMixin, GlobalAdminOnly, DjangoUserAdmin):
    personal_fields = ("phone", "real_name", "email")
    form = StaffChangeForm
    add_form = StaffCreationForm
    change_password_form = ServicePasswordForm
    service_fields = ("real_name", "phone", "email", "is_active", "is_staff", "is_party_member", "first_name", "last_name")
    list_display = ("username", "real_name", "masked_phone", "roles", "is_staff", "is_active", "is_demo", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "is_demo", "is_party_member", "memberships__role")
    search_fields = ("username", "real_name", "phone")
    ordering = ("username",)
    readonly_fields = ("is_superuser", "is_demo", "last_login", "date_joined", "password_changed_at")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("real_name", "phone", "email", "is_party_member")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser", "is_demo")}),
        (_("Dates"), {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "real_name", "phone", "is_staff", "password1", "password2")}),)
    inlines = [MembershipInline, NewMembershipInline]

    @admin.display(description=_("mobile phone"), ordering="phone")
    def masked_phone(self, obj):
        return mask_phone(obj.phone or "")

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return ", ".join(sorted({m.get_role_display() for m in obj.memberships.all() if m.is_active}))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_form(self, request, obj=None, **kwargs):
        base = super().get_form(request, obj, **kwargs)
        return type(base.__name__, (base,), {"admin_request": request})

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, not deleted: the audit log and old work orders refer to them.
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            data = form.cleaned_data
            user = services.create_staff_user(
                request.user, data["username"], data["password1"], data["real_name"],
                data.get("phone") or None, bool(data.get("is_staff")),
            )
            obj.__dict__.update(user.__dict__)
            return
        fields = {f: form.cleaned_data[f] for f in form.changed_data if f in self.service_fields}
        if fields:
            user = services.update_user(request.user, User.objects.get(pk=obj.pk), **fields)
            obj.__dict__.update(user.__dict__)

    def save_formset(self, request, form, formset, change):
        if not issubclass(formset.form, NewMembershipForm):
            return super().save_formset(request, form, formset, change)
        created = []
        for inline_form in formset.forms:
            if inline_form.instance.pk is None and inline_form.has_changed() and inline_form.cleaned_data:
                data = inline_form.cleaned_data
                created.append(
                    services.grant_membership(
                        request.user, form.instance, data["role"], data.get("area"), data.get("unit"), data.get("title", "")
                    )
                )
        # The admin's change message reads what formset.save() would have set.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = created, [], []

    def user_change_password(self, request, id, form_url=""):
        token = _actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _actor.reset(token)


# --- units and memberships -----------------------------------------------------------------------
@admin.register(Unit)
class UnitAdmin(ServiceAdmin):
    list_display = ("code", "name", "kind", "area", "duty_phone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "short_name")
    fields = services.UNIT_FIELDS
    autocomplete_fields = ["parent"] + (["area"] if AREA_AUTOCOMPLETE else [])
    raw_id_fields = [] if AREA_AUTOCOMPLETE else ["area"]

    def call_service(self, request, form, change):
        unit = self.fresh(form) if change else Unit()
        fields = {f: form.cleaned_data[f] for f in services.UNIT_FIELDS if f in form.cleaned_data}
        if change:
            fields = {f: v for f, v in fields.items() if f in form.changed_data}
        # Through the work orders' wrapper: switching a unit off or on changes which unit the
        # responsibility list suggests for the orders waiting for dispatch.
        from civicgrid.workorders.unit_changes import save_unit

        result = save_unit(request.user, unit, **fields)
        if result.resuggested:
            self.message_user(request, ngettext(
                "%(n)d order waiting for dispatch now suggests another unit.",
                "%(n)d orders waiting for dispatch now suggest another unit.", len(result.resuggested))
                % {"n": len(result.resuggested)}, messages.INFO)
        if result.still_held:
            self.message_user(request, ngettext(
                "%(unit)s still holds %(n)d open order: redispatch it from the workbench.",
                "%(unit)s still holds %(n)d open orders: redispatch them from the workbench.", result.still_held)
                % {"unit": result.unit.name, "n": result.still_held}, messages.WARNING)
        return result.unit

    def has_delete_permission(self, request, obj=None):
        # Units are deactivated: work orders and memberships keep pointing at them.
        return False


@admin.action(description=_("Revoke the selected roles"))
def revoke_memberships(modeladmin, request, queryset):
    done = 0
    for membership in queryset.filter(is_active=True).select_related("area", "user"):
        try:
            services.revoke_membership(request.user, membership, reason=gettext("revoked in the administration"))
            done += 1
        except ValidationError as exc:
            modeladmin.message_user(request, f"{membership}: {' '.join(exc.messages)}", messages.ERROR)
    modeladmin.message_user(request, gettext("%(n)d roles revoked.") % {"n": done}, messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    list_display = ("user", "role", "area", "unit", "title", "is_active", "created_at")
    list_filter = ("role", "is_active")
    search_fields = ("user__username", "user__real_name", "area__name", "area__code", "unit__name")
    autocomplete_fields = ["user", "unit"] + (["area"] if AREA_AUTOCOMPLETE else [])
    raw_id_fields = [] if AREA_AUTOCOMPLETE else ["area"]
    actions = [revoke_memberships]
    list_select_related = ("user", "area", "unit")

    def get_fields(self, request, obj=None):
        return ("user", "role", "area", "unit", "title", "is_active") if obj else ("user", "role", "area", "unit", "title")

    def get_readonly_fields(self, request, obj=None):
        # Role and place are fixed once granted: revoke and grant anew, so history stays true.
        return ("user", "role", "area", "unit", "is_active") if obj else ()

    def call_service(self, request, form, change):
        data = form.cleaned_data
        if change:
            return services.update_membership_title(request.user, self.fresh(form), data.get("title", ""))
        return services.grant_membership(
            request.user, data["user"], data["role"], data.get("area"), data.get("unit"), data.get("title", "")
        )

    def has_delete_permission(self, request, obj=None):
        return False


# --- 包联 ----------------------------------------------------------------------------------------
class BaolianForm(ServiceForm):
    class Meta:
        model = BaolianAssignment
        fields = ("cadre", "level", "area", "building", "household", "since", "note")

    def clean(self):
        data = self.cleaned_data
        if self.instance.pk is None and not self._errors:
            level = data.get("level")
            target_field = {"street": "area", "community": "area", "building": "building", "household": "household"}.get(level)
            for name in ("area", "building", "household"):
                if name == target_field and not data.get(name):
                    self.add_error(name, gettext("Choose the target of this level."))
                elif name != target_field and data.get(name):
                    self.add_error(name, gettext("Leave this empty for the chosen level."))
        return super().clean()

    def _post_clean(self):
        # The check constraint on the target is the service's concern (it gives clearer words).
        pass


@admin.register(BaolianAssignment)
class BaolianAssignmentAdmin(ServiceAdmin):
    form = BaolianForm
    list_display = ("cadre", "level", "target", "since", "note")
    list_filter = ("level",)
    search_fields = ("cadre__username", "cadre__real_name", "area__name", "building__address", "note")
    autocomplete_fields = ["cadre"]
    raw_id_fields = ["area", "building", "household"]
    list_select_related = ("cadre", "area", "building", "household")

    @admin.display(description=_("target"))
    def target(self, obj):
        return obj.area or obj.building or obj.household

    def get_readonly_fields(self, request, obj=None):
        return ("cadre", "level", "area", "building", "household") if obj else ()

    def call_service(self, request, form, change):
        data = form.cleaned_data
        if change:
            return services.update_baolian(request.user, self.fresh(form), since=data.get("since"), note=data.get("note", ""))
        level = data["level"]
        target = {
            BaolianLevel.STREET: data.get("area"),
            BaolianLevel.COMMUNITY: data.get("area"),
            BaolianLevel.BUILDING: data.get("building"),
            BaolianLevel.HOUSEHOLD: data.get("household"),
        }[BaolianLevel(level)]
        return services.assign_baolian(request.user, data["cadre"], level, target, data.get("since"), data.get("note", ""))

    def delete_service(self, request, obj):
        services.end_baolian(request.user, obj)


# --- grids: party branch, building leaders, 五人小组, 四张清单 --------------------------------------
@admin.register(PartyBranch)
class PartyBranchAdmin(ServiceAdmin):
    list_display = ("name", "grid", "secretary", "members_count")
    search_fields = ("name", "grid__name", "grid__code")
    autocomplete_fields = ["secretary"] + (["grid"] if AREA_AUTOCOMPLETE else [])
    raw_id_fields = [] if AREA_AUTOCOMPLETE else ["grid"]
    list_select_related = ("grid", "secretary")

    def get_readonly_fields(self, request, obj=None):
        return ("grid",) if obj else ()

    def call_service(self, request, form, change):
        data = form.cleaned_data
        grid = self.fresh(form).grid if change else data.get("grid")
        return services.set_party_branch(
            request.user, grid, data.get("name"), data.get("secretary"), data.get("members_count") or 0
        )

    def delete_service(self, request, obj):
        services.remove_party_branch(request.user, obj)


@admin.register(BuildingLeader)
class BuildingLeaderAdmin(ServiceAdmin):
    list_display = ("building", "user", "is_pioneer")
    list_filter = ("is_pioneer",)
    search_fields = ("building__address", "building__code", "user__username", "user__real_name")
    autocomplete_fields = ["user"]
    raw_id_fields = ["building"]
    list_select_related = ("building", "user")

    def get_readonly_fields(self, request, obj=None):
        return ("building", "user") if obj else ()

    def call_service(self, request, form, change):
        data = form.cleaned_data
        stored = self.fresh(form) if change else None
        building = stored.building if stored else data.get("building")
        user = stored.user if stored else data.get("user")
        return services.set_building_leader(request.user, building, user, bool(data.get("is_pioneer")))

    def delete_service(self, request, obj):
        services.remove_building_leader(request.user, obj)


@admin.register(GridTeamMember)
class GridTeamMemberAdmin(ServiceAdmin):
    list_display = ("grid", "position", "user", "work_phone")
    list_filter = ("position",)
    search_fields = ("grid__name", "grid__code", "user__username", "user__real_name")
    autocomplete_fields = ["user"] + (["grid"] if AREA_AUTOCOMPLETE else [])
    raw_id_fields = [] if AREA_AUTOCOMPLETE else ["grid"]
    list_select_related = ("grid", "user")

    def get_readonly_fields(self, request, obj=None):
        return ("grid", "position") if obj else ()

    def call_service(self, request, form, change):
        data = form.cleaned_data
        stored = self.fresh(form) if change else None
        grid = stored.grid if stored else data.get("grid")
        position = stored.position if stored else data.get("position")
        return services.set_grid_team_member(request.user, grid, position, data.get("user"), data.get("work_phone", ""))

    def delete_service(self, request, obj):
        services.remove_grid_team_member(request.user, obj)


@admin.register(GridListItem)
class GridListItemAdmin(ServiceAdmin):
    list_display = ("grid", "list_kind", "title", "contact", "position")
    list_filter = ("list_kind",)
    search_fields = ("title", "detail", "grid__name", "grid__code")
    autocomplete_fields = ["grid"] if AREA_AUTOCOMPLETE else []
    raw_id_fields = [] if AREA_AUTOCOMPLETE else ["grid"]
    list_select_related = ("grid",)

    def get_readonly_fields(self, request, obj=None):
        return ("grid",) if obj else ()

    def call_service(self, request, form, change):
        data = form.cleaned_data
        if change:
            fields = {f: data[f] for f in services.GRID_LIST_FIELDS if f in form.changed_data}
            return services.update_grid_list_item(request.user, self.fresh(form), **fields)
        return services.add_grid_list_item(
            request.user, data.get("grid"), data.get("list_kind"), data.get("title"),
            data.get("detail", ""), data.get("contact", ""), data.get("position"),
        )

    def delete_service(self, request, obj):
        services.remove_grid_list_item(request.user, obj)


# --- one-time codes ------------------------------------------------------------------------------
@admin.register(OneTimeCode)
class OneTimeCodeAdmin(GlobalAdminOnly, admin.ModelAdmin):
    """For answering "I got no code": when it was sent, whether it was used. Never the code."""

    list_display = ("masked_phone", "purpose", "created_at", "expires_at", "attempts", "used_at")
    list_filter = ("purpose",)
    search_fields = ("phone",)
    fields = ("masked_phone", "purpose", "created_at", "expires_at", "attempts", "used_at")
    readonly_fields = fields
    date_hierarchy = "created_at"

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- API tokens: made, rotated and revoked through people.services, so each is audited --------
from rest_framework.authtoken.admin import TokenAdmin as _DrfTokenAdmin  # noqa: E402
from rest_framework.authtoken.models import TokenProxy  # noqa: E402

if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ApiTokenAdmin(_DrfTokenAdmin):
    list_display = ("key", "user", "created", "expires")

    @admin.display(description=_("expires"))
    def expires(self, obj):
        return services.api_token_expires_at(obj)

    def get_readonly_fields(self, request, obj=None):
        return ("user",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing to change on a token: delete it, or add a new one (which replaces it)
        token = services.issue_api_token(request.user, obj.user, reason="admin")
        obj.key, obj.created = token.key, token.created

    def delete_model(self, request, obj):
        services.revoke_api_token(request.user, obj.user, reason="admin")

    def delete_queryset(self, request, queryset):
        for token in queryset.select_related("user"):
            services.revoke_api_token(request.user, token.user, reason="admin")
