"""``civicgrid duplicates eval --data PATH [--data PATH …]``: precision, recall and F1 of the
duplicate detector on NYC 311 requests, with a sweep, a baseline and the rows skipped.

The labelling rules are in ``civicgrid/duplicates/evaluation.py`` and docs/adr/010-duplicates.md.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from civicgrid.duplicates import evaluation
from civicgrid.duplicates.scoring import Params

DEFAULT_FILES = ("nyc311_combined_sample_11k.csv", "nyc311_2023-02-28_raw_5k.csv")


def default_paths() -> list[Path]:
    base = Path(getattr(settings, "SHARED_DATA_DIR", settings.BASE_DIR.parent / "shared" / "data")) / "us311"
    return [base / name for name in DEFAULT_FILES]


LABEL_HELP = textwrap.dedent("""\
    Labels: a request is a duplicate ("marked") when its resolution_description says it "is a
    duplicate of" an earlier request (HPD, DEP, DOT wording); category = complaint_type, text =
    descriptor, place = latitude/longitude. Candidates are earlier requests still open at the
    query's time (closed_date empty or later; a closed_date before created_date is a placeholder,
    treated as open). "Reachable" positives have an earlier open request of the same type at the
    same address (or point) in the data. Views: all rows; only agencies that mark duplicates;
    those agencies without unreachable positives. Unmarked duplicates exist (agencies mark only
    what they noticed): precision is a lower bound.""")


def add_eval_arguments(parser) -> None:
    parser.add_argument("--data", action="append", type=Path,
                        help="A NYC 311 CSV (repeatable; rows are de-duplicated by unique_key). "
                             "Default: the two NYC files in SHARED_DATA_DIR/us311.")
    parser.add_argument("--radius", type=float, default=50, help="Radius in metres of the reported configuration.")
    parser.add_argument("--window", type=float, default=7, help="Time window in days of the reported configuration.")
    parser.add_argument("--threshold", type=float, default=0.5,
                        help="Minimum text similarity of the reported configuration.")
    parser.add_argument("--split-date", default="2023-01-01",
                        help="Held-out check: the sweep's best parameters are chosen on the requests before this "
                             "date and measured on those from it on (YYYY-MM-DD).")


def run_eval(out, options, *, style=None) -> dict:
    from tqdm import tqdm

    paths = options.get("data") or default_paths()
    for path in paths:
        if not Path(path).is_file():
            raise CommandError(f"No such file: {path}")
    chosen = Params(options["radius"], options["window"], options["threshold"])
    loose = Params(max(evaluation.RADII + (chosen.radius_m, evaluation.BASELINE.radius_m)),
                   max(evaluation.WINDOWS + (chosen.window_days, evaluation.BASELINE.window_days)), 0.0)
    with tqdm(desc="reading", unit=" rows", disable=None) as bar:
        loaded = evaluation.load(paths, progress=bar)
    requests = loaded.requests
    evaluation.label_reachable(requests)
    with tqdm(total=len(requests), desc="replaying", unit=" requests", disable=None) as bar:
        rep = evaluation.replay(requests, loose, progress=bar)
    # The reported configuration once more on its own, as intake runs it: it must flag exactly what
    # the sweep's filter says it does.
    direct = evaluation.replay(requests, chosen)
    direct_flags = [bool(f) for f in direct.found]
    views = evaluation.views(requests)
    w = out.write
    w(f"files: {', '.join(str(p) for p in paths)}")
    w(f"rows read {loaded.read}, used {len(requests)}, skipped {sum(loaded.skipped.values())}:")
    for reason, n in loaded.skipped.most_common():
        w(f"  skipped {n:6d}  {reason}")
    for note, n in loaded.notes.most_common():
        w(f"  note    {n:6d}  {note}")
    marked = sum(q.marked for q in requests)
    reachable = sum(q.marked and q.reachable for q in requests)
    marking = sorted({q.agency for q in requests if q.marked})
    w(f"marked duplicates {marked} (reachable: original open in the data {reachable}); "
      f"agencies that mark: {', '.join(marking)}")
    for name, view in views.items():
        w(f"  view {name!r}: {len(view)} requests, {sum(1 for _i, label in view if label)} positives")
    w(f"scoring: {rep.candidates} candidates for {len(requests)} requests in {rep.seconds:.2f} s = "
      f"{rep.candidates / rep.seconds if rep.seconds else 0:,.0f} candidates/s, "
      f"{len(requests) / rep.seconds if rep.seconds else 0:,.0f} requests/s (loosest parameters; "
      f"chosen parameters: {direct.candidates} candidates in {direct.seconds:.2f} s)")

    sweep_flags = evaluation.flags(rep, chosen)
    same = sweep_flags == direct_flags
    w(f"consistency: the sweep's filter and a direct replay with the chosen parameters flag "
      f"{'the same' if same else 'DIFFERENT'} requests ({sum(direct_flags)} flagged)")

    def line(label: str, flagged) -> str:
        parts = []
        for name, view in views.items():
            f = evaluation.measure(flagged, view)
            parts.append(f"{name}: P {f.precision:.3f} R {f.recall:.3f} F1 {f.f1:.3f} (tp {f.tp} fp {f.fp} fn {f.fn})")
        return f"{label:<34} " + " | ".join(parts)

    base_flags = evaluation.flags(rep, evaluation.BASELINE, use_text=False)
    result = {"chosen": {}, "baseline": {}}
    w("")
    w(line(f"chosen {chosen.radius_m:g} m {chosen.window_days:g} d sim≥{chosen.min_similarity:g}", direct_flags))
    w(line(f"baseline same type {evaluation.BASELINE.radius_m:g} m {evaluation.BASELINE.window_days:g} d no text",
           base_flags))
    for name, view in views.items():
        c, b = evaluation.measure(direct_flags, view), evaluation.measure(base_flags, view)
        result["chosen"][name] = c
        result["baseline"][name] = b
        ratio = c.f1 / b.f1 if b.f1 else float("inf")
        w(f"  F1 chosen / baseline, view {name!r}: {ratio:.2f}")
    w("")
    w("sweep (view 'marking agencies' | view 'reachable'):")
    w(f"{'radius':>7} {'days':>5} {'sim':>5}   {'P':>6} {'R':>6} {'F1':>6}   {'P':>6} {'R':>6} {'F1':>6}")
    best = None
    for radius in evaluation.RADII:
        for days in evaluation.WINDOWS:
            for threshold in evaluation.THRESHOLDS:
                p = Params(radius, days, threshold)
                flagged = evaluation.flags(rep, p)
                a = evaluation.measure(flagged, views["marking agencies"])
                r = evaluation.measure(flagged, views["reachable"])
                w(f"{radius:7g} {days:5g} {threshold:5g}   {a.precision:6.3f} {a.recall:6.3f} {a.f1:6.3f}   "
                  f"{r.precision:6.3f} {r.recall:6.3f} {r.f1:6.3f}")
                if best is None or a.f1 > best[1].f1:
                    best = (p, a)
    w(f"best F1 in view 'marking agencies': {best[1].f1:.3f} at {best[0].radius_m:g} m, {best[0].window_days:g} d, "
      f"sim≥{best[0].min_similarity:g} (chosen on this same data: optimistic)")
    try:
        split = datetime.strptime(options.get("split_date") or "2023-01-01", "%Y-%m-%d")
    except ValueError as exc:
        raise CommandError(f"--split-date must be YYYY-MM-DD, got {options.get('split_date')!r}") from exc
    before = {i for i, q in enumerate(requests) if q.created < split}
    tune = [(i, label) for i, label in views["marking agencies"] if i in before]
    held = [(i, label) for i, label in views["marking agencies"] if i not in before]
    if any(label for _i, label in tune) and any(label for _i, label in held):
        picked = max(((Params(r, d, t), evaluation.measure(evaluation.flags(rep, Params(r, d, t)), tune))
                      for r in evaluation.RADII for d in evaluation.WINDOWS for t in evaluation.THRESHOLDS),
                     key=lambda pair: pair[1].f1)[0]
        h = evaluation.measure(evaluation.flags(rep, picked), held)
        hb = evaluation.measure(base_flags, held)
        w(f"held out (view 'marking agencies'): chosen on {len(tune)} requests before {split:%Y-%m-%d} "
          f"({sum(1 for _i, label in tune if label)} positives): {picked.radius_m:g} m, {picked.window_days:g} d, "
          f"sim≥{picked.min_similarity:g}; measured on the {len(held)} from then on "
          f"({sum(1 for _i, label in held if label)} positives): P {h.precision:.3f} R {h.recall:.3f} F1 {h.f1:.3f} "
          f"against the baseline's P {hb.precision:.3f} R {hb.recall:.3f} F1 {hb.f1:.3f}")
    else:
        w(f"held out: no positives on one side of {split:%Y-%m-%d}; skipped")
    fps, same = evaluation.probable_unmarked(requests, rep, direct_flags, chosen)
    w(f"label noise: of the {fps} false positives of the marking agencies (chosen parameters), {same} "
      f"({same / fps if fps else 0:.0%}) have an open request of the same type, same descriptor and same address "
      f"before them: most likely duplicates the agency did not mark.")
    c = result["chosen"]["marking agencies"]
    if c.tp + c.fp:
        w(f"  precision if those count as duplicates (an estimate, not a label): {(c.tp + same) / (c.tp + c.fp):.3f}")
    w("Label noise: duplicates are marked only where an agency noticed one; unmarked duplicates count as "
      "false positives, so precision is a lower bound.")
    return result


class Command(BaseCommand):
    help = "Duplicate detection: evaluation on NYC 311 data (see `civicgrid duplicates eval --help`)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        ev = sub.add_parser("eval", help="Precision, recall and F1 on NYC 311 requests.",
                            description=LABEL_HELP, formatter_class=__import__("argparse").RawDescriptionHelpFormatter)
        add_eval_arguments(ev)

    def handle(self, *args, **options):
        if options["action"] == "eval":
            run_eval(self.stdout, options)
