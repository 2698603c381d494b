"""Forms of the intake pages. They only parse: every rule is checked by intake.submit_appeal."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.coords import SYSTEMS

from .intake import MAX_TEXT, MAX_TITLE


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True})

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


def catalogue_choices(max_level: int | None = None, name_parents: bool = False) -> list:
    """Every active category of the catalogue by name, indented under its parents: staff may file
    at any level, and the live suggestion's buttons (any level) select their code here. With
    ``max_level`` only the categories down to that level (residents choose among the broad ones);
    with ``name_parents`` a name offered more than once (其他 under most parents) says its parent,
    since a closed select shows the option alone, without the indentation around it."""
    from collections import Counter

    from .models import Category

    cats = Category.objects.filter(is_active=True)
    if max_level is not None:
        cats = cats.filter(level__lte=max_level)
    cats = list(cats.select_related("parent").order_by("path").only("code", "name", "level", "parent__name"))
    repeated = {name for name, n in Counter(c.name for c in cats).items() if n > 1} if name_parents else set()

    def label(c) -> str:
        if c.name in repeated and c.parent is not None:
            return _("%(name)s (%(parent)s)") % {"name": c.name, "parent": c.parent.name}
        return c.name

    return [("", _("Not sure: let the platform suggest one"))] + [
        (c.code, "\u3000" * (c.level - 1) + label(c)) for c in cats]


# Residents choose among the catalogue's top two levels: its ~700 leaves mean little to them, and
# the platform suggests the precise one when they are not sure.
RESIDENT_CATEGORY_LEVELS = 2


def resident_category_choices() -> list:
    return catalogue_choices(max_level=RESIDENT_CATEGORY_LEVELS, name_parents=True)


def staff_category_choices() -> list:
    return catalogue_choices(name_parents=True)


class AppealForm(forms.Form):
    # No max_length on the title and the text: it became the box's maxlength, and the browser cut
    # a pasted text without a word. intake refuses a longer one with its length and the cap, the
    # text kept in the box; the page counts the characters as they are typed.
    title = forms.CharField(label=_("Title"), required=False,
                            widget=forms.TextInput(attrs={"data-max-chars": MAX_TITLE}))
    text = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5, "data-max-chars": MAX_TEXT}))
    address = forms.CharField(label=_("Address"), max_length=200, required=False,
                              help_text=_("Road and number, e.g. 恩县路12号"))
    building_code = forms.CharField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(label=_("Longitude"), required=False)
    lat = forms.FloatField(label=_("Latitude"), required=False)
    coord_system = forms.ChoiceField(label=_("Coordinate system"), choices=[(s, s) for s in SYSTEMS], initial="WGS84",
                                     required=False)
    photos = MultiplePhotoField(label=_("Photos"), required=False)
    reporter_name = forms.CharField(label=_("Your name or the caller’s name"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    is_anonymous = forms.BooleanField(label=_("Do not show my name to the handlers"), required=False)
    echo_opt_out = forms.BooleanField(label=_("Do not publish the answer on the echo wall"), required=False)
    category_code = forms.CharField(label=_("Category code"), max_length=20, required=False)

    # Which fields each page shows (the form is one, the channels differ).
    CHANNEL_FIELDS = {
        "web": ["title", "text", "category_code", "address", "lon", "lat", "coord_system", "photos", "reporter_name",
                "reporter_phone", "is_anonymous", "echo_opt_out"],
        "patrol": ["title", "text", "lon", "lat", "coord_system", "photos", "category_code"],
        "hotline": ["reporter_name", "reporter_phone", "title", "text", "address", "category_code", "echo_opt_out"],
    }

    def clean_text(self):
        # Browsers send a textarea's line breaks as CRLF but count them as one character: without
        # this the server's count ran past the page's live count.
        return self.cleaned_data["text"].replace("\r\n", "\n")

    def __init__(self, *args, channel: str = "web", **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.fields["text"].help_text = _("At most %(max)d characters.") % {"max": MAX_TEXT}
        self.fields["title"].help_text = _("Optional; at most %(max)d characters.") % {"max": MAX_TITLE}
        keep = set(self.CHANNEL_FIELDS[channel]) | {"building_code"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if channel == "web":
            # A resident picks from the catalogue instead of typing a code; the point and the
            # building come from the map and the address suggestions, so they travel hidden.
            self.fields["category_code"] = forms.ChoiceField(
                label=_("Category"), required=False, choices=resident_category_choices,
                help_text=_("Optional: if you are not sure, the platform suggests one."))
            self.fields["reporter_name"].label = _("Your name")
            self.fields["reporter_phone"].help_text = _("We send the progress and a code for tracking to this phone.")
            self.fields["photos"].widget = MultipleFileInput(attrs={"accept": "image/*", "multiple": True})
            self.fields["photos"].label = _("Or choose photos from the album")
            for name in ("lon", "lat", "coord_system"):
                self.fields[name].widget = forms.HiddenInput()
        if channel in ("hotline", "patrol"):
            # Chosen by name; the stored value is still the code (the suggestion fills it in).
            self.fields["category_code"] = forms.ChoiceField(
                label=_("Category"), required=False, choices=staff_category_choices,
                help_text=_("Choose by name, or click one of the suggested categories below; leave it empty to "
                            "take the suggestion."))
        if channel == "hotline":
            self.fields["reporter_name"].label = _("Caller’s name")
            self.fields["reporter_phone"].label = _("Caller’s phone number")
        if channel == "patrol":
            self.fields["photos"].required = True
            self.fields["lon"].required = self.fields["lat"].required = True
