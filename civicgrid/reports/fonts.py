"""The CJK font that the PDF embeds and the charts draw with.

Lookup order (the first file that exists wins):
1. ``settings.REPORT_FONT`` or the ``REPORT_FONT`` environment variable (a TrueType .ttf/.ttc path;
   ``REPORT_FONT_INDEX`` picks the face inside a .ttc, default 0);
2. known system paths (Debian ``fonts-wqy-microhei``, ``fonts-wqy-zenhei``, other TrueType CJK fonts);
3. the font shipped by the PyPI package ``paperang-p2-fonts-cjk`` if it is installed and
   byte-identical to Debian's wqy-microhei.ttc (checked by SHA-256).

reportlab embeds only TrueType-outline fonts (glyf), not CFF-based OpenType (.otf, and the .ttc of
Noto/Source Han Sans CJK), so only TrueType files are listed (ADR 012). A missing font is a clear
error in the user's language that says what to install, never a crash with a traceback.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

FONT_NAME = "CivicgridCJK"

# (path, index of the face inside a .ttc)
SYSTEM_FONTS = [
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),  # Fedora, Arch
    ("/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc", 0),
    ("/System/Library/Fonts/STHeiti Medium.ttc", 0),  # macOS
    ("C:/Windows/Fonts/simhei.ttf", 0),
]
PYPI_PACKAGE = "paperang-p2-fonts-cjk"
# The PyPI package is a third party's; its file is used only while it is byte-identical to
# Debian's wqy-microhei.ttc (fonts-wqy-microhei 0.2.0-beta), whose licence (Apache-2.0 or GPLv3
# with the font exception) allows embedding.
PYPI_FONT_SHA256 = "2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3"
INSTALL_HINT = "apt-get install fonts-wqy-microhei"


class FontMissing(Exception):
    """No usable CJK font: the message says what to install."""


@dataclass(frozen=True)
class FontChoice:
    path: str
    index: int
    source: str  # "setting", "system" or "pypi"


@lru_cache(maxsize=1)
def _pypi_font() -> str | None:
    try:
        import paperang_p2_fonts_cjk  # noqa: PLC0415 (optional)
    except ImportError:
        return None
    path = Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc"
    if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != PYPI_FONT_SHA256:
        return None
    return str(path)


def find_font() -> FontChoice:
    path = getattr(settings, "REPORT_FONT", "") or os.environ.get("REPORT_FONT", "")
    if path:
        index = int(getattr(settings, "REPORT_FONT_INDEX", 0) or os.environ.get("REPORT_FONT_INDEX", 0) or 0)
        if not Path(path).is_file():
            raise FontMissing(_("REPORT_FONT names %(path)s, which does not exist.") % {"path": path})
        if path.lower().endswith(".otf"):
            raise FontMissing(_("REPORT_FONT must be a TrueType font (.ttf or .ttc); %(path)s is OpenType/CFF, "
                                "which the PDF writer cannot embed.") % {"path": path})
        return FontChoice(path, index, "setting")
    for path, index in SYSTEM_FONTS:
        if Path(path).is_file():
            return FontChoice(path, index, "system")
    path = _pypi_font()
    if path:
        return FontChoice(path, 0, "pypi")
    raise FontMissing(_("No Chinese font for the PDF. Install one: %(apt)s (Debian/Ubuntu, as root), or "
                        "pip install %(pypi)s, or set REPORT_FONT to a TrueType .ttf/.ttc file; then run the "
                        "command again.") % {"apt": INSTALL_HINT, "pypi": PYPI_PACKAGE})


@lru_cache(maxsize=4)
def _register(path: str, index: int) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=index))
    from reportlab.lib.fonts import addMapping

    # One face for every style: bold text is drawn by size and rules, not a second font file.
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FONT_NAME, bold, italic, FONT_NAME)
    return FONT_NAME


@lru_cache(maxsize=4)
def _matplotlib_family(path: str) -> str:
    from matplotlib import font_manager

    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def prepare() -> tuple[str, str, FontChoice]:
    """(reportlab font name, matplotlib family, the choice); raises FontMissing."""
    choice = find_font()
    return _register(choice.path, choice.index), _matplotlib_family(choice.path), choice
