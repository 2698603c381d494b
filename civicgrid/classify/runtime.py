"""The classifier at intake: which version serves an appeal, the loaded models, the suggester.

``model_suggester`` is the callable for ``settings.CATEGORY_SUGGESTER`` (contract in
civicgrid/workorders/suggest.py). It never raises: with no active version, a model that cannot be
loaded (another file format or scikit-learn version: a warning in the log), an empty or non-Chinese
text, or a label that maps to no active category, it answers with the keyword rules instead.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from django.db.models import Count, Max

from civicgrid.core.text import MAX_ANALYSED_CHARS
from civicgrid.workorders.catalogue import Snapshot, get_catalogue
from civicgrid.workorders.suggest import keyword_suggester

from . import textprep
from .engine import ModelFileError, TextClassifier

log = logging.getLogger("civicgrid.classify")


def _build_active():
    from .selectors import active_versions

    return active_versions()


def _active_fingerprint():
    from .models import ModelVersion

    row = ModelVersion.objects.filter(is_active=True).aggregate(n=Count("id"), m=Max("id"), t=Max("activated_at"))
    return tuple(row.values())


active_snapshot = Snapshot("classify-active", _build_active, _active_fingerprint)

_lock = threading.Lock()
# version id -> (model or None when it failed to load, level); a few versions per process at most.
_models: dict[int, tuple[TextClassifier | None, int, int]] = {}
_MAX_MODELS = 8


def forget_active() -> None:
    active_snapshot.forget(everywhere=True)


def loaded_model(version_id: int) -> tuple[TextClassifier | None, int, int]:
    """(model, level, version number), loaded once per process; the model is None when it
    cannot be loaded."""
    cached = _models.get(version_id)
    if cached is not None:
        return cached
    from .models import ModelVersion

    with _lock:
        if version_id in _models:
            return _models[version_id]
        row = ModelVersion.objects.filter(pk=version_id).values("model_data", "level", "number", "scope_path").first()
        model = None
        level, number = (row["level"], row["number"]) if row else (1, 0)
        if row is not None:
            try:
                model = TextClassifier.from_bytes(row["model_data"], name=f"classifier version {row['number']}")
            except ModelFileError as exc:
                log.warning("Category suggestions fall back to the keyword rules: %s", exc)
        if len(_models) >= _MAX_MODELS:
            _models.clear()
        _models[version_id] = (model, level, number)
        return _models[version_id]


def forget_models() -> None:
    with _lock:
        _models.clear()


def category_for_label(label: str, level: int, catalogue=None):
    """The active catalogue category a model label names: by code, by path ("01/0102/"), by full
    name ("城乡建设 / 安全生产"), or by a name that is unique at the model's level (else unique
    anywhere). None when nothing or more than one category matches."""
    catalogue = catalogue or get_catalogue()
    label = (label or "").strip()
    if not label:
        return None
    found = catalogue.by_code.get(label)
    if found is None and "/" in label:
        parts = [p.strip() for p in label.split("/") if p.strip()]
        found = catalogue.by_code.get(parts[-1]) if parts else None
        if found is not None and found.path.strip("/").split("/") != parts:
            found = None
        if found is None and parts:
            found = _by_names(parts, catalogue)
    if found is None:
        named = [c for c in catalogue.by_id.values() if c.name == label]
        # The model's own level first (even an inactive one: then nothing, not a namesake elsewhere).
        at_level = [c for c in named if c.level == level]
        pick = at_level if at_level else [c for c in named if c.is_active]
        found = pick[0] if len(pick) == 1 else None
    return found if found is not None and found.is_active else None


def _by_names(names: list[str], catalogue):
    parent_id = None
    found = None
    for name in names:
        matches = [c for c in catalogue.by_id.values() if c.name == name and c.parent_id == parent_id]
        if len(matches) != 1:
            return None
        found = matches[0]
        parent_id = found.pk
    return found


@dataclass
class Explained:
    """A suggestion with where it came from, for the intake form and the API."""

    category: object | None
    confidence: float
    top3: list = field(default_factory=list)
    source: str = "keywords"  # "model" or "keywords"
    version: int | None = None  # the model version's number
    capped_at: int | None = None


def suggest_with_model(text: str, area_path: str | None) -> Explained | None:
    """The active model's suggestion for the area, or None when the model cannot answer (the
    caller falls back)."""
    if not text or not text.strip() or not textprep.is_chinese(text):
        return None
    from .selectors import active_version_for

    chosen = active_version_for(area_path, active_snapshot.get())
    if chosen is None:
        return None
    model, level, number = loaded_model(chosen[1])
    if model is None:
        return None
    prediction = model.predict_one(text)
    catalogue = get_catalogue()
    best = category_for_label(prediction.label, level, catalogue)
    if best is None:
        return None
    top3 = []
    for label, score in prediction.top3:
        category = category_for_label(label, level, catalogue)
        if category is not None:
            top3.append((category, round(float(score), 3)))
    return Explained(best, round(float(prediction.confidence), 3), top3, "model", number)


def explain(text: str, area=None) -> Explained:
    """What intake would suggest for ``text`` in ``area``; never raises."""
    area_path = getattr(area, "path", area) if area is not None else None
    try:
        answer = suggest_with_model(text, area_path)
    except Exception:  # the intake path must never fail because of a suggestion
        log.exception("The classifier failed; category suggestion falls back to the keyword rules")
        answer = None
    if answer is None:
        category, confidence, top3 = keyword_suggester(text)
        answer = Explained(category, float(confidence or 0.0), list(top3 or []), "keywords", None)
    if text and len(text) > MAX_ANALYSED_CHARS:
        answer.capped_at = MAX_ANALYSED_CHARS
    return answer


def explain_dict(text: str, area=None) -> dict:
    e = explain(text, area)
    return {"code": e.category.code if e.category else None, "name": e.category.name if e.category else None,
            "confidence": e.confidence,
            "top3": [{"code": c.code, "name": c.name, "score": score} for c, score in e.top3],
            "source": e.source, "version": e.version, "capped_at": e.capped_at}


def model_suggester(text: str, area=None):
    """settings.CATEGORY_SUGGESTER: the active model of the appeal's scope, else the keyword rules."""
    e = explain(text, area)
    return e.category, e.confidence, e.top3


# intake passes the appeal's area to suggesters that declare they take it.
model_suggester.accepts_area = True
