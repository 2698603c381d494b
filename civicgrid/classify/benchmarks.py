"""``civicgrid bench classify [--data CSV]``: speed and quality of the category classifier on the
public labelled appeals (../shared/data/appeals/teddy_train.csv, read in place), with a baseline
measured in the same run.

Figures: training time on the whole file; predictions per second on one core, in batches and one
text at a time; macro-F1 of a 5-fold stratified cross-validation on the *raw* rows (each fold trains
on every segmented row and the other raw folds, less the segmented twins of its held-out raw rows,
see civicgrid/classify/evaluation.py), with per-class F1. Baseline: the textbook approach, TF-IDF of
jieba words (core.text.words) with a LinearSVC, on the same folds.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from civicgrid.core import text as core_text

from .datasets import DataError, read_csv
from .engine import TextClassifier
from .evaluation import raw_cross_validation

DATA = Path(getattr(settings, "SHARED_DATA_DIR", settings.BASE_DIR.parent / "shared" / "data"))


class WordSvmBaseline(TextClassifier):
    """TF-IDF of jieba words (unigrams and bigrams) + LinearSVC: the published TF-IDF+SVM setup."""

    def featurize(self, texts):
        return [" ".join(core_text.words(t)) for t in texts]

    def build(self):
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline
        from sklearn.svm import LinearSVC

        return make_pipeline(TfidfVectorizer(token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                                             dtype=np.float32), LinearSVC(C=0.5))


def _rate(fn, texts, *, seconds: float = 3.0) -> float:
    """Texts per second of ``fn`` over ``texts`` repeated for at least ``seconds``."""
    done, started = 0, time.perf_counter()
    while True:
        fn(texts)
        done += len(texts)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return done / elapsed


class ClassifyBenchmark:
    name = "classify"
    help = "Category classifier: training time, predictions/s and cross-validated macro-F1 on raw messages"

    def add_arguments(self, parser):
        parser.add_argument("--data", default=str(DATA / "appeals" / "teddy_train.csv"),
                            help="labelled CSV with text, label and form (raw/segmented) columns")
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--with-twins", action="store_true",
                            help="also the naive cross-validation that keeps the held-out rows' segmented twins")
        parser.add_argument("--no-baseline", action="store_true")

    def run(self, command, options):
        from threadpoolctl import threadpool_limits

        path = Path(options["data"])
        if not path.exists():
            raise CommandError(f"{path} not found: pass --data with the labelled appeals CSV (teddy_train.csv).")
        try:
            data = read_csv(path)
        except DataError as exc:
            raise CommandError(str(exc)) from exc
        w = command.stdout.write
        raw = [t for t, f in zip(data.texts, data.forms) if f == "raw"]
        if not raw:
            raise CommandError(f"{path} has no rows with form=raw to evaluate on.")
        w(f"data: {path} · {len(data.texts)} rows ({len(raw)} raw), {len(set(data.labels))} labels, "
          f"skipped {sum(data.skipped.values())}")
        with threadpool_limits(1):
            results = {"model": self._measure(command, TextClassifier, data, raw, options)}
            if not options["no_baseline"]:
                results["baseline"] = self._measure(command, WordSvmBaseline, data, raw, options)
        w("")
        w("summary (char 1-3-gram TF-IDF + LinearSVC vs jieba-word TF-IDF + LinearSVC baseline):")
        m = results["model"]
        for key, label, fmt in (("train_s", "training on all rows (s)", "{:.1f}"),
                                ("batch_rate", "predictions/s, batches of 500", "{:,.0f}"),
                                ("single_rate", "predictions/s, one by one", "{:,.0f}"),
                                ("f1", "macro-F1 on raw rows (CV mean)", "{:.4f}")):
            line = f"  {label:34} {fmt.format(m[key]):>10}"
            if "baseline" in results:
                b = results["baseline"][key]
                line += f"   baseline {fmt.format(b):>10}   ratio {m[key] / b:.2f}x" if b else ""
            w(line)

    def _measure(self, command, make_model, data, raw, options):
        w = command.stdout.write
        w("")
        w(f"== {make_model.__name__} ==")
        started = time.perf_counter()
        model = make_model().fit(data.texts, data.labels)
        train_s = time.perf_counter() - started
        w(f"training on {len(data.texts)} rows (with the confidence calibration): {train_s:.1f} s")
        sample = raw[:500]
        batch_rate = _rate(lambda texts: [model.predict(texts[i:i + 500]) for i in range(0, len(texts), 500)], sample)
        single_rate = _rate(lambda texts: [model.predict_one(t) for t in texts], sample[:200])
        w(f"predictions/s on one core: {batch_rate:,.0f} in batches of 500, {single_rate:,.0f} one by one "
          f"(raw messages, mean {sum(map(len, sample)) / len(sample):.0f} characters)")
        started = time.perf_counter()
        cv = raw_cross_validation(data.texts, data.labels, data.forms, folds=options["folds"], seed=options["seed"],
                                  make_model=make_model)
        w(f"cross-validated on raw rows ({options['folds']} folds, {cv.extra['raw_rows']} raw rows, "
          f"{cv.extra['twins_removed']} segmented twins left out of training, {time.perf_counter() - started:.0f} s):")
        w(f"  macro-F1 {cv.mean:.4f} ± {cv.std:.4f} (folds: {', '.join(f'{f:.3f}' for f in cv.fold_macro_f1)}); "
          f"pooled macro-F1 {cv.pooled.macro_f1:.4f}, accuracy {cv.pooled.accuracy:.4f}")
        for label, c in cv.pooled.per_class.items():
            w(f"  {label:10} F1 {c['f1']:.3f}  precision {c['precision']:.3f}  recall {c['recall']:.3f}  n={c['support']}")
        if options["with_twins"]:
            naive = raw_cross_validation(data.texts, data.labels, data.forms, folds=options["folds"],
                                         seed=options["seed"], make_model=make_model, with_twins=True)
            w(f"  naive (twins kept in training): macro-F1 {naive.mean:.4f} ± {naive.std:.4f}")
        return {"train_s": train_s, "batch_rate": batch_rate, "single_rate": single_rate, "f1": cv.mean}


BENCHMARKS = [ClassifyBenchmark()]
