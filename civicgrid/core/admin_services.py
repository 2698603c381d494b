"""Admin forms that save through a service (HackSoft: the admin only parses and calls).

The service runs during the form's validation, so that its refusal lands on the form (on the field
it names, else above the form) instead of a server error; the ModelAdmin's ``save_model`` then only
reflects what the service saved and audited (``form.saved``). people/admin.py has its own variant:
it tries the service and rolls it back in validation, then calls it again to save.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured, ValidationError


class ServiceFormMixin:
    service_call = None  # set per request by the ModelAdmin: form -> saved object

    def _post_clean(self):
        super()._post_clean()
        if self.errors or self.service_call is None:
            return
        try:
            self.saved = self.service_call(self)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.error_dict.items():
                    self.add_error(name if name in self.fields else None, errors)
            else:
                self.add_error(None, exc)


class ServiceForm(ServiceFormMixin, forms.ModelForm):
    pass


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves go through ``service(request, form, obj)`` (obj: the row being
    changed, None when adding), called during the form's validation; deletes go one by one through
    ``delete_model``, which a subclass points at its service."""

    form = ServiceForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # At registration, not at the first save: a subclass without its service is a setup error.
        if type(self).service is ServiceAdmin.service:
            raise ImproperlyConfigured(f"{type(self).__name__} must define service(request, form, obj).")

    def service(self, request, form, obj):
        """The write: returns the saved object; raises ValidationError to refuse."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        def call(form):
            return model_admin.service(request, form, obj)

        # A subclass per request: the admin instance is shared between threads.
        return type(base.__name__, (base,), {"service_call": staticmethod(call)})

    def save_model(self, request, obj, form, change):
        # The service saved (and audited) during validation; reflect its result.
        obj.pk = form.saved.pk

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
