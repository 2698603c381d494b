"""Lists in running text, with the active language's separator: 路灯、不亮 in Chinese, "路灯, 不亮"
in English. A hard-coded 、 put Chinese punctuation on English pages."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import pgettext


def list_separator() -> str:
    # Translators: the separator between the items of a list in running text.
    return pgettext("list separator", ", ")


def join_list(items: Iterable) -> str:
    return list_separator().join(str(i) for i in items)
