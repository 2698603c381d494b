"""Urgency: is an appeal about a danger happening now? A transparent rule engine.

The text (title and description) is normalised with ``core.text.normalise`` (which also caps it at
``MAX_ANALYSED_CHARS``), cut into sentences (。！？ and line breaks) and clauses (also ，；), and
searched for the lexicon's phrases (``lexicon.py``, editable as ``UrgencyTerm`` rows). Each hazard
phrase found scores its weight, changed by the cues around it:

- exclusion phrases hide what they cover (打不着火 is no fire, 没人管 is no negation);
- a negation ending at most a few characters before it, in its clause: 0 (没有闻到煤气味, 不是着火);
- a resolved or aftermath cue (已修好; 赔偿, 感谢) in its clause, or after it in its sentence: 0
  (燃气泄漏已经处理好了; 在火灾中受损，保险理赔…);
- a past cue before it in its sentence, unless its own clause says it is happening again
  (去年着过火，现在又冒烟了): 0;
- a question or a hypothetical in its clause (如果…怎么办, 是否, 吗, ?): × 0.3;
- a latent-risk cue in its clause (隐患, 可能, 担心, 经常): × 0.5, so a mere 隐患 is not urgent;
- an ordinary cause in its sentence (烧烤, 烟囱, 焚烧秸秆): × 0.4, for the ambiguous phrases only
  (weight below 1: 冒烟, 喷水, 漏气; never for 燃气泄漏);
- a sign of "now" in its sentence (正在, 赶紧, 很浓, 突然): + 0.3;
- a written date before it in its sentence (2015年, 4月16日) counts as a past cue;
- found only after the first ``LEAD_CHARS`` characters of a long text: × 0.5.
The appeal's score is the best phrase's score plus 0.1 for each further distinct live phrase (at most
+ 0.2);
it is urgent at ``THRESHOLD`` (1.0). Every matched phrase and what happened to it is returned as the
reason, so that a dispatcher can see why.

Language: the Chinese lexicon applies to Chinese text; a short English list (gas leak, fire,
trapped, ...) applies to Latin text with word boundaries. Text in other languages is not flagged.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

from civicgrid.core.text import MAX_ANALYSED_CHARS, normalise

from . import lexicon as L

THRESHOLD = 1.0
NEGATION_WINDOW = {L.ZH: 6, L.EN: 24}
FACTOR = {L.HYPOTHETICAL: 0.3, L.LATENT: 0.5, L.BENIGN: 0.4}
PRESENT_BONUS = 0.3
AFTER = {L.RESOLVED, L.AFTERMATH}
EXTRA_BONUS, EXTRA_MAX = 0.1, 0.2
# What is happening now is said first: a danger named only deep inside a long letter is nearly
# always its history (measured on the unlabelled letters, see ADR 009).
LEAD_CHARS, LATE_FACTOR = 300, 0.5

_SENTENCE_END = re.compile(r"[。！!？?\n]|\.(?=\s|$)")
_CLAUSE_END = re.compile(r"[，,；;、]")


@dataclass(frozen=True)
class Term:
    phrase: str
    kind: str
    weight: float = 1.0
    group: str = ""
    language: str = L.ZH


@dataclass
class Match:
    phrase: str
    group: str
    weight: float
    start: int
    score: float
    effects: list[str] = field(default_factory=list)

    @property
    def live(self) -> bool:
        return self.score > 0

    def as_dict(self) -> dict:
        return {"phrase": self.phrase, "group": self.group, "weight": self.weight, "score": round(self.score, 3),
                "effects": self.effects}


@dataclass
class UrgencyResult:
    urgent: bool
    score: float
    matches: list[Match]
    truncated: bool = False

    @property
    def reasons(self) -> list[str]:
        """The phrases that made the appeal urgent, strongest first."""
        live = sorted((m for m in self.matches if m.live), key=lambda m: -m.score)
        return [m.phrase for m in live]

    @property
    def groups(self) -> list[str]:
        return sorted({m.group for m in self.matches if m.live})

    def as_dict(self) -> dict:
        return {"urgent": self.urgent, "score": round(self.score, 3), "reasons": self.reasons, "groups": self.groups,
                "matches": [m.as_dict() for m in self.matches], "truncated": self.truncated,
                "threshold": THRESHOLD}


# A written date (2015年, 4月16日, 7月份) places what follows it in the past: a hotline caller
# says 今天/刚才, a letter about an old grievance gives dates. Treated as a past cue.
_DATE = re.compile(r"\d{2,4}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{1,2}\s*月份")
_DATE_TERM = Term("(date)", L.PAST)


def _pattern(terms: list[Term]) -> re.Pattern | None:
    if not terms:
        return None
    parts = []
    # Longest first, so that 燃气管道漏气 wins over 漏气 at the same place.
    for t in sorted(terms, key=lambda t: -len(t.phrase)):
        escaped = re.escape(t.phrase)
        if t.language == L.EN and t.phrase[:1].isalpha():
            escaped = rf"(?<![a-z]){escaped}"
        if t.language == L.EN and t.phrase[-1:].isalpha():
            escaped = rf"{escaped}(?![a-z])"
        parts.append(escaped)
    return re.compile("|".join(parts))


class Lexicon:
    """The compiled phrases of one lexicon version."""

    def __init__(self, terms: list[Term]):
        terms = [Term(t.phrase.strip().lower(), t.kind, t.weight, t.group, t.language) for t in terms
                 if t.phrase and t.phrase.strip()]
        self.hazards = {t.phrase: t for t in terms if t.kind == L.HAZARD}
        self.cues = {}
        for t in terms:
            if t.kind != L.HAZARD:
                self.cues.setdefault(t.phrase, t)
        self.hazard_re = _pattern(list(self.hazards.values()))
        self.cue_re = _pattern(list(self.cues.values()))
        self.size = len(terms)

    @classmethod
    def default(cls) -> Lexicon:
        return cls([Term(**row) for row in L.default_terms()])


def _spans(text: str, pattern: re.Pattern) -> list[tuple[int, int]]:
    """[(start, end)] of the pieces ``text`` is cut into by ``pattern``; the delimiter stays with
    the piece it ends (a clause ending in ? is a question)."""
    out, start = [], 0
    for m in pattern.finditer(text):
        out.append((start, m.end()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def _find(spans, pos):
    for s, e in spans:
        if s <= pos < e:
            return s, e
    return 0, 0


def assess(text: str | None, lexicon: Lexicon | None = None, *, max_chars: int = MAX_ANALYSED_CHARS) -> UrgencyResult:
    """Score one text. Never raises on any string; an empty text is not urgent."""
    lex = lexicon or get_lexicon()
    raw_len = len(text or "")
    norm = normalise(text, max_chars=max_chars)
    truncated = raw_len > max_chars
    if not norm or lex.hazard_re is None:
        return UrgencyResult(False, 0.0, [], truncated)

    cues = []  # (start, end, term)
    if lex.cue_re is not None:
        for m in lex.cue_re.finditer(norm):
            cues.append((m.start(), m.end(), lex.cues[m.group(0)]))
    cues.extend((m.start(), m.end(), _DATE_TERM) for m in _DATE.finditer(norm))
    excluded = [(s, e) for s, e, t in cues if t.kind == L.EXCLUDE]

    def hidden(s, e):
        return any(xs <= s and e <= xe for xs, xe in excluded)

    live_cues = [(s, e, t) for s, e, t in cues if t.kind != L.EXCLUDE and not hidden(s, e)]
    sentences = _spans(norm, _SENTENCE_END)
    clauses = [c for s_start, s_end in sentences for c in _clause_spans(norm, s_start, s_end)]

    matches: list[Match] = []
    for m in lex.hazard_re.finditer(norm):
        start, end = m.start(), m.end()
        term = lex.hazards[m.group(0)]
        if hidden(start, end) or any(xs < end and start < xe for xs, xe in excluded):
            continue
        s_start, s_end = _find(sentences, start)
        c_start, c_end = _find(clauses, start)
        # Cues that lie inside the hazard phrase itself (没有井盖, 随时可能倒) are part of it.
        around = [(s, e, t) for s, e, t in live_cues if not (start <= s and e <= end)]
        in_clause = [(s, e, t) for s, e, t in around if c_start <= s < c_end]
        in_sentence = [(s, e, t) for s, e, t in around if s_start <= s < s_end]
        kinds_clause = {t.kind for _s, _e, t in in_clause}
        window = NEGATION_WINDOW.get(term.language, 6)
        score, effects = term.weight, []
        negated = [t.phrase for s, e, t in in_clause if t.kind == L.NEGATION and e <= start and start - e <= window]
        resolved = [t.phrase for s, e, t in in_clause if t.kind in AFTER] + \
                   [t.phrase for s, e, t in in_sentence if t.kind in AFTER and s >= end]
        past = [t.phrase for s, e, t in in_sentence if t.kind == L.PAST and s < start]
        present = [t.phrase for s, e, t in in_sentence if t.kind == L.PRESENT]
        present_here = [t.phrase for s, e, t in in_clause if t.kind == L.PRESENT]
        if negated:
            score, effects = 0.0, [f"negation:{negated[-1]}"]
        elif resolved:
            score, effects = 0.0, [f"resolved:{resolved[0]}"]  # resolved, or only its aftermath
        elif past and not present_here:
            score, effects = 0.0, [f"past:{past[-1]}"]
        else:
            kinds_sentence = {t.kind for _s, _e, t in in_sentence}
            for kind in (L.HYPOTHETICAL, L.LATENT, L.BENIGN):
                scope = in_sentence if kind == L.BENIGN else in_clause
                if kind == L.BENIGN and term.weight >= 1.0:
                    continue  # an ordinary cause explains smoke or spray away, never a gas leak
                if kind in (kinds_sentence if kind == L.BENIGN else kinds_clause):
                    cue = next(t.phrase for _s, _e, t in scope if t.kind == kind)
                    score *= FACTOR[kind]
                    effects.append(f"{kind}:{cue}")
            if present and L.HYPOTHETICAL not in kinds_clause:
                score += PRESENT_BONUS
                effects.append(f"present:{present[0]}")
            if start >= LEAD_CHARS:
                score *= LATE_FACTOR
                effects.append("late")
        matches.append(Match(term.phrase, term.group, term.weight, start, round(score, 4), effects))

    best: dict[str, float] = {}
    for m in matches:
        if m.live:
            best[m.phrase] = max(best.get(m.phrase, 0.0), m.score)
    live = sorted(best.values(), reverse=True)  # a phrase repeated is one hazard, not several
    total = live[0] + min(EXTRA_MAX, EXTRA_BONUS * (len(live) - 1)) if live else 0.0
    total = round(total, 4)
    return UrgencyResult(total >= THRESHOLD, total, matches, truncated)


def _clause_spans(text: str, s_start: int, s_end: int) -> list[tuple[int, int]]:
    piece = text[s_start:s_end]
    return [(s_start + a, s_start + b) for a, b in _spans(piece, _CLAUSE_END)] or [(s_start, s_end)]


def assess_appeal(title: str | None, text: str | None, lexicon: Lexicon | None = None) -> UrgencyResult:
    """An appeal's title and description read as one text; the title is its first sentence."""
    title = (title or "").strip()
    text = (text or "").strip()
    if title and text.startswith(title):
        title = ""
    return assess(f"{title}。{text}" if title else text, lexicon)


