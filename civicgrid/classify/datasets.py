"""Labelled training data: a CSV file, or a jurisdiction's own closed orders.

Each source yields a :class:`Dataset`: texts, labels, and the rows it left out with the reason, so
the commands can say exactly what they did not use.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from civicgrid.core.text import MAX_ANALYSED_CHARS

from . import textprep


class DataError(Exception):
    """The data cannot be used at all (no file, missing columns, not UTF-8…)."""


@dataclass
class Dataset:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    # Extra per-row information (the CSV's "form" column when it has one).
    forms: list[str] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # reason -> rows
    capped: int = 0  # texts longer than MAX_ANALYSED_CHARS (kept, cut)

    def add(self, text: str, label: str, form: str = "") -> None:
        if len(text) > MAX_ANALYSED_CHARS:
            self.capped += 1
        self.texts.append(text)
        self.labels.append(label)
        self.forms.append(form)

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def label_counts(self) -> Counter:
        return Counter(self.labels)

    def drop_rare_labels(self, minimum: int) -> list[tuple[str, int]]:
        """Leave out labels with fewer than ``minimum`` rows (too few to learn or to cross-validate)."""
        counts = self.label_counts()
        rare = sorted((label, n) for label, n in counts.items() if n < minimum)
        if rare:
            drop = {label for label, _n in rare}
            keep = [i for i, label in enumerate(self.labels) if label not in drop]
            self.texts = [self.texts[i] for i in keep]
            self.labels = [self.labels[i] for i in keep]
            self.forms = [self.forms[i] for i in keep]
            for label, n in rare:
                self.skipped[_("label %(label)s has only %(n)d rows (at least %(min)d needed)")
                             % {"label": label, "n": n, "min": minimum}] += n
        return rare


def read_csv(path: str | Path, *, text_col: str = "text", label_col: str | None = "label",
             require_chinese: bool = True) -> Dataset:
    """Rows of a UTF-8 CSV with a header. Rows with an empty text, an empty label or (when
    ``require_chinese``) no Chinese text are skipped and counted by reason."""
    path = Path(path)
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise DataError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror or exc}) from exc
    # Appeals can hold long pasted documents; the csv module's default field limit (128 KB) would fail them.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    data = Dataset()
    with fh:
        try:
            reader = csv.DictReader(fh)
            columns = reader.fieldnames or []
            wanted = [c for c in (text_col, label_col) if c]
            missing = [c for c in wanted if c not in columns]
            if missing:
                raise DataError(_("%(path)s has no column %(missing)s; its columns are: %(columns)s.")
                                % {"path": path, "missing": ", ".join(missing),
                                   "columns": ", ".join(columns) or _("(none)")})
            for row in reader:
                text = (row.get(text_col) or "").strip()
                label = (row.get(label_col) or "").strip() if label_col else ""
                if not text:
                    data.skip(_("empty text"))
                elif label_col and not label:
                    data.skip(_("no label"))
                elif require_chinese and not textprep.is_chinese(text):
                    data.skip(_("no Chinese text"))
                else:
                    data.add(text, label, (row.get("form") or "").strip())
        except UnicodeDecodeError as exc:
            raise DataError(_("%(path)s is not UTF-8 text (byte %(pos)d); save it as UTF-8 CSV.")
                            % {"path": path, "pos": exc.start}) from exc
        except csv.Error as exc:
            raise DataError(_("%(path)s is not a readable CSV file: %(error)s") % {"path": path, "error": exc}) from exc
    return data


# Exports of the appeals platform name the subject and the body; a message is both, as in the
# labelled file's raw rows.
SUBJECT_COLUMNS = ("留言主题", "subject", "title")
DETAIL_COLUMNS = ("留言详情", "detail", "body")


@dataclass
class Unlabelled:
    texts: list[str] = field(default_factory=list)
    read: int = 0  # rows read from the files
    skipped: Counter = field(default_factory=Counter)  # reason -> rows


def _han_key(text: str) -> str:
    return "".join(c for c in text if "\u4e00" <= c <= "\u9fff")


def read_unlabelled(paths, *, text_col: str = "text", exclude: list[str] = ()) -> Unlabelled:
    """Texts without labels for self-training, from CSV files with a header: the ``text_col``
    column when there is one, else subject and detail (``留言主题`` + ``留言详情``) joined by a line
    break. Empty and non-Chinese texts, repeats, and texts equal to one in ``exclude`` (the labelled
    rows: same Chinese characters, whatever the spacing and punctuation) are left out and counted."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    seen = {_han_key(t) for t in exclude}
    seen.discard("")
    out = Unlabelled()
    for path in paths:
        path = Path(path)
        try:
            fh = path.open(encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise DataError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror or exc}) from exc
        with fh:
            try:
                reader = csv.DictReader(fh)
                columns = reader.fieldnames or []
                subject = next((c for c in SUBJECT_COLUMNS if c in columns), None)
                detail = next((c for c in DETAIL_COLUMNS if c in columns), None)
                if text_col not in columns and not (subject or detail):
                    raise DataError(_("%(path)s has no column %(missing)s; its columns are: %(columns)s.")
                                    % {"path": path, "missing": f"{text_col} / {SUBJECT_COLUMNS[0]} + {DETAIL_COLUMNS[0]}",
                                       "columns": ", ".join(columns) or _("(none)")})
                for row in reader:
                    out.read += 1
                    if text_col in columns:
                        text = (row.get(text_col) or "").strip()
                    else:
                        parts = [" ".join((row.get(c) or "").split()) for c in (subject, detail) if c]
                        text = "\n".join(p for p in parts if p)
                    key = _han_key(text)
                    if not text:
                        out.skipped[_("empty text")] += 1
                    elif not textprep.is_chinese(text):
                        out.skipped[_("no Chinese text")] += 1
                    elif key in seen:
                        out.skipped[_("same text as a labelled row or an earlier unlabelled one")] += 1
                    else:
                        seen.add(key)
                        out.texts.append(text)
            except UnicodeDecodeError as exc:
                raise DataError(_("%(path)s is not UTF-8 text (byte %(pos)d); save it as UTF-8 CSV.")
                                % {"path": path, "pos": exc.start}) from exc
            except csv.Error as exc:
                raise DataError(_("%(path)s is not a readable CSV file: %(error)s") % {"path": path, "error": exc}) from exc
    return out
