from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WishForm(forms.Form):
    title = forms.CharField(label=_("What do you wish for?"), max_length=60,
                            widget=forms.TextInput(
                                attrs={"placeholder": _("e.g. a wheelchair, company to the hospital")}))
    description = forms.CharField(label=_("More details"), required=False, max_length=1000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=_("Wished by (optional)"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The date picker offers no past day (the service refuses one anyway).
        self.fields["deadline"].widget.attrs["min"] = timezone.localdate().isoformat()


class BehalfForm(WishForm):
    household = forms.TypedChoiceField(label=_("Household"), coerce=int, choices=())

    def __init__(self, *args, households=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].choices = households
        self.order_fields(["household", "title", "description", "deadline"])


class MoveForm(forms.Form):
    action = forms.CharField()
    reason = forms.CharField(required=False, max_length=500)
    note = forms.CharField(required=False, max_length=4000)
    progress = forms.IntegerField(required=False, min_value=0, max_value=100)
    version = forms.IntegerField(required=False)
    team = forms.IntegerField(required=False)
