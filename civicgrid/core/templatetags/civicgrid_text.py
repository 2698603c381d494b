"""Text helpers for templates: ``{% load civicgrid_text %}``, ``{{ words|join_list }}``."""

from django import template

from civicgrid.core.listing import join_list as _join_list
from civicgrid.core.listing import list_separator as _list_separator

register = template.Library()


@register.filter
def join_list(items) -> str:
    """Items joined with the active language's list separator (、 in Chinese, ", " in English)."""
    return _join_list(items or ())


@register.simple_tag
def list_separator() -> str:
    """The separator alone, for lists written with a loop: ``{% if not forloop.last %}{% list_separator %}{% endif %}``."""
    return _list_separator()
