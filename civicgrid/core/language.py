"""The platform's language, for words that outlive the request that wrote them."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def platform_language():
    """Messages stored for others (inbox rows, texts, orders' words) are read by people whose page
    language the writer does not know: they are written in the platform's language (zh-hans by
    default), whatever language the acting user reads. Refusals stay in the acting user's."""
    return translation.override(settings.LANGUAGE_CODE)
