from django import template

register = template.Library()


@register.filter
def grouped(value) -> str:
    """12345678 -> 12,345,678 (amounts in yuan)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return ""
