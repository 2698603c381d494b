"""A tqdm progress bar for import services (they take any ``progress(iterable, total, desc)``)."""

from __future__ import annotations

from tqdm import tqdm


def tqdm_progress(stream, enabled: bool = True):
    def progress(iterable, total, desc):
        return tqdm(iterable, total=total, desc=desc, unit="row", file=stream, disable=not enabled, leave=False)

    return progress
