"""Forms of the grid worker's pages. They only parse; the services check every rule."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.core.masking import mask_name
from civicgrid.workorders.forms import MultiplePhotoField
from civicgrid.workorders.selectors import leaf_categories

from civicgrid.geo.models import HouseholdTag

from .models import CarePeriod, VisitKind

CAMERA = {"accept": "image/*", "capture": "environment"}


def category_choices():
    return [("", _("Let the platform suggest"))] + [(c.code, f"{c.parent.name if c.parent else ''} · {c.name}")
                                                     for c in leaf_categories()]


class SnapForm(forms.Form):
    photos = MultiplePhotoField(label=_("Photo"), widget=forms.ClearableFileInput(attrs={**CAMERA}))
    text = forms.CharField(label=_("What is wrong"), max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("e.g. manhole cover missing")}))
    category_code = forms.ChoiceField(label=_("Category (optional)"), required=False)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    accuracy = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_code"].choices = category_choices()


class VisitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of visit"), choices=VisitKind.choices, initial=VisitKind.HOUSEHOLD)
    household = forms.TypedChoiceField(label=_("Household"), required=False, coerce=int, empty_value=None)
    summary = forms.CharField(label=_("What you found out"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    needs = forms.CharField(label=_("Needs the household raised"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))
    follow_up = forms.BooleanField(label=_("Visit again / follow up"), required=False)
    is_problem = forms.BooleanField(label=_("This is a problem → file an appeal"), required=False)
    finding_text = forms.CharField(label=_("The problem"), max_length=2000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    photos = MultiplePhotoField(label=_("Photo of the problem"), required=False,
                                widget=forms.ClearableFileInput(attrs={**CAMERA}))
    category_code = forms.ChoiceField(label=_("Category (optional)"), required=False)
    # The phone's position: where the problem is when the visit is not to a building.
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    grid = forms.ChoiceField(label=_("Grid"))
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, grids=(), households=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_code"].choices = category_choices()
        self.fields["grid"].choices = [(g.code, g.name) for g in grids]
        if len(self.fields["grid"].choices) == 1:
            self.fields["grid"].widget = forms.HiddenInput()
            self.initial.setdefault("grid", grids[0].code)
        # Labels carry the room and the masked name only: the form is shown on a phone in the street.
        self.fields["household"].choices = [("", _("— not a household —"))] + [
            (h.pk, f"{h.building.address} {h.entrance}-{h.room} {mask_name(h.head_name)}") for h in households]

    def clean(self):
        data = super().clean()
        if not data.get("is_problem"):
            data["finding_text"] = ""
        elif not (data.get("finding_text") or "").strip():
            self.add_error("finding_text", _("Describe the problem to file it as an appeal."))
        return data


class EndPatrolForm(forms.Form):
    note = forms.CharField(label=_("Patrol note"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CarePolicyForm(forms.Form):
    """A care rule. Tag and interval are plain text behind a select, so that an unknown value gets
    the service's message (the same one the API gives), not a second wording from the form."""

    area = forms.ChoiceField(label=_("Area"))
    tag = forms.CharField(label=_("Care tag"), widget=forms.Select(choices=HouseholdTag.choices))
    period = forms.CharField(label=_("Interval"), widget=forms.Select(choices=CarePeriod.choices))
    days = forms.IntegerField(label=_("Days (for every N days)"), required=False,
                              help_text=_("Only for an interval of every N days: 1 to 366."))
    starts_on = forms.DateField(label=_("In force from"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, areas=(), fixed_area=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_area is not None:
            # A rule belongs to its area: moving it would be a new rule there.
            del self.fields["area"]
        else:
            self.fields["area"].choices = [(a.code, a.name) for a in areas]