# --- the lexicon in use ------------------------------------------------------------------------
# Every process compiles the lexicon once and checks at most every CHECK_SECONDS whether an
# administrator changed it (count and latest update of the rows); the admin clears it at once.
CHECK_SECONDS = 30
_lock = threading.Lock()
_cached: dict = {"lexicon": None, "stamp": None, "checked": 0.0}


def _stamp():
    from django.db.models import Count, Max

    from .models import UrgencyTerm

    agg = UrgencyTerm.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return agg["n"], agg["latest"]


def _load() -> Lexicon:
    from .models import UrgencyTerm

    rows = list(UrgencyTerm.objects.filter(is_active=True).values_list("phrase", "kind", "weight", "group", "language"))
    if not rows:
        return Lexicon.default()
    return Lexicon([Term(*row) for row in rows])


def get_lexicon() -> Lexicon:
    now = time.monotonic()
    with _lock:
        if _cached["lexicon"] is not None and now - _cached["checked"] < CHECK_SECONDS:
            return _cached["lexicon"]
    stamp = _stamp()
    with _lock:
        if _cached["lexicon"] is None or stamp != _cached["stamp"]:
            _cached["lexicon"] = _load()
            _cached["stamp"] = stamp
        _cached["checked"] = now
        return _cached["lexicon"]


def clear_lexicon_cache() -> None:
    with _lock:
        _cached.update({"lexicon": None, "stamp": None, "checked": 0.0})
