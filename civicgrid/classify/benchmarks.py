"""``civicgrid bench classify [--data CSV]``: speed and quality of the category classifier on the
public labelled appeals (../shared/data/appeals/teddy_train.csv, read in place), with a baseline
measured in the same run.

Figures: training time on the whole file; predictions per second on one core, in batches and one
text at a time; macro-F1 of a 5-fold stratified cross-validation on the *raw* rows (each fold trains
on every segmented row and the other raw folds, less the segmented twins of its held-out raw rows,
see civicgrid/classify/evaluation.py), with per-class F1.

Variants, all measured in the same run on the same folds: the shipped model (character n-grams of the
Chinese characters, class-balanced LinearSVC); the same self-trained on the unlabelled messages of the
shared data (``--unlabelled``, default: the three message files next to the labelled one, when they
exist); and the baseline, the previously shipped model (character n-grams with ASCII letters and
digits, unweighted LinearSVC). ``--with-jieba`` adds the textbook approach, TF-IDF of jieba words
(textprep.analysed) with a LinearSVC (slow: jieba).
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from . import textprep
from .datasets import DataError, read_csv, read_unlabelled
from .engine import FEATURES_CHARS, TextClassifier
from .evaluation import raw_cross_validation

DATA = Path(getattr(settings, "SHARED_DATA_DIR", settings.BASE_DIR.parent / "shared" / "data"))


class PreviousCharSvm(TextClassifier):
    """The model shipped until 2026-12-02: the same n-grams with ASCII letters and digits kept, and an
    SVM without class weights (docs/adr/008)."""

    def __init__(self, **kwargs):
        super().__init__(features=FEATURES_CHARS, class_weight=None, **kwargs)


class WordSvmBaseline(TextClassifier):
    """TF-IDF of jieba words (unigrams and bigrams; core.text.words plus the fuller stop-word list
    of textprep, which brings raw text to the segmented form) + LinearSVC: the published setup."""

    # jieba costs ~3 ms a text: each text is cut once per run, not once per fold (never while
    # predictions/s are measured: see ``cached``).
    _cache: dict[str, str] = {}
    cached = True

    def featurize(self, texts):
        if not WordSvmBaseline.cached:
            return [textprep.analysed(t) for t in texts]
        cache = WordSvmBaseline._cache
        out = []
        for t in texts:
            if t not in cache:
                cache[t] = textprep.analysed(t)
            out.append(cache[t])
        return out

    def build(self):
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline
        from sklearn.svm import LinearSVC

        return make_pipeline(TfidfVectorizer(token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                                             dtype=np.float32), LinearSVC(C=0.5))


def _rate(fn, texts, *, seconds: float = 3.0) -> tuple[float, float]:
    """Texts per second of ``fn`` over ``texts`` repeated for at least ``seconds``: per wall-clock
    second and per CPU second of this process (the fair figure on a shared machine)."""
    done, started, cpu = 0, time.perf_counter(), time.process_time()
    while True:
        fn(texts)
        done += len(texts)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return done / elapsed, done / max(time.process_time() - cpu, 1e-9)


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
        parser.add_argument("--unlabelled", action="append", default=None, metavar="CSV",
                            help="unlabelled messages for the self-trained variant (repeatable; default: "
                                 "unlabelled_messages.csv, hot_issue_messages.csv and messages_with_replies.csv "
                                 "next to --data)")
        parser.add_argument("--no-unlabelled", action="store_true", help="skip the self-trained variant")
        parser.add_argument("--with-jieba", action="store_true",
                            help="also the jieba-word TF-IDF + LinearSVC baseline (slow)")

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
        unlabelled = None
        if not options["no_unlabelled"]:
            paths = options["unlabelled"] or [p for p in (path.parent / f"{n}.csv" for n in
                                                          ("unlabelled_messages", "hot_issue_messages",
                                                           "messages_with_replies")) if p.exists()]
            if paths:
                try:
                    unlabelled = read_unlabelled(paths, exclude=data.texts)
                except DataError as exc:
                    raise CommandError(str(exc)) from exc
                w(f"unlabelled: {', '.join(Path(p).name for p in paths)} · {unlabelled.read} rows, "
                  f"{len(unlabelled.texts)} kept ({sum(unlabelled.skipped.values())} empty, not Chinese, repeated "
                  f"or equal to a labelled row)")
        variants = [("model", "shipped: Chinese-character 1-3-grams + class-balanced LinearSVC", TextClassifier, None)]
        if unlabelled and unlabelled.texts:
            variants.append(("self", "shipped + self-training on the unlabelled messages (--unlabelled)",
                             TextClassifier, unlabelled.texts))
        if not options["no_baseline"]:
            variants.append(("baseline", "baseline: the previous model (all-character 1-3-grams + LinearSVC)",
                             PreviousCharSvm, None))
        if options["with_jieba"]:
            variants.append(("jieba", "jieba-word 1-2-gram TF-IDF + LinearSVC", WordSvmBaseline, None))
        with threadpool_limits(1):
            results = {key: self._measure(command, make_model, data, raw, options, title, extra)
                       for key, title, make_model, extra in variants}
        w("")
        w("summary" + (" (ratio: against the baseline, the previous model)" if "baseline" in results else "") + ":")
        keys = (("train_s", "training on all rows (s, wall)", "{:.1f}"),
                ("train_cpu", "training on all rows (s, CPU)", "{:.1f}"),
                ("batch_rate", "predictions/s, batches of 500", "{:,.0f}"),
                ("batch_cpu", "  per CPU second", "{:,.0f}"),
                ("single_rate", "predictions/s, one by one", "{:,.0f}"),
                ("single_cpu", "  per CPU second", "{:,.0f}"),
                ("f1", "macro-F1 on raw rows (CV mean)", "{:.4f}"),
                ("f1_std", "  standard deviation over folds", "{:.4f}"))
        for key, title, _m, _e in variants:
            w(f" {title}")
            for k, label, fmt in keys:
                line = f"  {label:34} {fmt.format(results[key][k]):>10}"
                if "baseline" in results and key != "baseline" and k != "f1_std" and results["baseline"][k]:
                    line += f"   ratio {results[key][k] / results['baseline'][k]:.2f}x"
                w(line)

    def _measure(self, command, make_model, data, raw, options, title, unlabelled=None):
        w = command.stdout.write
        w("")
        w(f"== {title} ==")
        started, cpu = time.perf_counter(), time.process_time()
        WordSvmBaseline.cached = False  # the baseline's training time includes its jieba cuts
        model = make_model().fit(data.texts, data.labels, unlabelled=unlabelled)
        train_s, train_cpu = time.perf_counter() - started, time.process_time() - cpu
        w(f"training on {len(data.texts)} rows (with the confidence calibration): {train_s:.1f} s wall, "
          f"{train_cpu:.1f} s CPU")
        sample = raw[:500]
        batch_rate, batch_cpu = _rate(lambda texts: [model.predict(texts[i:i + 500])
                                                     for i in range(0, len(texts), 500)], sample)
        single_rate, single_cpu = _rate(lambda texts: [model.predict_one(t) for t in texts], sample[:200])
        WordSvmBaseline.cached = True
        w(f"predictions/s on one core: {batch_rate:,.0f} in batches of 500, {single_rate:,.0f} one by one "
          f"(per CPU second: {batch_cpu:,.0f} and {single_cpu:,.0f}; raw messages, mean "
          f"{sum(map(len, sample)) / len(sample):.0f} characters)")
        started = time.perf_counter()
        cv = raw_cross_validation(data.texts, data.labels, data.forms, folds=options["folds"], seed=options["seed"],
                                  make_model=make_model, unlabelled=unlabelled)
        w(f"cross-validated on raw rows ({options['folds']} folds, {cv.extra['raw_rows']} raw rows, "
          f"{cv.extra['twins_removed']} segmented twins left out of training, {time.perf_counter() - started:.0f} s):")
        if unlabelled:
            w(f"  self-training on {cv.extra['unlabelled_used']} unlabelled texts "
              f"({cv.extra['unlabelled_overlapping_raw']} left out: they overlap a raw labelled row; "
              f"{model.meta.get('pseudo_labelled', 0)} pseudo-labelled in the full fit)")
        w(f"  macro-F1 {cv.mean:.4f} ± {cv.std:.4f} (folds: {', '.join(f'{f:.3f}' for f in cv.fold_macro_f1)}); "
          f"pooled macro-F1 {cv.pooled.macro_f1:.4f}, accuracy {cv.pooled.accuracy:.4f}")
        for label, c in cv.pooled.per_class.items():
            w(f"  {label:10} F1 {c['f1']:.3f}  precision {c['precision']:.3f}  recall {c['recall']:.3f}  n={c['support']}")
        # Where the errors go (pooled over the folds): most are between neighbouring labels whose
        # border the annotators drew inconsistently (docs/adr/008, "Error analysis").
        w("  confusion (rows: true label, columns: predicted, in the order above):")
        for label, row in zip(cv.pooled.labels, cv.pooled.confusion):
            w(f"  {label:10} " + " ".join(f"{v:>4}" for v in row))
        if options["with_twins"]:
            naive = raw_cross_validation(data.texts, data.labels, data.forms, folds=options["folds"],
                                         seed=options["seed"], make_model=make_model, with_twins=True)
            w(f"  naive (twins kept in training): macro-F1 {naive.mean:.4f} ± {naive.std:.4f}")
        return {"train_s": train_s, "train_cpu": train_cpu, "batch_rate": batch_rate, "batch_cpu": batch_cpu,
                "single_rate": single_rate, "single_cpu": single_cpu, "f1": cv.mean, "f1_std": cv.std}


BENCHMARKS = [ClassifyBenchmark()]
