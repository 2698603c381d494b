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
