"""``civicgrid textcheck eval-urgency [--cases CSV] [--unlabelled DIR]`` and
``civicgrid textcheck eval-replies [--data DIR]``: the figures of the two checks, printed."""

from __future__ import annotations

import random
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from civicgrid.textcheck import evaluation as ev

DATA = Path(getattr(settings, "SHARED_DATA_DIR", settings.BASE_DIR.parent / "shared" / "data")) / "appeals"


class Command(BaseCommand):
    help = "Evaluate the urgency detector and the reply-quality check."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", metavar="WHAT", required=True)
        u = sub.add_parser("eval-urgency", help="Precision, recall and F1 of the urgency detector on a cases file.")
        u.add_argument("--cases", type=Path, default=ev.CASES, help="CSV with text,urgent[,trick,set]")
        u.add_argument("--unlabelled", type=Path, default=None, metavar="DIR",
                       help="also run over DIR/unlabelled_messages.csv and show what it flags")
        u.add_argument("--show", type=int, default=30, help="flagged unlabelled messages to print")
        u.add_argument("--default-lexicon", action="store_true",
                       help="use the shipped lexicon, not the database's (no database needed)")
        r = sub.add_parser("eval-replies", help="Figures of the reply check against the labelled replies.")
        r.add_argument("--data", type=Path, default=DATA, metavar="DIR",
                       help="folder with messages_with_replies.csv and replies_interpretability_labels.csv")
        r.add_argument("--threshold", type=float, default=None, help="score threshold (default: the shipped one)")

    def handle(self, *args, **options):
        try:
            if options["what"] == "eval-urgency":
                self.urgency(options)
            else:
                self.replies(options)
        except ev.DataError as exc:
            raise CommandError(str(exc)) from exc

    # --- urgency ------------------------------------------------------------------------------
    def _lexicon(self, options):
        from civicgrid.textcheck.urgency import Lexicon, get_lexicon

        if options.get("default_lexicon"):
            return Lexicon.default()
        try:
            return get_lexicon()
        except Exception as exc:  # noqa: BLE001 - no database: say so and use the shipped list
            self.stderr.write(f"note: lexicon from the database unavailable ({exc}); using the shipped one")
            return Lexicon.default()

    def urgency(self, options):
        cases = ev.read_cases(options["cases"])
        lexicon = self._lexicon(options)
        t0 = time.perf_counter()
        result = ev.evaluate_urgency(tqdm(cases, desc="cases", unit="case", file=self.stderr, leave=False), lexicon)
        took = time.perf_counter() - t0
        out = self.stdout.write
        b = result.overall
        positives = sum(1 for c in cases if c["urgent"])
        out(f"cases: {len(cases)} ({positives} urgent, {len(cases) - positives} not) from {options['cases']}")
        out(f"lexicon: {lexicon.size} phrases")
        out(f"precision {b.precision:.3f}  recall {b.recall:.3f}  F1 {b.f1:.3f}  accuracy {b.accuracy:.3f}")
        out(f"confusion: TP {b.tp}  FP {b.fp}  FN {b.fn}  TN {b.tn}")
        for name, s in sorted(result.by_set.items()):
            out(f"  set {name}: precision {s.precision:.3f}  recall {s.recall:.3f}  F1 {s.f1:.3f}  "
                f"(TP {s.tp} FP {s.fp} FN {s.fn} TN {s.tn})")
        out(f"misclassified: {len(result.wrong)}")
        for case, res in result.wrong:
            kind = "missed" if case["urgent"] else "false alarm"
            out(f"  [{kind}] {case['trick']}: {case['text']}  score={res.score:.2f} "
                f"{[m.as_dict()['phrase'] + str(m.effects) for m in res.matches]}")
        out(f"speed: {len(cases) / took:,.0f} cases/s")
        if options["unlabelled"] is not None:
            self.unlabelled(options, lexicon)

    def unlabelled(self, options, lexicon):
        from civicgrid.textcheck.urgency import assess_appeal

        rows = ev.read_unlabelled(options["unlabelled"])
        flagged = []
        for row in tqdm(rows, desc="unlabelled", unit="msg", file=self.stderr, leave=False):
            res = assess_appeal(row["title"], row["text"], lexicon)
            if res.urgent:
                flagged.append((row, res))
        out = self.stdout.write
        share = 100.0 * len(flagged) / len(rows) if rows else 0.0
        out(f"unlabelled: {len(rows)} messages, {len(flagged)} flagged urgent ({share:.1f}%)")
        groups = {}
        for _row, res in flagged:
            for g in res.groups:
                groups[g] = groups.get(g, 0) + 1
        out("  by hazard group: " + ", ".join(f"{g} {n}" for g, n in sorted(groups.items(), key=lambda x: -x[1])))
        sample = random.Random(0).sample(flagged, min(options["show"], len(flagged)))
        for row, res in sample:
            out(f"  #{row['id']} [{'、'.join(res.reasons)} {res.score:.2f}] {row['title']} | "
                f"{' '.join(row['text'].split())[:160]}")

    # --- replies ------------------------------------------------------------------------------
    def replies(self, options):
        from civicgrid.textcheck import replies

        rows = ev.read_replies(options["data"])
        threshold = options["threshold"] if options["threshold"] is not None else replies.THRESHOLD
        t0 = time.perf_counter()
        scores = [replies.check_reply(r["subject"], r["appeal"], r["reply"]).score
                  for r in tqdm(rows, desc="replies", unit="reply", file=self.stderr, leave=False)]
        took = time.perf_counter() - t0
        truth = [r["nothing"] for r in rows]
        out = self.stdout.write
        n, pos = len(rows), sum(truth)
        out(f"replies: {n} labelled (label 0 'explains nothing': {pos} = {100.0 * pos / n:.1f}%; "
            f"label 1 'explains itself': {n - pos})")
        b = ev.confusion(truth, scores, threshold)
        out(f"threshold: {threshold:.2f} (chosen by looking at these labels; the weights are hand-set, not fitted)")
        out(f"'explains nothing' precision {b.precision:.3f}  recall {b.recall:.3f}  F1 {b.f1:.3f}  "
            f"accuracy {b.accuracy:.3f}")
        out(f"ROC-AUC of the score: {ev.roc_auc(truth, scores):.3f}")
        out("confusion (rows: label, columns: check):")
        out("                      flagged  passed")
        out(f"  explains nothing    {b.tp:7d} {b.fn:7d}")
        out(f"  explains itself     {b.fp:7d} {b.tn:7d}")
        base = ev.confusion(truth, [0.0] * n, 0.5)
        out(f"baseline (majority class: never flag): accuracy {base.accuracy:.3f}, 'explains nothing' "
            f"precision 0.000 recall 0.000 F1 0.000")
        short = [len("".join((r["reply"] or "").split())) for r in rows]
        length_auc = ev.roc_auc(truth, [-s for s in short])
        best_len = max((ev.confusion(truth, [-x for x in short], -cut) for cut in range(5, 400, 5)), key=lambda c: c.f1)
        out(f"baseline (shorter reply = worse): ROC-AUC {length_auc:.3f}; best F1 over length cut-offs "
            f"{best_len.f1:.3f} (precision {best_len.precision:.3f}, recall {best_len.recall:.3f})")
        cv, chosen = ev.cross_validated(truth, scores)
        out(f"5-fold cross-validated threshold choice (thresholds {chosen}): precision {cv.precision:.3f}  "
            f"recall {cv.recall:.3f}  F1 {cv.f1:.3f}  accuracy {cv.accuracy:.3f}")
        out(f"speed: {n / took:,.0f} replies/s")
