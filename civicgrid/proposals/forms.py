from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area

from .models import ProposalCategory


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=80,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("e.g. a pocket park at the corner of 恩县路")}))
    description = forms.CharField(label=_("What should be done, and why"), max_length=3000,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    area = forms.ModelChoiceField(label=_("Where"), queryset=Area.objects.none(), to_field_name="code",
                                  empty_label=_("Choose a community or grid"))
    estimated_cost = forms.IntegerField(label=_("Estimated cost (yuan)"), min_value=1)
    category = forms.ChoiceField(label=_("Category"), choices=[("", "—")] + list(ProposalCategory.choices))

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(
            path__startswith=campaign.area_path, kind__in=["street", "community", "grid"]).order_by("path")


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=80)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=100, initial=1)


class UpdateForm(forms.Form):
    text = forms.CharField(label=_("What happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.ImageField(label=_("Photo"), required=False)
