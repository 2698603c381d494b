from django import template

register = template.Library()

TONES = {"pending": "warn", "rejected": "plain", "open": "", "claimed": "warn", "fulfilled": "ok",
         "confirmed": "ok", "cancelled": "plain", "in_progress": "warn", "solved": "ok"}


@register.filter
def tone(state: str) -> str:
    return TONES.get(state, "")


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.simple_tag
def wish_tabs(user) -> dict:
    """Which of the signed-in user's tabs lead somewhere: a tab that answers 403 only confuses."""
    from civicgrid.people.jurisdiction import jurisdiction_for

    from .. import rules, selectors

    if not getattr(user, "is_authenticated", False):
        return {"claim": False, "problems": False}
    return {"claim": rules.may_claim_wishes(user),
            "problems": selectors.is_wish_staff(jurisdiction_for(user)) or rules.is_secretary(user)}
