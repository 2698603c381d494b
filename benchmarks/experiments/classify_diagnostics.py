"""Why the category classifier scores what it does on raw messages (docs/adr/008, third round).

    OMP_NUM_THREADS=1 taskset -c 1 .venv/bin/python benchmarks/experiments/classify_diagnostics.py \
        [--data ../shared/data/appeals/teddy_train.csv] [--only protocols,duplicates,twin-form,curves]

Not part of the product or the tests (it needs the shared data). Every figure uses the shipped model's
recipe (Chinese characters 1-3, TF-IDF, class-balanced LinearSVC C=0.5) and the folds of
``evaluation.raw_cross_validation`` (seed 0) unless said otherwise. About 5 minutes on one core.

- protocols: 5-fold CV within the segmented rows (naive, and twin-free: training rows sharing >= 50%
  of the shorter text's character trigrams with a test row removed) and on all rows (the published
  protocol), scored on all test rows and on the raw ones among them.
- duplicates: near-duplicate pairs (trigram containment >= 0.8; trigram-set cosine >= 0.8 / 0.9)
  and how many carry different labels.
- twin-form: the raw protocol's folds, testing the held-out raw rows' *segmented twins* instead of the
  raw rows (same messages, training form); and the twin rows' accuracy in the segmented-only CV
  against the other segmented rows: is the raw test set hard because of its form or its messages?
- curves: macro-F1 on the raw folds with 25/50/75/100 % of the segmented training rows, and with
  0/25/50/75/100 % of the other raw folds (3 random draws per share).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.test_settings")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.preprocessing import normalize  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from civicgrid.classify.datasets import read_csv  # noqa: E402
from civicgrid.classify.engine import CharNgramTfidf, features_text  # noqa: E402
from civicgrid.classify.evaluation import score, segmented_twins  # noqa: E402

HAN = re.compile(r"[^\u4e00-\u9fff]")


class Data:
    def __init__(self, path):
        d = read_csv(path)
        self.t, self.y, self.f = d.texts, np.asarray(d.labels), d.forms
        self.x = [features_text(t) for t in self.t]
        self.labels = sorted(set(self.y))
        self.raw = np.array([i for i, f in enumerate(self.f) if f == "raw"])
        self.seg = np.array([i for i, f in enumerate(self.f) if f != "raw"])
        self.twins = segmented_twins(self.t, list(self.raw), list(self.seg))
        b = CountVectorizer(analyzer="char", ngram_range=(3, 3), binary=True, dtype=np.float32)
        self.b = b.fit_transform([HAN.sub("", t) for t in self.t]).tocsr()
        self.size = np.asarray(self.b.sum(1)).ravel()

    def near(self, rows_a, rows_b, thr):
        """Pairs (a, b) whose trigram containment (shared / the shorter's) is at least ``thr``."""
        rows_a, rows_b = np.asarray(rows_a), np.asarray(rows_b)
        inter = (self.b[rows_a] @ self.b[rows_b].T).tocoo()
        a, b = rows_a[inter.row], rows_b[inter.col]
        ok = inter.data / np.maximum(np.minimum(self.size[a], self.size[b]), 1) >= thr
        return a[ok], b[ok]

    def raw_folds(self, seed=0):
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=seed).split(self.raw, self.y[self.raw]):
            test = self.raw[te]
            drop = set().union(*(self.twins.get(i, set()) for i in test))
            yield np.array([j for j in self.seg if j not in drop] + list(self.raw[tr])), test

    def predict(self, train, test):
        v = CharNgramTfidf()
        m = LinearSVC(C=0.5, class_weight="balanced").fit(v.fit_transform([self.x[i] for i in train]), self.y[train])
        return m.classes_[m.decision_function(v.transform([self.x[i] for i in test])).argmax(1)]

    def f1(self, rows, pred):
        return score(list(self.y[rows]), list(pred), self.labels).macro_f1


def line(name, f1s):
    print(f"  {name:58s} {np.mean(f1s):.4f} ± {np.std(f1s):.4f}  " + " ".join(f"{v:.3f}" for v in f1s), flush=True)


