from __future__ import annotations

from django import template

from civicgrid.core.masking import mask_phone
from civicgrid.people.jurisdiction import jurisdiction_for

register = template.Library()


@register.filter
def top_bar_name(user) -> str:
    """How the top bar names the signed-in user. A resident who signed in by phone has a login made
    from the number (r138…): never show it, it is neither a name nor something they chose. Staff
    keep their real name, else the username they sign in with."""
    if user.real_name:
        return user.real_name
    if not jurisdiction_for(user).is_staff and user.phone:
        return mask_phone(user.phone)
    return user.username
