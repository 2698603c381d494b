"""``civicgrid bench urgency`` and ``civicgrid bench replies``: speed and quality of the two checks.

urgency: the cases file (shipped) repeated to ``--repeat`` passes: cases/s of ``urgency.assess``
against a baseline in the same run (a bare substring scan for the hazard phrases, no context),
with precision/recall of both on the cases, so the cost and the worth of the context rules show.
replies: the labelled replies of the shared data: replies/s and the figures at the shipped
threshold, against the majority-class baseline.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from . import evaluation as ev

DATA = Path(getattr(settings, "SHARED_DATA_DIR", settings.BASE_DIR.parent / "shared" / "data")) / "appeals"


class UrgencyBenchmark:
    name = "urgency"
    help = "Urgency detector: cases/s and precision/recall on the cases file, against a bare keyword scan."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=Path, default=ev.CASES)
        parser.add_argument("--repeat", type=int, default=20, help="passes over the cases for the timing")

    def run(self, command, options):
        from .lexicon import HAZARD
        from .urgency import Lexicon, assess, normalise

        try:
            cases = ev.read_cases(options["cases"])
        except ev.DataError as exc:
            raise CommandError(str(exc)) from exc
        lexicon = Lexicon.default()
        phrases = [p for p, t in lexicon.hazards.items() if t.kind == HAZARD]
        texts = [c["text"] for c in cases] * max(1, options["repeat"])
        out = command.stdout.write

        t0 = time.perf_counter()
        for text in texts:
            assess(text, lexicon)
        rules_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for text in texts:
            norm = normalise(text)
            any(p in norm for p in phrases)
        bare_s = time.perf_counter() - t0

        rules, bare = ev.Binary(), ev.Binary()
        for c in cases:
            rules.add(c["urgent"], assess(c["text"], lexicon).urgent)
            norm = normalise(c["text"])
            bare.add(c["urgent"], any(p in norm for p in phrases))
        out(f"cases: {len(cases)} × {options['repeat']} passes = {len(texts):,} texts; lexicon {lexicon.size} phrases")
        out(f"rule engine:   {len(texts) / rules_s:10,.0f} cases/s   precision {rules.precision:.3f}  "
            f"recall {rules.recall:.3f}  F1 {rules.f1:.3f}")
        out(f"bare keywords: {len(texts) / bare_s:10,.0f} cases/s   precision {bare.precision:.3f}  "
            f"recall {bare.recall:.3f}  F1 {bare.f1:.3f}   (baseline)")
        out(f"speed ratio rule engine / baseline: {bare_s / rules_s:.2f}")


class RepliesBenchmark:
    name = "replies"
    help = "Reply check: replies/s and the figures on the labelled replies, against the majority class."

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, default=DATA, metavar="DIR")

    def run(self, command, options):
        from . import replies

        try:
            rows = ev.read_replies(options["data"])
        except ev.DataError as exc:
            raise CommandError(str(exc)) from exc
        replies.check_reply("预热", "预热", "预热")  # jieba's dictionary loads once, not in the timing
        t0 = time.perf_counter()
        scores = [replies.check_reply(r["subject"], r["appeal"], r["reply"]).score for r in rows]
        took = time.perf_counter() - t0
        truth = [r["nothing"] for r in rows]
        b = ev.confusion(truth, scores, replies.THRESHOLD)
        base = ev.confusion(truth, [0.0] * len(rows), 0.5)
        out = command.stdout.write
        out(f"replies: {len(rows):,} in {took:.2f} s = {len(rows) / took:,.0f} replies/s "
            f"(mean reply {sum(len(r['reply']) for r in rows) / len(rows):,.0f} characters)")
        out(f"check at {replies.THRESHOLD:.2f}: precision {b.precision:.3f}  recall {b.recall:.3f}  F1 {b.f1:.3f}  "
            f"accuracy {b.accuracy:.3f}  ROC-AUC {ev.roc_auc(truth, scores):.3f}")
        out(f"majority class (never flag): accuracy {base.accuracy:.3f}  F1 0.000   (baseline)")
        out(f"accuracy ratio check / baseline: {b.accuracy / base.accuracy:.3f}")


BENCHMARKS = [UrgencyBenchmark(), RepliesBenchmark()]
