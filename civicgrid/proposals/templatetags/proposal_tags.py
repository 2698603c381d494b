from django import template

register = template.Library()


@register.filter
def grouped(value) -> str:
    """12345678 -> 12,345,678 (amounts in yuan)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return ""


@register.filter
def mask_phone(value) -> str:
    """A panellist's number on the staff page: enough to tell two people apart, no more."""
    from civicgrid.core.masking import mask_phone as mask

    return mask(value or "")
