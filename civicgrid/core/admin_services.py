"""Admin forms that save through a service (HackSoft: the admin only parses and calls).

The service runs during the form's validation, so that its refusal lands on the form (on the field
it names, else above the form) instead of a server error; the ModelAdmin's ``save_model`` then only
reflects what the service saved and audited (``form.saved``). people/admin.py has its own variant:
it tries the service and rolls it back in validation, then calls it again to save.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


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
