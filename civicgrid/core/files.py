"""Reading the text files administrators import (CSV, GeoJSON).

Excel on a Chinese Windows saves "CSV (逗号分隔)" in GBK, not UTF-8, and so do many government
exports; a UTF-8 file may start with a byte-order mark. Imports read both: UTF-8 first (a GBK file
is almost never valid UTF-8), then GB18030, the superset of GBK and GB2312.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

ENCODINGS = ("utf-8-sig", "gb18030")


class TextEncodingError(UnicodeError):
    """The bytes are neither UTF-8 nor GB18030 text."""


def decode_text(data: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TextEncodingError(_("the file is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8 and try again"))


def read_text(path) -> str:
    """The text of the file at ``path`` (OSError if it cannot be opened, TextEncodingError if it is
    not text in a known encoding)."""
    return decode_text(Path(path).read_bytes())
