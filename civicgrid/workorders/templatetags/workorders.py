"""Display names for codes stored on history rows and appeals."""

from django import template
from django.utils.translation import gettext_lazy as _

from ..models import Channel
from ..transitions import TRANSITIONS

register = template.Library()

# History rows that are not moves of the transitions table.
OTHER_ACTIONS = {"intake": _("Received"), "supervise": _("Supervision (督办)"), "whistle": _("Whistle (吹哨)"),
                 "whistle_report": _("Department reported (报到)"),
                 "reply_approved": _("Answer approved for the echo wall"), "answer_rewritten": _("Answer rewritten")}


@register.filter
def move_label(action: str) -> str:
    move = TRANSITIONS.get(action)
    if move is not None:
        return move.label
    return OTHER_ACTIONS.get(action, action)


@register.filter
def channel_label(code: str) -> str:
    try:
        return Channel(code).label
    except ValueError:
        return code
