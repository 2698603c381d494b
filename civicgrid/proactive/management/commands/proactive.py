"""``civicgrid proactive scan|hot-topics``: hotspot scans of the platform's appeals, and hot-topic
mining of a message file (the 留言 CSV of ../shared/data/appeals/hot_issue_messages.csv).

    civicgrid proactive scan [--area CODE] [--now ISO] [--create --user USERNAME]
    civicgrid proactive hot-topics --data CSV [--top 10] [--half-life DAYS] [--now ISO]
"""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from civicgrid.geo.models import Area

DEFAULT_CSV = "appeals/hot_issue_messages.csv"


def _when(value: str) -> datetime:
    raw = value.strip().replace("/", "-")
    parsed = parse_datetime(raw) or parse_datetime(f"{raw} 00:00")
    if parsed is None:
        raise CommandError(f"Not a date and time: {value!r} (use ISO 8601, e.g. 2026-11-23T09:00).")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _parse_time(value: str) -> datetime | None:
    raw = (value or "").strip().replace("/", "-")
    parts = raw.split(" ")
    if len(parts) == 2 and parts[1].count(":") == 1:
        raw += ":00"
    try:
        return datetime.strptime(raw, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        try:
            return datetime.strptime(raw[:10], "%Y-%m-%d")
        except ValueError:
            return None


def _int(value) -> int:
    try:
        return max(int(float(value or 0)), 0)
    except ValueError:
        return 0


class Command(BaseCommand):
    help = "Hotspot scans (scan) and hot-topic mining of a message file (hot-topics)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        scan = sub.add_parser("scan", help="run every detector and print the findings")
        scan.add_argument("--area", help="area code (default: every top area)")
        scan.add_argument("--now", help="scan as of this time (ISO 8601)")
        scan.add_argument("--create", action="store_true", help="turn the findings into proactive tasks")
        scan.add_argument("--user", help="the staff account the tasks are created as (with --create)")
        topics = sub.add_parser("hot-topics", help="hot topics of a message CSV (留言主题, 留言详情, 留言时间, 点赞数)")
        topics.add_argument("--data", help=f"the CSV (default: SHARED_DATA_DIR/{DEFAULT_CSV})")
        topics.add_argument("--top", type=int, default=10)
        topics.add_argument("--half-life", type=float, default=None,
                            help="days (default: the configured half-life)")
        topics.add_argument("--now", help="heat as of this time (default: the latest message)")

    def handle(self, *args, **options):
        if options["action"] == "scan":
            return self.scan(options)
        return self.hot_topics(options)

    # --- scan ---------------------------------------------------------------------------------
    def scan(self, options):
        from civicgrid.proactive import tasks

        now = _when(options["now"]) if options.get("now") else timezone.now()
        if options.get("area"):
            areas = list(Area.objects.filter(code=options["area"]))
            if not areas:
                raise CommandError(f"No area with the code {options['area']}.")
        else:
            areas = list(Area.objects.filter(parent__isnull=True).order_by("code"))
        user = None
        if options["create"]:
            if not options.get("user"):
                raise CommandError("--create needs --user USERNAME: tasks are opened in someone's name.")
            user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"No active user {options['user']}.")
        if user is not None and not options.get("area"):
            # Without --area, the account's own areas: the others would only be refused.
            from civicgrid.people.jurisdiction import jurisdiction_for
            from civicgrid.proactive.selectors import areas_of

            areas = areas_of(jurisdiction_for(user))
        with tqdm(total=len(areas), desc="scanning", unit="area", disable=None) as bar:
            summary, found = tasks.run_scan(areas=areas, now=now, create_as=user, progress=bar, trigger="command")
        for f in found:
            extra = f" p={f.p_value:.2g}" if f.p_value is not None else f" score={f.score:g}"
            self.stdout.write(f"[{f.kind}] {f.title} · {f.count}{extra} · {', '.join(f.sample_orders[:3])}")
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(summary.findings.items())) or "none"
        self.stdout.write(self.style.SUCCESS(
            f"Scanned {summary.areas} area(s) as of {timezone.localtime(now):%Y-%m-%d %H:%M}: findings {kinds}; "
            f"tasks created {summary.created}, refused {summary.refused}; stored as the areas' snapshots."))

    # --- hot topics of a file -----------------------------------------------------------------
    def hot_topics(self, options):
        from django.conf import settings

        from civicgrid.core.text import words

        from civicgrid.proactive.config import config_for
        from civicgrid.proactive.detectors import detect_topics

        shared = Path(getattr(settings, "SHARED_DATA_DIR", settings.BASE_DIR.parent / "shared" / "data"))
        path = Path(options.get("data") or shared / DEFAULT_CSV)
        if not path.exists():
            raise CommandError(f"{path} not found: pass --data with the message CSV.")
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = {"留言主题", "留言详情"} - set(reader.fieldnames or [])
            if missing:
                raise CommandError(f"{path} lacks the column(s) {', '.join(sorted(missing))}.")
            rows = list(reader)
        if not rows:
            raise CommandError(f"{path} has no rows.")
        times = [_parse_time(r.get("留言时间", "")) for r in rows]
        known = [t for t in times if t is not None]
        now = _when(options["now"]).replace(tzinfo=None) if options.get("now") else (max(known) if known else datetime.now())
        age = np.array([((now - t).total_seconds() / 86400) if t else 365.0 for t in times])
        supports = np.array([_int(r.get("点赞数")) for r in rows])
        docs = []
        # The subject says what the message is about in a dozen characters: it counts twice.
        for r in tqdm(rows, desc="segmenting", unit="msg", disable=None):
            subject = " ".join((r.get("留言主题") or "").split())
            docs.append(words(f"{subject}。{subject}。{r.get('留言详情') or ''}"))
        params = config_for().topics
        if options["half_life"]:
            params = replace(params, half_life_days=options["half_life"])
        topics = detect_topics(docs, supports, age, params=params)
        in_topics = sum(t.size for t in topics)
        self.stdout.write(f"{len(rows):,} messages up to {now:%Y-%m-%d}; {len(topics)} topics hold {in_topics:,} of them "
                          f"(half-life {params.half_life_days:g} days; heat = Σ (1 + ln(1 + likes)) · 2^(−age/half-life))")
        for rank, t in enumerate(topics[: options["top"]], 1):
            first = min((times[i] for i in t.members if times[i]), default=None)
            last = max((times[i] for i in t.members if times[i]), default=None)
            span = f"{first:%Y-%m-%d}–{last:%Y-%m-%d}" if first else "—"
            self.stdout.write(f"{rank:>2}. heat {t.heat:7.2f} · {t.size:>3} messages · {t.supports:>4} likes · {span} · "
                              f"{'/'.join(t.words)}")
            for i in t.members[:3]:
                self.stdout.write(f"      {(rows[i].get('留言主题') or '').strip()[:40]}")
