"""What a browser session remembers while a resident tracks an appeal by number and code: which
appeals it has proven (for a while, so reloads work), which it has asked a code for, and how many
wrong codes it has typed. Kept in the session, never in the URL."""

from __future__ import annotations

import time

VERIFIED_SECONDS = 30 * 60
MAX_WRONG = 3
_VERIFIED = "portal_tracked"
_ASKED = "portal_track_asked"
_WRONG = "portal_track_wrong"


def _now() -> float:
    return time.time()


def remember_verified(session, tracking_number: str) -> None:
    verified = {k: v for k, v in session.get(_VERIFIED, {}).items() if v > _now()}
    verified[tracking_number] = _now() + VERIFIED_SECONDS
    session[_VERIFIED] = verified
    wrong = session.get(_WRONG, {})
    wrong.pop(tracking_number, None)
    session[_WRONG] = wrong


def is_verified(session, tracking_number: str) -> bool:
    return session.get(_VERIFIED, {}).get(tracking_number, 0) > _now()


def remember_asked(session, tracking_number: str) -> None:
    asked = [t for t in session.get(_ASKED, []) if t != tracking_number][-9:]
    session[_ASKED] = [*asked, tracking_number]
    # A new code is a fresh start; the code's own row still caps the guesses at it.
    wrong = session.get(_WRONG, {})
    wrong.pop(tracking_number, None)
    session[_WRONG] = wrong


def has_asked(session, tracking_number: str) -> bool:
    return tracking_number in session.get(_ASKED, [])


def count_wrong(session, tracking_number: str) -> int:
    wrong = session.get(_WRONG, {})
    wrong[tracking_number] = wrong.get(tracking_number, 0) + 1
    session[_WRONG] = wrong
    return wrong[tracking_number]


def is_locked(session, tracking_number: str) -> bool:
    """Locked after three wrong codes, the same for numbers that exist and numbers that do not."""
    return session.get(_WRONG, {}).get(tracking_number, 0) >= MAX_WRONG
