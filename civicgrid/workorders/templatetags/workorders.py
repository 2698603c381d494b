"""Display names for codes stored on history rows and appeals."""

from django import template
from django.utils.translation import gettext_lazy as _

from ..models import Channel
from ..transitions import TRANSITIONS

register = template.Library()

# History rows that are not moves of the transitions table.
OTHER_ACTIONS = {"intake": _("Received"), "supervise": _("Supervision (督办)"), "whistle": _("Whistle (吹哨)"),
                 "whistle_report": _("Department reported (报到)"),
                 "reply_approved": _("Answer approved for the echo wall"), "answer_rewritten": _("Answer rewritten"),
                 "merged_in": _("Another order merged into this one"),
                 "deadline_shift": _("Deadline moved with the holiday calendar")}


@register.filter
def move_label(action: str) -> str:
    move = TRANSITIONS.get(action)
    if move is not None:
        return move.label
    return OTHER_ACTIONS.get(action, action)


@register.filter
def event_label(event) -> str:
    """A history row's label; a merge names the other order (on both orders' histories)."""
    data = event.data or {}
    if event.action == "merged_in" and data.get("from"):
        return _("Merged %(n)s into this order") % {"n": data["from"]}
    if event.action == "merge" and data.get("into"):
        return _("Merged into %(n)s") % {"n": data["into"]}
    return move_label(event.action)


@register.filter
def channel_label(code: str) -> str:
    try:
        return Channel(code).label
    except ValueError:
        return code
