"""Forms of the portal pages. They only parse; the services check every rule."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TrackForm(forms.Form):
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=24,
                                      help_text=_("It starts with SQ and is in the text we sent you."),
                                      widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}))
    phone = forms.CharField(label=_("The mobile phone you gave"), max_length=20,
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}))

    def clean_tracking_number(self):
        return self.cleaned_data["tracking_number"].strip().upper()


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(name)s (%(kind)s)") % {"name": obj.name, "kind": obj.get_kind_display()}


class NoticeForm(forms.Form):
    area = AreaChoiceField(label=_("For residents of"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        from civicgrid.geo.models import Area

        self.fields["area"].queryset = Area.objects.filter(pk__in=[a.pk for a in areas]).order_by("path")
