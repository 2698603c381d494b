"""Writes of the classifier app: store a trained model as a new version, activate one, roll back.

Every write runs in one transaction, locks the scope's versions so two activations cannot race,
keeps exactly one active version per scope (also a database constraint), and writes an audit row.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.services import record_event
from civicgrid.people.jurisdiction import jurisdiction_for

from . import runtime, selectors
from .datasets import Dataset
from .engine import FORMAT_VERSION, TextClassifier
from .evaluation import cross_validate
from .models import ModelVersion

MIN_ROWS_PER_LABEL = 5


class ClassifyError(Exception):
    """A refused classifier action; the message is for the user."""


@dataclass
class TrainResult:
    version: ModelVersion
    data: Dataset
    seconds: float
    model: TextClassifier | None = None


def _check_manager(actor, scope_path: str) -> None:
    # Commands run as the system (actor None); people need the role for the scope.
    if actor is None:
        return
    if not selectors.can_manage_scope(jurisdiction_for(actor), scope_path):
        raise PermissionDenied(_("You may not manage the classifier of this scope."))


def train_version(*, actor, data: Dataset, area=None, level: int = 1, source: str = ModelVersion.Source.ORDERS,
                  names: dict[str, str] | None = None, activate: bool = False, progress=None,
                  unlabelled: list[str] | None = None) -> TrainResult:
    """Cross-validate, fit on every row (self-training on ``unlabelled`` texts when given, see
    ``CharSvm.fit``) and store the model as the scope's next version."""
    scope_path = area.path if area is not None else ""
    _check_manager(actor, scope_path)
    data.drop_rare_labels(MIN_ROWS_PER_LABEL)
    counts = data.label_counts()
    if len(counts) < 2:
        raise ClassifyError(
            _("Not enough training data: %(n)d usable rows in %(labels)d labels; at least two labels with "
              "%(min)d rows each are needed.") % {"n": len(data.labels), "labels": len(counts), "min": MIN_ROWS_PER_LABEL})
    started = time.perf_counter()
    cv = cross_validate(data.texts, data.labels, progress=progress)
    model = TextClassifier().fit(data.texts, data.labels, progress=progress, unlabelled=unlabelled)
    seconds = time.perf_counter() - started
    blob = model.to_bytes()
    import sklearn

    names = names or {}
    with transaction.atomic():
        # Lock the scope's rows: the next number and the single active version stay consistent.
        list(ModelVersion.objects.select_for_update().filter(scope_path=scope_path).values_list("pk", flat=True))
        number = (ModelVersion.objects.filter(scope_path=scope_path).aggregate(n=Max("number"))["n"] or 0) + 1
        version = ModelVersion.objects.create(
            number=number, scope_area=area, scope_path=scope_path, level=level, source=source,
            created_by=actor if getattr(actor, "is_authenticated", False) else None, rows=len(data.labels),
            labels=[{"label": label, "name": names.get(label, label), "rows": counts[label]} for label in sorted(counts)],
            metrics=cv.as_metrics(), skipped=[{"reason": r, "rows": n} for r, n in sorted(data.skipped.items())],
            format_version=FORMAT_VERSION, sklearn_version=sklearn.__version__, model_data=blob,
            size_bytes=len(blob), training_seconds=round(seconds, 2),
        )
        record_event(actor=actor, action="classify.train", obj=version,
                     changes={"rows": version.rows, "labels": len(counts), "macro_f1": version.metrics["macro_f1"],
                              "level": level, "source": source})
        if activate:
            _activate(actor, version)
    return TrainResult(version, data, seconds, model)


def _activate(actor, version: ModelVersion) -> ModelVersion | None:
    """Inside a transaction: make ``version`` the scope's active one; returns the one it replaces."""
    scope = list(ModelVersion.objects.select_for_update().filter(scope_path=version.scope_path).defer("model_data"))
    previous = next((v for v in scope if v.is_active), None)
    if previous is not None and previous.pk == version.pk:
        return previous
    if previous is not None:
        ModelVersion.objects.filter(pk=previous.pk).update(is_active=False)
    now = timezone.now()
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True, activated_at=now)
    version.is_active, version.activated_at = True, now
    record_event(actor=actor, action="classify.activate", obj=version,
                 changes={"active_version": [previous.number if previous else None, version.number]})
    transaction.on_commit(runtime.forget_active)
    return previous


def activate_version(*, actor, version: ModelVersion) -> ModelVersion:
    _check_manager(actor, version.scope_path)
    with transaction.atomic():
        version = ModelVersion.objects.defer("model_data").get(pk=version.pk)
        if version.is_active:
            raise ClassifyError(_("Version %(n)d is already active.") % {"n": version.number})
        _activate(actor, version)
    return version


def rollback(*, actor, scope_path: str) -> ModelVersion:
    """Activate the version before the active one (by number) in the scope."""
    _check_manager(actor, scope_path)
    with transaction.atomic():
        scope = list(ModelVersion.objects.select_for_update().filter(scope_path=scope_path)
                     .defer("model_data").order_by("-number"))
        active = next((v for v in scope if v.is_active), None)
        if active is None:
            raise ClassifyError(_("No version is active in this scope, so there is nothing to roll back."))
        earlier = next((v for v in scope if v.number < active.number), None)
        if earlier is None:
            raise ClassifyError(_("Version %(n)d is the first one in this scope: there is no earlier version to "
                                  "roll back to.") % {"n": active.number})
        ModelVersion.objects.filter(pk=active.pk).update(is_active=False)
        now = timezone.now()
        ModelVersion.objects.filter(pk=earlier.pk).update(is_active=True, activated_at=now)
        earlier.is_active, earlier.activated_at = True, now
        record_event(actor=actor, action="classify.rollback", obj=earlier,
                     changes={"active_version": [active.number, earlier.number]})
        transaction.on_commit(runtime.forget_active)
    return earlier
