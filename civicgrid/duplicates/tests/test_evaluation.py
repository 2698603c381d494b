"""The NYC 311 evaluation on a tiny hand-made CSV: labels, skipped rows, figures, the command."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import call_command

from civicgrid.duplicates import evaluation
from civicgrid.duplicates.scoring import Params

HEADER = ["unique_key", "created_date", "closed_date", "agency", "complaint_type", "descriptor",
          "incident_address", "resolution_description", "latitude", "longitude"]
DUP = "The complaint you filed is a duplicate of a condition already reported by another tenant."
ROWS = [
    # key, created, closed, agency, type, descriptor, address, resolution, lat, lon
    ("1", "2023-02-28T08:00:00", "", "HPD", "HEAT/HOT WATER", "ENTIRE BUILDING", "1 MAIN ST", "", "40.70000", "-73.90000"),
    ("2", "2023-02-28T09:00:00", "", "HPD", "HEAT/HOT WATER", "ENTIRE BUILDING", "1 MAIN ST", DUP, "40.70001", "-73.90000"),
    # Same type and place but a different descriptor: text says no.
    ("3", "2023-02-28T10:00:00", "", "HPD", "HEAT/HOT WATER", "APARTMENT ONLY", "1 MAIN ST", "", "40.70001", "-73.90000"),
    # Marked, but its original is not in the data (unreachable); 500 m away from the others.
    ("4", "2023-02-28T11:00:00", "", "HPD", "HEAT/HOT WATER", "ENTIRE BUILDING", "9 FAR AVE", DUP, "40.70450", "-73.90000"),
    # Unmarked repeat of 1 (a duplicate HPD did not notice): counts as a false positive.
    ("5", "2023-02-28T12:00:00", "", "HPD", "HEAT/HOT WATER", "ENTIRE BUILDING", "1 MAIN ST", "", "40.70000", "-73.90001"),
    # Another agency that never marks duplicates: only in the view "all".
    ("6", "2023-02-28T12:30:00", "", "NYPD", "Noise", "Loud Music", "2 MAIN ST", "", "40.70000", "-73.90000"),
    ("7", "2023-02-28T12:40:00", "", "NYPD", "Noise", "Loud Music", "2 MAIN ST", "", "40.70000", "-73.90000"),
    # Skipped: no coordinates; unreadable date; and a closed-before-created placeholder kept as open.
    ("8", "2023-02-28T13:00:00", "", "HPD", "HEAT/HOT WATER", "ENTIRE BUILDING", "1 MAIN ST", "", "", ""),
    ("9", "yesterday", "", "HPD", "HEAT/HOT WATER", "ENTIRE BUILDING", "1 MAIN ST", "", "40.7", "-73.9"),
    ("10", "02/28/2023 01:00:00 PM", "01/01/2023 01:00:00 AM", "DOT", "Street Condition", "Pothole", "", "",
     "40.71000", "-73.91000"),
]


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "nyc.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    return path


def test_load_labels_and_skips(data):
    loaded = evaluation.load([data, data])
    assert [q.key for q in loaded.requests] == ["1", "2", "3", "4", "5", "6", "7", "10"]
    assert dict(loaded.skipped) == {"no coordinates": 1, "created date missing or unreadable": 1,
                                    "same unique key in another file (kept once)": 10}
    assert dict(loaded.notes) == {"closed before created (placeholder): treated as open": 1}
    evaluation.label_reachable(loaded.requests)
    assert [(q.key, q.marked, q.reachable) for q in loaded.requests if q.marked] == [("2", True, True), ("4", True, False)]
    views = evaluation.views(loaded.requests)
    assert {k: len(v) for k, v in views.items()} == {"all": 8, "marking agencies": 5, "reachable": 4}


def test_replay_flags_and_figures(data):
    requests = evaluation.load([data]).requests
    evaluation.label_reachable(requests)
    rep = evaluation.replay(requests, Params(400, 30, 0.0))
    flagged = evaluation.flags(rep, Params(50, 7, 0.5))
    assert [q.key for q, f in zip(requests, flagged) if f] == ["2", "5", "7"]
    views = evaluation.views(requests)
    assert evaluation.measure(flagged, views["marking agencies"]) == evaluation.Figures(tp=1, fp=1, fn=1, n=5)
    assert evaluation.measure(flagged, views["reachable"]) == evaluation.Figures(tp=1, fp=1, fn=0, n=4)
    assert evaluation.measure(flagged, views["all"]).fp == 2
    # Without text, 3 (another descriptor) is flagged too.
    assert [q.key for q, f in zip(requests, evaluation.flags(rep, Params(50, 7, 0.5), use_text=False)) if f] == [
        "2", "3", "5", "7"]
    assert evaluation.probable_unmarked(requests, rep, flagged, Params(50, 7, 0.5)) == (1, 1)


def test_command_prints_figures_baseline_and_skips(data):
    out = StringIO()
    call_command("duplicates", "eval", "--data", str(data), stdout=out)
    text = out.getvalue()
    assert "rows read 10, used 8, skipped 2:" in text
    assert "skipped      1  no coordinates" in text
    assert "marked duplicates 2 (reachable: original open in the data 1)" in text
    assert "flag the same requests (3 flagged)" in text
    assert "chosen 50 m 7 d sim≥0.5" in text and "baseline same type 100 m 1 d no text" in text
    assert "marking agencies: P 0.500 R 0.500 F1 0.500 (tp 1 fp 1 fn 1)" in text
    assert "candidates/s" in text
    assert "held out: no positives on one side of 2023-01-01; skipped" in text


def test_command_holds_out_the_later_requests(data, tmp_path):
    earlier = tmp_path / "earlier.csv"
    with earlier.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerow(("11", "2022-05-01T08:00:00", "", "HPD", "HEAT/HOT WATER", "ENTIRE BUILDING", "3 MAIN ST", "",
                         "40.72000", "-73.90000"))
        writer.writerow(("12", "2022-05-01T09:00:00", "", "HPD", "HEAT/HOT WATER", "ENTIRE BUILDING", "3 MAIN ST", DUP,
                         "40.72000", "-73.90000"))
    out = StringIO()
    call_command("duplicates", "eval", "--data", str(earlier), "--data", str(data), stdout=out)
    # Chosen on 2022 (the first parameters of the sweep that find its one duplicate: no text threshold),
    # measured on 2023, where that also flags the apartment-only complaint.
    assert ("held out (view 'marking agencies'): chosen on 2 requests before 2023-01-01 (1 positives): 25 m, 1 d, "
            "sim≥0; measured on the 5 from then on (2 positives): P 0.333 R 0.500 F1 0.400 against the baseline's "
            "P 0.333 R 0.500 F1 0.400") in out.getvalue()
    with pytest.raises(Exception, match="--split-date"):
        call_command("duplicates", "eval", "--data", str(data), "--split-date", "March", stdout=StringIO())


def test_command_refuses_a_missing_file(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No such file"):
        call_command("duplicates", "eval", "--data", str(tmp_path / "none.csv"), stdout=StringIO())
