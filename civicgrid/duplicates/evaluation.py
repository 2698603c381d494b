"""Evaluation of the duplicate detector on NYC 311 requests (``civicgrid duplicates eval``).

The rows are replayed in time order through ``scoring.rank`` — the function intake uses — with
each request as the query and the earlier requests still open at its time as the candidates.

Labelling rules (also in the command's help and docs/adr/010-duplicates.md):

- category: ``complaint_type`` (one level; the NYC catalogue has no deeper code); text:
  ``descriptor`` (NYC requests carry no free text); place: ``latitude``/``longitude``.
- positive ("marked"): the resolution text says the request *is a duplicate of* an earlier one
  (HPD: "…is a duplicate of a condition already reported by another tenant…"; DEP, DOT: "…is a
  duplicate of a previously filed complaint…"). "Please do not file duplicate complaints" (DCA) is
  an instruction, not a label.
- open at the time: a candidate counts while ``closed_date`` is empty or later than the query's
  ``created_date``; a ``closed_date`` before its own ``created_date`` (NYC writes 1 Jan placeholders)
  is unknown and treated as still open.
- reachable positive: a marked request for which an earlier request of the same complaint type at
  the same place (same normalised ``incident_address``, else the same point to 5 decimals) was open
  at its time *in the data*. The others' originals lie outside the sample: no detector can find
  them here.

Three views are printed, each with precision, recall and F1 of the flag "has a suggestion":
``all`` (every usable row, label = marked), ``marking agencies`` (only the agencies that mark at
least one duplicate in the data: for the others, "not marked" is no label at all) and
``reachable`` (marking agencies; marked-but-unreachable rows left out).

Label noise: an agency marks a duplicate only when it noticed one, so unmarked duplicates count as
false positives (precision is a lower bound) and marked ones whose original is outside the sample
count as misses in the first two views (recall there is a lower bound too).
"""

from __future__ import annotations

import bisect
import csv
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from civicgrid.core.scores import BinaryScores
from civicgrid.core.text import words

from . import scoring

MARKED = re.compile(r"\bis a duplicate of\b", re.IGNORECASE)
RADII = (25, 50, 100, 200, 400)
WINDOWS = (1, 7, 30)
THRESHOLDS = (0.0, 0.3, 0.5, 0.8)
BASELINE = scoring.Params(radius_m=100, window_days=1, min_similarity=0.0)
_DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%m/%d/%Y %I:%M:%S %p", "%Y-%m-%d %H:%M:%S")


@dataclass
class Request:
    key: str
    agency: str
    complaint_type: str
    descriptor: str
    place: str
    lon: float
    lat: float
    created: datetime
    closed: datetime | None
    marked: bool
    reachable: bool = False


@dataclass
class Loaded:
    requests: list[Request]
    read: int = 0
    skipped: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)


def _column(record: dict, name: str) -> str:
    return (record.get(name) or "").strip()


def _normalise_header(record: dict) -> dict:
    return {re.sub(r"\s+", "_", (k or "").strip().lower()): v for k, v in record.items()}


def parse_time(value: str) -> datetime | None:
    value = (value or "").strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def _place(address: str, lon: float, lat: float) -> str:
    address = " ".join(address.upper().split())
    return address if address else f"{lon:.5f},{lat:.5f}"


def load(paths: list[Path], progress=None) -> Loaded:
    """Rows of every file, one per ``unique_key`` (the files overlap), with why others were skipped."""
    out = Loaded(requests=[])
    seen: set[str] = set()
    for path in paths:
        with Path(path).open(encoding="utf-8", newline="", errors="replace") as fh:
            for raw in csv.DictReader(fh):
                out.read += 1
                if progress is not None:
                    progress.update(1)
                r = _normalise_header(raw)
                key = _column(r, "unique_key")
                if not key:
                    out.skipped["no unique key"] += 1
                    continue
                if key in seen:
                    out.skipped["same unique key in another file (kept once)"] += 1
                    continue
                seen.add(key)
                created = parse_time(_column(r, "created_date"))
                if created is None:
                    out.skipped["created date missing or unreadable"] += 1
                    continue
                try:
                    lat, lon = float(_column(r, "latitude")), float(_column(r, "longitude"))
                except ValueError:
                    out.skipped["no coordinates"] += 1
                    continue
                if not (40.0 < lat < 41.5 and -75.0 < lon < -73.0):
                    out.skipped["coordinates outside New York"] += 1
                    continue
                closed = parse_time(_column(r, "closed_date"))
                if _column(r, "closed_date") and closed is None:
                    out.notes["closed date unreadable: treated as open"] += 1
                if closed is not None and closed < created:
                    out.notes["closed before created (placeholder): treated as open"] += 1
                    closed = None
                complaint = _column(r, "complaint_type")
                if not complaint:
                    out.skipped["no complaint type"] += 1
                    continue
                out.requests.append(Request(
                    key=key, agency=_column(r, "agency"), complaint_type=complaint,
                    descriptor=_column(r, "descriptor"), place=_place(_column(r, "incident_address"), lon, lat),
                    lon=lon, lat=lat, created=created, closed=closed,
                    marked=bool(MARKED.search(_column(r, "resolution_description"))),
                ))
    out.requests.sort(key=lambda q: (q.created, q.key))
    return out