def protocols(d):
    print("protocols (5-fold, seed 0):")
    for rows, what in ((d.seg, "segmented rows only"), (np.arange(len(d.t)), "all rows")):
        for twin_free in (False, True):
            f1s, raw_t, raw_p = [], [], []
            for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(rows, d.y[rows]):
                tr, te = rows[tr], rows[te]
                if twin_free:
                    drop = set(d.near(te, tr, 0.5)[1].tolist())
                    tr = np.array([j for j in tr if j not in drop])
                p = d.predict(tr, te)
                f1s.append(d.f1(te, p))
                r = np.array([d.f[i] == "raw" for i in te])
                raw_t += list(te[r]); raw_p += list(p[r])
            extra = f" (raw rows among the tests, pooled: {d.f1(np.array(raw_t), raw_p):.4f})" if raw_t else ""
            line(f"{what}, {'twin-free' if twin_free else 'naive'}{extra}", f1s)


def duplicates(d):
    rows = np.arange(len(d.t))
    a, b = d.near(rows, rows, 0.8)
    k = a < b
    a, b = a[k], b[k]
    diff = d.y[a] != d.y[b]
    print(f"duplicates: trigram containment >= 0.8: {len(a)} pairs, {int(diff.sum())} with different labels")
    bn = normalize(d.b)
    cos = (bn @ bn.T).tocoo()
    for thr in (0.8, 0.9):
        k = (cos.row < cos.col) & (cos.data >= thr)
        dd = d.y[cos.row[k]] != d.y[cos.col[k]]
        print(f"  trigram-set cosine >= {thr}: {int(k.sum())} pairs, {int(dd.sum())} with different labels")
    for i, j in zip(a[diff], b[diff]):
        print(f"    {d.y[i]} / {d.y[j]}: {d.t[i][:40]!r}")


def twin_form(d):
    print("twin-form (same messages, raw form vs segmented twin; raw protocol, seed 0):")
    f_raw, f_seg = [], []
    for tr, te in d.raw_folds(0):
        with_twin = np.array([i for i in te if d.twins.get(i)])
        twin = np.array([min(d.twins[i]) for i in with_twin])
        p = d.predict(tr, np.concatenate([with_twin, twin]))
        f_raw.append(d.f1(with_twin, p[: len(with_twin)]))
        f_seg.append(d.f1(twin, p[len(with_twin):]))
    line("raw rows with a twin, tested raw", f_raw)
    line("the same messages, tested in their segmented form", f_seg)
    twin_rows = set().union(*d.twins.values())
    pred = np.empty(len(d.t), dtype=object)
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(d.seg, d.y[d.seg]):
        tr, te = d.seg[tr], d.seg[te]
        drop = set(d.near(te, tr, 0.5)[1].tolist())
        pred[te] = d.predict(np.array([j for j in tr if j not in drop]), te)
    is_twin = np.isin(d.seg, list(twin_rows))
    ok = pred[d.seg] == d.y[d.seg]
    print(f"  segmented-only twin-free CV: accuracy on the raw rows' twins {ok[is_twin].mean():.3f} "
          f"({is_twin.sum()} rows), on the other segmented rows {ok[~is_twin].mean():.3f} ({(~is_twin).sum()} rows)")


def curves(d):
    print("learning curves (raw protocol, seed 0; mean over 3 random draws):")
    for form, shares in (("segmented", (0.25, 0.5, 0.75, 1.0)), ("raw", (0.0, 0.25, 0.5, 0.75, 1.0))):
        for share in shares:
            means = []
            for rep in (0, 1, 2) if 0 < share < 1 else (0,):
                rng = np.random.default_rng(100 + rep)
                f1s = []
                for tr, te in d.raw_folds(0):
                    mine = np.array([i for i in tr if (d.f[i] == "raw") == (form == "raw")])
                    rest = np.array([i for i in tr if (d.f[i] == "raw") != (form == "raw")])
                    keep = rng.permutation(mine)[: int(round(share * len(mine)))]
                    f1s.append(d.f1(te, d.predict(np.concatenate([rest, keep]).astype(int), te)))
                means.append(np.mean(f1s))
            print(f"  {share:.0%} of the {form} training rows: {np.mean(means):.4f} "
                  f"(draws {' '.join(f'{m:.4f}' for m in means)})", flush=True)


def main():
    from django.conf import settings

    shared = Path(getattr(settings, "SHARED_DATA_DIR", settings.BASE_DIR.parent / "shared" / "data"))
    default = shared / "appeals" / "teddy_train.csv"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(default))
    parser.add_argument("--only", default="protocols,duplicates,twin-form,curves")
    args = parser.parse_args()
    d = Data(args.data)
    print(f"{args.data}: {len(d.t)} rows, {len(d.raw)} raw, {sum(map(len, d.twins.values()))} twin pairs")
    for name in args.only.split(","):
        {"protocols": protocols, "duplicates": duplicates, "twin-form": twin_form, "curves": curves}[name](d)


if __name__ == "__main__":
    main()
