"""Materialised paths of the area tree."""

from __future__ import annotations

from .models import PATH_SEPARATOR


def path_for(code: str, parent_path: str | None) -> str:
    return f"{parent_path or ''}{code}{PATH_SEPARATOR}"


def depth_of(path: str) -> int:
    return path.count(PATH_SEPARATOR) - 1


def ancestor_paths(path: str) -> list[str]:
    """"a/b/c/" → ["a/", "a/b/", "a/b/c/"]: the path of every area that contains this one, the root
    first and the area itself last (a rule, template or campaign scoped to any of them applies)."""
    return [path[: i + 1] for i, ch in enumerate(path) if ch == PATH_SEPARATOR]
