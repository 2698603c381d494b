from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area, AreaKind

from .models import PanelKind, ProposalCategory, SelectionMethod

# "必要性 4", "必要性：4", "必要性:4", "必要性×4", "必要性x4". An "x" separates only where it cannot be the
# end of a Latin word, so "Box 3" keeps its name (it was cut to "Bo").
CRITERION_LINE = re.compile(
    r"(?P<name>.+?)(?:\s*[:：×]\s*|\s*(?<![A-Za-z])x\s*|\s+)(?P<weight>\d{1,3})")


def parse_criteria(text: str) -> list[tuple[str, int]] | None:
    """The criteria box, one "name weight" a line; None when it is empty."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return None
    out = []
    for line in lines:
        match = CRITERION_LINE.fullmatch(line)
        if not match:
            raise forms.ValidationError(
                _("Write one criterion a line: its name and a whole-number weight, such as “必要性 4”."))
        out.append((match["name"].strip(), int(match["weight"])))
    return out


class _PlaceChoiceField(forms.ModelChoiceField):
    """A resident picks a place by its name: the 15-digit area code means nothing to them, and a grid
    is set under its community so that the many "第一网格" of a district can be told apart."""

    def label_from_instance(self, obj):
        return f"— {obj.name}" if obj.kind == AreaKind.GRID else obj.name


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=80,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("e.g. a pocket park at the corner of 恩县路")}))
    description = forms.CharField(label=_("What should be done, and why"), max_length=3000,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    area = _PlaceChoiceField(label=_("Where"), queryset=Area.objects.none(), to_field_name="code",
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
    text = forms.CharField(label=_("Progress of the project"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.ImageField(label=_("Photo"), required=False)


class CampaignForm(forms.Form):
    """A new campaign. The numbers are parsed here; every rule on them (a budget above 0, a year
    of four digits, no second campaign of an area in a year) is the service's, shared with the API."""

    title = forms.CharField(label=_("Title"), max_length=120,
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. 2027 livelihood projects of 即墨路街道")}))
    year = forms.IntegerField(label=_("Year"), error_messages={
        "invalid": _("Enter the year as four digits, such as 2027.")})
    area = forms.ModelChoiceField(label=_("District or street"), queryset=Area.objects.none(), to_field_name="code",
                                  empty_label=_("Choose a district or street"))
    description = forms.CharField(label=_("Description"), required=False, max_length=3000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    budget = forms.IntegerField(label=_("Budget (yuan)"), error_messages={
        "invalid": _("Enter the budget in whole yuan, such as 500000.")})
    support_limit = forms.IntegerField(label=_("Supports per resident"), initial=3, error_messages={
        "invalid": _("Enter a whole number.")})
    submission_limit = forms.IntegerField(label=_("Proposals per resident"), initial=3, error_messages={
        "invalid": _("Enter a whole number.")})
    method = forms.ChoiceField(label=_("Selection method"), choices=SelectionMethod.choices,
                               initial=SelectionMethod.APPROVAL)
    cost_unit = forms.IntegerField(label=_("Cost unit of the selection (yuan)"), initial=1000, error_messages={
        "invalid": _("Enter a whole number.")})
    support_weight = forms.IntegerField(label=_("Weight of supports in the value"), initial=1, error_messages={
        "invalid": _("Enter a whole number.")})
    criteria = forms.CharField(
        label=_("Screening criteria"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: the name and a whole-number weight, such as “必要性 4”. Empty: 必要性 4, 可行性 3, 受益面 3."))

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Any district or street is accepted here, the choice offers only the reader's own: a code
        # of another area reaches the service, which refuses it (403) rather than "not a choice".
        self.fields["area"].queryset = Area.objects.filter(kind__in=["district", "street"])
        self.fields["area"].choices = [("", self.fields["area"].empty_label)] + [(a.code, a.name) for a in areas or []]

    def clean_criteria(self) -> list[tuple[str, int]] | None:
        return parse_criteria(self.cleaned_data["criteria"])


class CampaignEditForm(CampaignForm):
    """Correcting a campaign: the same fields but the area (which decides who runs it). An empty
    criteria box means "no criteria" here, which the service refuses, not "the defaults".

    ``frozen`` ({field: reason}, from ``services.frozen_fields``) are the fields the campaign's
    state no longer lets change: they are shown disabled with the reason as their help, and are
    left out of ``changes()``. A value for one of them that differs from the stored one (a page
    loaded before the field froze, or a hand-made request) is refused with that reason."""

    reason = forms.CharField(label=_("Why the change (optional, kept in the audit log)"), required=False,
                             max_length=500)

    def __init__(self, *args, frozen: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, areas=[], **kwargs)
        del self.fields["area"]
        self.frozen = {name: reason for name, reason in (frozen or {}).items() if name in self.fields}
        for name, reason in self.frozen.items():
            self.fields[name].disabled = True
            self.fields[name].help_text = reason

    def clean_criteria(self) -> list[tuple[str, int]]:
        return super().clean_criteria() or []

    def _submitted(self, name: str):
        """What the request says for a disabled field, cleaned as if it were not disabled."""
        field = self.fields[name]
        value = field.clean(field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name)))
        return (parse_criteria(value) or []) if name == "criteria" else value

    def clean(self):
        cleaned = super().clean()
        for name, reason in self.frozen.items():
            if self.add_prefix(name) not in self.data:
                continue   # what a browser sends: nothing for a disabled field
            try:
                changed = self._submitted(name) != cleaned.get(name)
            except forms.ValidationError:
                changed = True
            if changed:
                self.add_error(name, reason)
        return cleaned

    def changes(self) -> dict:
        """The cleaned values to hand to ``update_campaign``: every field but the frozen ones and
        the reason."""
        return {name: value for name, value in self.cleaned_data.items()
                if name != "reason" and name not in self.frozen}

    @staticmethod
    def initial_for(campaign) -> dict:
        return {"title": campaign.title, "year": campaign.year, "description": campaign.description,
                "budget": campaign.budget, "support_limit": campaign.support_limit,
                "submission_limit": campaign.submission_limit, "method": campaign.method,
                "cost_unit": campaign.cost_unit, "support_weight": campaign.support_weight,
                "criteria": "\n".join(f"{c.name} {c.weight}" for c in campaign.criteria.all())}


class PanelForm(forms.Form):
    who = forms.CharField(label=_("Mobile number or username"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=PanelKind.choices, initial=PanelKind.RESIDENT_REP)