def _open_at(candidate: Request, moment: datetime) -> bool:
    return candidate.closed is None or candidate.closed > moment


def label_reachable(requests: list[Request]) -> None:
    by_place: dict[tuple[str, str], list[Request]] = defaultdict(list)
    for q in requests:  # in time order
        if q.marked:
            q.reachable = any(_open_at(c, q.created) and c.created <= q.created
                              for c in by_place[(q.complaint_type, q.place)])
        by_place[(q.complaint_type, q.place)].append(q)


@dataclass
class Replay:
    """Per request, the suggestions found with the loosest parameters of the sweep."""

    found: list[list[scoring.Scored]]
    text_known: list[bool]
    candidates: int
    seconds: float


def _docs(requests: list[Request]) -> list[scoring.Doc]:
    cache: dict[str, dict] = {}
    docs = []
    for q in requests:
        if q.descriptor not in cache:
            cache[q.descriptor] = scoring.vector(words(q.descriptor))
        docs.append(scoring.Doc(key=q.key, category_path=f"{q.complaint_type}/", lon=q.lon, lat=q.lat,
                                created=q.created, vector=cache[q.descriptor]))
    return docs


def replay(requests: list[Request], params: scoring.Params, progress=None) -> Replay:
    """Each request against the earlier ones still open: prefiltered like the database does
    (category, open, window, bounding box), then ``scoring.rank``. Timed around the scoring."""
    docs = _docs(requests)
    by_type: dict[str, list[int]] = defaultdict(list)
    times: dict[str, list[float]] = defaultdict(list)
    found, known = [], []
    candidates, seconds = 0, 0.0
    window = params.window_days * 86400
    for i, q in enumerate(requests):
        stamp = q.created.timestamp()
        idx, ts = by_type[q.complaint_type], times[q.complaint_type]
        start = bisect.bisect_left(ts, stamp - window)
        min_lon, max_lon, min_lat, max_lat = scoring.bbox(q.lon, q.lat, params.radius_m)
        pool = [docs[j] for j in idx[start:]
                if _open_at(requests[j], q.created) and min_lon <= requests[j].lon <= max_lon
                and min_lat <= requests[j].lat <= max_lat]
        t0 = time.perf_counter()
        found.append(scoring.rank(docs[i], pool, params))
        seconds += time.perf_counter() - t0
        candidates += len(pool)
        known.append(bool(docs[i].vector))
        idx.append(i)
        ts.append(stamp)
        if progress is not None:
            progress.update(1)
    return Replay(found, known, candidates, seconds)


def flags(rep: Replay, params: scoring.Params, *, use_text: bool = True) -> list[bool]:
    """"Has a suggestion" under ``params``: the sweep's filter over the loosest replay (every rule
    of ``rank`` is a threshold, so this equals a replay with ``params`` itself)."""
    out = []
    for found, known in zip(rep.found, rep.text_known):
        out.append(any(s.metres <= params.radius_m and s.age_days <= params.window_days
                       and (not use_text or not known or s.similarity >= params.min_similarity) for s in found))
    return out


@dataclass(frozen=True)
class Figures(BinaryScores):
    tp: int
    fp: int
    fn: int
    n: int


def views(requests: list[Request]) -> dict[str, list[tuple[int, bool]]]:
    """(index, label) per view; see the module docstring."""
    marking = {q.agency for q in requests if q.marked}
    return {
        "all": [(i, q.marked) for i, q in enumerate(requests)],
        "marking agencies": [(i, q.marked) for i, q in enumerate(requests) if q.agency in marking],
        "reachable": [(i, q.marked) for i, q in enumerate(requests)
                      if q.agency in marking and (not q.marked or q.reachable)],
    }


def measure(flagged: list[bool], view: list[tuple[int, bool]]) -> Figures:
    tp = sum(1 for i, label in view if label and flagged[i])
    fp = sum(1 for i, label in view if not label and flagged[i])
    fn = sum(1 for i, label in view if label and not flagged[i])
    return Figures(tp, fp, fn, len(view))


def probable_unmarked(requests: list[Request], rep: Replay, flagged: list[bool], params: scoring.Params) -> tuple[int, int]:
    """(false positives of the marking agencies, those whose best suggestion has the same place
    and the same descriptor): an estimate of duplicates the agency did not mark."""
    marking = {q.agency for q in requests if q.marked}
    index = {q.key: q for q in requests}
    fps = same = 0
    for i, q in enumerate(requests):
        if q.marked or not flagged[i] or q.agency not in marking:
            continue
        fps += 1
        ok = [s for s in rep.found[i] if s.metres <= params.radius_m and s.age_days <= params.window_days
              and (not rep.text_known[i] or s.similarity >= params.min_similarity)]
        best = index[ok[0].key] if ok else None
        if best is not None and best.place == q.place and best.descriptor == q.descriptor:
            same += 1
    return fps, same
