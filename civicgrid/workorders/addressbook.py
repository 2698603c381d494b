"""Matching a free-text address (a hotline caller's words, an imported row) against the buildings
address book, since no online geocoder can be assumed.

Steps, on the normalised form (``geo.services.address_key``: full-width folded, no spaces or
punctuation), with the province/city/district/street prefixes and everything below the building
(单元, 室, 层, 1-2-301) removed:

1. exact: the normalised text equals a building's normalised address;
2. prefix: a building's address starts the text ("恩县路12号门口") or the text starts buildings'
   addresses ("嘉兴路30号海晶花园" → its 1号楼, 2号楼 …: ambiguous);
3. road + number: the same road and house number;
4. similarity: bigram Dice coefficient, candidates drawn from an inverted bigram index.

One clear winner is a match; otherwise a ranked list of candidates (code, address, score).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from civicgrid.geo.models import Building
from civicgrid.geo.services import address_key

from .catalogue import Snapshot, table_fingerprint

MATCH_SCORE = 0.9  # a single candidate at least this good is taken
MARGIN = 0.08  # ... and at least this much better than the next one
MIN_SCORE = 0.5  # candidates below this are not worth showing
MAX_CANDIDATES = 8

# Province, city, district (not "恩县" of 恩县路: a district is not followed by a road word), street.
_PREFIX = re.compile(r"^(中国)?(山东省|山东)?(青岛市|青岛)?([\u4e00-\u9fff]{1,6}?(区|县|市)(?![路街道巷弄里]))?"
                     r"([\u4e00-\u9fff]{1,8}?街道)?")
_BELOW_BUILDING = re.compile(r"(\d+(单元|室|户|层|楼层|门).*|\d+-\d+.*|[东西南北]?(侧|门口|对面|附近|旁边|楼下|路口).*)$")
_ROAD_NUMBER = re.compile(r"([\u4e00-\u9fff\d]{1,12}?(路|街|道|巷|弄|里|村|胡同))(\d+)号")


def strip_key(text: str) -> str:
    """The part of a normalised address that identifies the building."""
    key = address_key(text)
    key = _PREFIX.sub("", key, count=1) if _PREFIX.match(key) else key
    stripped = _BELOW_BUILDING.sub("", key)
    return stripped or key


def road_number(key: str) -> tuple[str, str] | None:
    match = _ROAD_NUMBER.search(key)
    return (match.group(1), match.group(3)) if match else None


def bigrams(key: str) -> set[str]:
    return {key[i:i + 2] for i in range(len(key) - 1)} or ({key} if key else set())


def dice(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return 2.0 * len(a & b) / (len(a) + len(b))


@dataclass(frozen=True)
class Candidate:
    code: str
    address: str
    score: float

    def as_dict(self) -> dict:
        return {"code": self.code, "address": self.address, "score": round(self.score, 3)}


@dataclass
class AddressMatch:
    building_id: int | None = None
    code: str = ""
    how: str = ""  # exact / prefix / road_number / similar
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.building_id is not None

    @property
    def ambiguous(self) -> bool:
        return self.building_id is None and bool(self.candidates)


@dataclass
class Entry:
    id: int
    code: str
    address: str
    area_path: str
    key: str
    grams: frozenset


@dataclass
class AddressIndex:
    entries: list[Entry]
    by_key: dict[str, list[int]]
    by_road_number: dict[tuple[str, str], list[int]]
    by_gram: dict[str, list[int]]
    keys_sorted: list[tuple[str, int]]


def _build() -> AddressIndex:
    entries, by_key, by_rn, by_gram = [], {}, {}, {}
    rows = Building.objects.values_list("id", "code", "address", "area_path").order_by("code")
    for i, (pk, code, address, area_path) in enumerate(rows):
        key = strip_key(address)
        grams = frozenset(bigrams(key))
        entries.append(Entry(pk, code, address, area_path, key, grams))
        by_key.setdefault(key, []).append(i)
        rn = road_number(key)
        if rn:
            by_rn.setdefault(rn, []).append(i)
        for g in grams:
            by_gram.setdefault(g, []).append(i)
    keys_sorted = sorted((e.key, i) for i, e in enumerate(entries))
    return AddressIndex(entries, by_key, by_rn, by_gram, keys_sorted)


def _fingerprint():
    return table_fingerprint(Building, "updated_at")


address_snapshot = Snapshot("addressbook", _build, _fingerprint)


def _starting_with(index: AddressIndex, prefix: str) -> list[int]:
    import bisect

    lo = bisect.bisect_left(index.keys_sorted, (prefix, -1))
    out = []
    for key, i in index.keys_sorted[lo:]:
        if not key.startswith(prefix):
            break
        out.append(i)
        if len(out) > 50:
            break
    return out


def match_address(text: str, *, within: tuple[str, ...] | None = None) -> AddressMatch:
    """Match ``text`` against the address book; ``within``: area paths to search (None: all)."""
    index = address_snapshot.get()
    key = strip_key(text or "")
    if len(key) < 2:
        return AddressMatch()

    def allowed(i: int) -> bool:
        return within is None or any(index.entries[i].area_path.startswith(p) for p in within)

    def result(hits: list[int], how: str, score: float = 1.0) -> AddressMatch | None:
        hits = [i for i in dict.fromkeys(hits) if allowed(i)]
        if len(hits) == 1:
            e = index.entries[hits[0]]
            return AddressMatch(e.id, e.code, how, [Candidate(e.code, e.address, score)])
        if hits:
            grams = bigrams(key)
            ranked = sorted(hits, key=lambda i: (-dice(grams, index.entries[i].grams), index.entries[i].code))
            return AddressMatch(how=how, candidates=[
                Candidate(index.entries[i].code, index.entries[i].address, min(score, dice(grams, index.entries[i].grams)))
                for i in ranked[:MAX_CANDIDATES]])
        return None

    found = result(index.by_key.get(key, []), "exact")
    if found:
        return found
    # A building's address that starts the text: the longest one wins ("恩县路12号" in "恩县路12号门前").
    for end in range(len(key) - 1, 1, -1):
        hits = index.by_key.get(key[:end])
        if hits and (found := result(hits, "prefix", 0.95)):
            return found
    found = result(_starting_with(index, key), "prefix", 0.9)
    if found:
        return found
    rn = road_number(key)
    if rn and (found := result(index.by_road_number.get(rn, []), "road_number", 0.9)):
        return found

    grams = bigrams(key)
    shared: Counter[int] = Counter()
    for g in grams:
        postings = index.by_gram.get(g, ())
        if len(postings) < 2000:  # a bigram in thousands of addresses ("青岛") says nothing
            shared.update(postings)
    scored = sorted(
        ((dice(grams, index.entries[i].grams), i) for i, _n in shared.most_common(200) if allowed(i)),
        key=lambda si: (-si[0], index.entries[si[1]].code),
    )
    scored = [(s, i) for s, i in scored if s >= MIN_SCORE][:MAX_CANDIDATES]
    if not scored:
        return AddressMatch()
    best, i = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best >= MATCH_SCORE and best - runner_up >= MARGIN:
        e = index.entries[i]
        return AddressMatch(e.id, e.code, "similar", [Candidate(e.code, e.address, best)])
    return AddressMatch(how="similar", candidates=[
        Candidate(index.entries[i].code, index.entries[i].address, s) for s, i in scored])


def forget() -> None:
    address_snapshot.forget(everywhere=True)
