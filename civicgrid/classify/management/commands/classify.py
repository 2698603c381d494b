"""``civicgrid classify train|predict|eval``: the category classifier from the command line.

- ``train --data CSV [--text-col text --label-col label] --out MODEL``: fit on a labelled CSV and
  write a model file; ``--store [--area CODE] [--activate]`` also keeps it as a model version.
- ``train --from-orders [--area CODE] [--level 1|2|3] [--activate]``: fit on the jurisdiction's
  own closed orders (label: the final category) and store a new model version.
- ``predict --model MODEL``: JSON lines ``{"id", "text"}`` on stdin, ``{"id", "label",
  "confidence", "top3"}`` on stdout, one line out per line in, as they come. A bad line gives
  ``{"id", "error"}`` (the line number when it has no id) and a message on stderr.
- ``eval --model MODEL --data CSV``: macro-F1, accuracy, the per-class report and the confusion
  matrix; rows whose label the model never saw are counted, listed and left out of the scores.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from tqdm import tqdm

from civicgrid.core.text import MAX_ANALYSED_CHARS

from ... import textprep
from ...datasets import DataError, read_csv
from ...engine import ModelFileError, TextClassifier
from ...evaluation import score


def label_text(label: str, names: dict[str, str], n: int) -> str:
    """"0102 市容环境 (163)": a bare code means nothing to the person reading the summary."""
    name = names.get(label)
    return f"{label} {name} ({n})" if name and name != label else f"{label} ({n})"


def _catalogue_names(labels) -> dict[str, str]:
    from django.db import DatabaseError

    from ...selectors import category_names

    try:
        return category_names(labels)
    except DatabaseError:
        # Training from a CSV into a model file needs no database (a laptop without one); the
        # labels are then printed as they are.
        return {}


def _area(code):
    if not code:
        return None
    from civicgrid.geo.models import Area

    area = Area.objects.filter(code=code).first()
    if area is None:
        raise CommandError(_("No area has the code %(code)s.") % {"code": code})
    return area


class Command(BaseCommand):
    help = "Train, apply and evaluate the category classifier (train | predict | eval)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        train = sub.add_parser("train", help="train a model on a labelled CSV or on closed orders")
        train.add_argument("--data", help="labelled UTF-8 CSV with a header")
        train.add_argument("--text-col", default="text")
        train.add_argument("--label-col", default="label")
        train.add_argument("--out", help="model file to write")
        train.add_argument("--from-orders", action="store_true", help="train on the closed orders of the scope")
        train.add_argument("--area", help="scope: area code (default: the whole platform)")
        train.add_argument("--level", type=int, choices=(1, 2, 3), default=1, help="category level to predict")
        train.add_argument("--store", action="store_true", help="also store the model as a new model version")
        train.add_argument("--activate", action="store_true", help="make the stored version the active one")
        train.add_argument("--unlabelled", action="append", default=[], metavar="CSV",
                           help="unlabelled messages of the same kind for self-training (repeatable; a text column, "
                                "or 留言主题 + 留言详情)")
        predict = sub.add_parser("predict", help="JSON lines {id, text} on stdin -> predictions on stdout")
        predict.add_argument("--model", required=True)
        evaluate = sub.add_parser("eval", help="scores of a model on a labelled CSV")
        evaluate.add_argument("--model", required=True)
        evaluate.add_argument("--data", required=True)
        evaluate.add_argument("--text-col", default="text")
        evaluate.add_argument("--label-col", default="label")

    def handle(self, *args, **options):
        # Messages are for the operators of a Chinese platform: the project's language.
        from django.conf import settings

        with translation.override(settings.LANGUAGE_CODE):
            getattr(self, f"_{options['action']}")(options)

    def _progress(self, total, desc):
        return tqdm(total=total, desc=desc, file=self.stderr._out, leave=False, disable=None)

    # --- train --------------------------------------------------------------------------------
    def _train(self, o):
        if o["from_orders"]:
            if o["data"]:
                raise CommandError(_("Give either --data or --from-orders, not both."))
            return self._train_orders(o)
        if not o["data"]:
            raise CommandError(_("Give --data CSV (with --out MODEL) or --from-orders."))
        if not o["out"] and not o["store"]:
            raise CommandError(_("Give --out MODEL (the file to write) or --store."))
        started = time.perf_counter()
        try:
            data = read_csv(o["data"], text_col=o["text_col"], label_col=o["label_col"])
        except DataError as exc:
            raise CommandError(str(exc)) from exc
        unlabelled = self._unlabelled(o, data.texts)
        if o["store"]:
            return self._store(data, o, started, unlabelled)
        counts = data.label_counts()
        if len(counts) < 2:
            raise CommandError(_("Not enough training data: %(n)d usable rows in %(labels)d labels; at least two "
                                 "labels are needed.") % {"n": len(data.labels), "labels": len(counts)})
        bar = self._progress(4, _("training"))
        model = TextClassifier().fit(data.texts, data.labels, progress=lambda: bar.update(1),
                                     unlabelled=unlabelled.texts if unlabelled else None)
        bar.close()
        try:
            size = model.save(o["out"])
        except OSError as exc:
            raise CommandError(_("Cannot write %(path)s: %(error)s") % {"path": o["out"], "error": exc.strerror or exc})
        notes = [_("model file: %(path)s (%(kb)d KB)") % {"path": o["out"], "kb": size // 1024}]
        self._summary(data, time.perf_counter() - started, notes + self._unlabelled_notes(unlabelled, model))

    def _unlabelled(self, o, labelled_texts):
        from ...datasets import read_unlabelled

        if not o["unlabelled"]:
            return None
        try:
            return read_unlabelled(o["unlabelled"], text_col=o["text_col"], exclude=labelled_texts)
        except DataError as exc:
            raise CommandError(str(exc)) from exc

    @staticmethod
    def _unlabelled_notes(unlabelled, model):
        if unlabelled is None:
            return []
        notes = [_("unlabelled texts: %(read)d read, %(used)d used, %(pseudo)d given a label by self-training")
                 % {"read": unlabelled.read, "used": len(unlabelled.texts),
                    "pseudo": model.meta.get("pseudo_labelled", 0)}]
        for reason, n in sorted(unlabelled.skipped.items()):
            notes.append(f"  {reason}: {n}")
        return notes

    def _store(self, data, o, started, unlabelled=None):
        from ...models import ModelVersion
        from ...services import ClassifyError, train_version

        bar = self._progress(9, _("cross-validating and training"))
        try:
            result = train_version(actor=None, data=data, area=_area(o["area"]), level=o["level"],
                                   source=ModelVersion.Source.FILE, activate=o["activate"],
                                   progress=lambda: bar.update(1),
                                   unlabelled=unlabelled.texts if unlabelled else None)
        except ClassifyError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        notes = self._version_notes(result.version) + self._unlabelled_notes(unlabelled, result.model)
        if o["out"]:
            try:
                Path(o["out"]).write_bytes(bytes(result.version.model_data))
            except OSError as exc:
                raise CommandError(_("Cannot write %(path)s: %(error)s")
                                   % {"path": o["out"], "error": exc.strerror or exc}) from exc
            notes.append(_("model file: %(path)s") % {"path": o["out"]})
        self._summary(result.data, time.perf_counter() - started, notes)

    def _train_orders(self, o):
        from ...selectors import training_data_from_orders
        from ...services import ClassifyError, train_version

        started = time.perf_counter()
        area = _area(o["area"])

        def progress(iterable, total, desc):
            return tqdm(iterable, total=total, desc=desc, unit="row", file=self.stderr._out, leave=False, disable=None)

        data, names = training_data_from_orders(area.path if area else "", o["level"], progress=progress)
        bar = self._progress(9, _("cross-validating and training"))
        try:
            result = train_version(actor=None, data=data, area=area, level=o["level"], names=names,
                                   activate=o["activate"], progress=lambda: bar.update(1))
        except ClassifyError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        self._summary(result.data, time.perf_counter() - started, self._version_notes(result.version), names)

    def _version_notes(self, version):
        m = version.metrics
        notes = [_("stored as version %(n)d of %(scope)s (%(state)s)")
                 % {"n": version.number, "scope": version.scope_label,
                    "state": _("in use") if version.is_active else _("not active")},
                 _("cross-validated macro-F1 %(f1).3f ± %(std).3f, accuracy %(acc).3f (%(k)d folds)")
                 % {"f1": m["macro_f1"], "std": m["macro_f1_std"], "acc": m["accuracy"], "k": m["folds"]}]
        return notes

    def _summary(self, data, seconds, notes, names=None):
        counts = data.label_counts()
        if names is None:
            names = _catalogue_names(counts)
        w = self.stdout.write
        w(_("Trained on %(rows)d rows, %(labels)d labels in %(s).1f s.")
          % {"rows": len(data.labels), "labels": len(counts), "s": seconds})
        w("  " + _("labels: %(list)s") % {"list": ", ".join(label_text(k, names, n) for k, n in sorted(counts.items()))})
        if data.capped:
            w("  " + _("%(n)d texts were longer than %(max)d characters and were cut there.")
              % {"n": data.capped, "max": MAX_ANALYSED_CHARS})
        skipped = sum(data.skipped.values())
        w("  " + _("skipped rows: %(n)d") % {"n": skipped})
        for reason, n in sorted(data.skipped.items()):
            w(f"    {reason}: {n}")
        for note in notes:
            w("  " + note)

    # --- predict ------------------------------------------------------------------------------
    def _load(self, path):
        try:
            return TextClassifier.load(path)
        except ModelFileError as exc:
            raise CommandError(str(exc)) from exc

    def _predict(self, o):
        model = self._load(o["model"])
        out, err = self.stdout, self.stderr
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            answer = self._predict_line(model, number, line)
            if "error" in answer:
                err.write(_("line %(n)d: %(error)s") % {"n": number, "error": answer["error"]})
            out.write(json.dumps(answer, ensure_ascii=False))
            out.flush()

    @staticmethod
    def _predict_line(model, number, line):
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            return {"id": None, "line": number, "error": _("not valid JSON: %(error)s") % {"error": exc.msg}}
        if not isinstance(item, dict):
            return {"id": None, "line": number, "error": _("each line must be a JSON object {\"id\", \"text\"}")}
        key = item.get("id")
        ident = {"id": key} if key is not None else {"id": None, "line": number}
        text = item.get("text")
        if not isinstance(text, str):
            return {**ident, "error": _("\"text\" is missing or not a string")}
        if not text.strip():
            return {**ident, "error": _("the text is empty")}
        if not textprep.is_chinese(text):
            return {**ident, "error": _("the text has no Chinese to classify")}
        p = model.predict_one(text)
        answer = {**ident, "label": p.label, "confidence": round(p.confidence, 4),
                  "top3": [[label, round(s, 4)] for label, s in p.top3]}
        if len(text) > MAX_ANALYSED_CHARS:
            answer["capped_at"] = MAX_ANALYSED_CHARS
        return answer

    # --- eval ---------------------------------------------------------------------------------
    def _eval(self, o):
        model = self._load(o["model"])
        try:
            data = read_csv(o["data"], text_col=o["text_col"], label_col=o["label_col"])
        except DataError as exc:
            raise CommandError(str(exc)) from exc
        known = set(model.labels)
        unseen = Counter(label for label in data.labels if label not in known)
        keep = [i for i, label in enumerate(data.labels) if label in known]
        w = self.stdout.write
        if not keep:
            raise CommandError(_("No row of %(path)s has a label the model knows (%(labels)s).")
                               % {"path": o["data"], "labels": ", ".join(model.labels)})
        texts = [data.texts[i] for i in keep]
        truth = [data.labels[i] for i in keep]
        bar = self._progress(len(texts), _("predicting"))
        pred = []
        for start in range(0, len(texts), 500):
            pred += [p.label for p in model.predict(texts[start:start + 500])]
            bar.update(len(texts[start:start + 500]))
        bar.close()
        s = score(truth, pred, labels=model.labels)
        w(_("Rows scored: %(n)d") % {"n": len(truth)})
        w(_("macro-F1: %(f1).4f") % {"f1": s.macro_f1})
        w(_("accuracy: %(acc).4f") % {"acc": s.accuracy})
        if data.capped:
            w(_("%(n)d texts were longer than %(max)d characters and were cut there.")
              % {"n": data.capped, "max": MAX_ANALYSED_CHARS})
        if unseen:
            w(_("Rows with labels the model never saw (left out of the scores): %(n)d")
              % {"n": sum(unseen.values())})
            for label, n in sorted(unseen.items()):
                w(f"  {label}: {n}")
        if data.skipped:
            w(_("Skipped rows: %(n)d") % {"n": sum(data.skipped.values())})
            for reason, n in sorted(data.skipped.items()):
                w(f"  {reason}: {n}")
        width = max(len(label) for label in s.labels) + 2
        w("")
        w(_("Per class:"))
        w(f"{'':{width}} {'precision':>9} {'recall':>9} {'F1':>9} {'support':>9}")
        for label in s.labels:
            c = s.per_class[label]
            w(f"{label:{width}} {c['precision']:9.4f} {c['recall']:9.4f} {c['f1']:9.4f} {c['support']:9d}")
        w("")
        w(_("Confusion matrix (rows: true label, columns: predicted, in this order):"))
        for i, label in enumerate(s.labels):
            w(f"  {i + 1}. {label}")
        w("     " + " ".join(f"{i + 1:>5}" for i in range(len(s.labels))))
        for i, row in enumerate(s.confusion):
            w(f"{i + 1:>4} " + " ".join(f"{v:>5}" for v in row))
