"""Materialised paths of the area tree."""

from __future__ import annotations

from .models import PATH_SEPARATOR


def path_for(code: str, parent_path: str | None) -> str:
    return f"{parent_path or ''}{code}{PATH_SEPARATOR}"


def depth_of(path: str) -> int:
    return path.count(PATH_SEPARATOR) - 1
