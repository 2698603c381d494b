"""``civicgrid screenshots`` (``make screenshots``): every main page, as each role sees it, at phone
and desktop width, saved as PNG files for review.

Builds a demo database of its own when there is none (``--db``), starts ``civicgrid serve`` on a
free port, signs in as each demo user (the resident with the phone code the local SMS gateway
logs, exactly as a person trying the demo would) and saves full-page screenshots into ``--out``.
Needs Chromium at /usr/bin/chromium (Debian's package); nothing is fetched from the internet.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 900}
WALL = {"width": 1920, "height": 1080}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Command(BaseCommand):
    help = "Save every main page at phone and desktop width as PNG files (needs /usr/bin/chromium)."

    def add_arguments(self, parser):
        parser.add_argument("--out", default="screenshots", help="directory for the PNG files (default screenshots/)")
        parser.add_argument("--db", default=str(Path(settings.DATA_DIR) / "screenshots.sqlite3"),
                            help="SQLite file with the demo (built when missing)")
        parser.add_argument("--lang", default="zh-hans", choices=["zh-hans", "en"], help="page language")

    def handle(self, *args, **options):
        if not os.path.exists(CHROMIUM):
            raise CommandError(f"No Chromium at {CHROMIUM}: install it (Debian: apt-get install chromium).")
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "CIVICGRID_MODE": "demo", "DATABASE_URL": f"sqlite:///{Path(options['db']).resolve()}"}
        cli = [sys.executable, "-m", "civicgrid.cli"]
        if not Path(options["db"]).exists():
            self.stdout.write(f"building the demo in {options['db']} (about a minute) …")
            subprocess.run([*cli, "migrate", "--no-input", "-v0"], env=env, check=True)
            subprocess.run([*cli, "demo", "--no-progress", "-v0"], env=env, check=True)
        port = _free_port()
        log = open(out / "server.log", "w+", encoding="utf-8")
        server = subprocess.Popen([*cli, "serve", "--port", str(port), "--no-jobs"], env=env, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            self._wait(base)
            facts = self._facts(env, cli)
            shots = self._shoot(base, out, facts, log, options["lang"])
        finally:
            server.terminate()
            server.wait(timeout=20)
            log.close()
        self.stdout.write(self.style.SUCCESS(f"saved {len(shots)} screenshots in {out}/"))
        for name in shots:
            self.stdout.write(f"  {name}")

    def _wait(self, base: str) -> None:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise CommandError("the server did not start; see server.log")

    def _facts(self, env, cli) -> dict:
        """Numbers the pages need (an order, a tracking number, a grid), read in the demo database."""
        code = (
            "import json\n"
            "from civicgrid.workorders.models import Appeal, WorkOrder\n"
            "from civicgrid.people.models import User, Membership\n"
            "r = User.objects.get(username='resident')\n"
            "mine = Appeal.objects.filter(reporter=r).order_by('-received_at').first()\n"
            "street = Membership.objects.filter(user__username='street').select_related('area').first().area\n"
            "grid = Membership.objects.filter(user__username='grid').select_related('area').first().area\n"
            "o = WorkOrder.objects.filter(area_path__startswith=street.path, status='in_progress').order_by('-created_at').first()\n"
            "o = o or WorkOrder.objects.filter(area_path__startswith=street.path).order_by('-created_at').first()\n"
            "print(json.dumps({'phone': r.phone, 'tracking': mine.tracking_number if mine else '',"
            " 'order': o.number if o else '', 'street': street.code, 'grid': grid.code}))\n"
        )
        result = subprocess.run([*cli, "shell", "-c", code], env=env, check=True, capture_output=True, text=True)
        import json

        return json.loads(result.stdout.strip().splitlines()[-1])

    def _pages(self, facts: dict) -> list[tuple[str, str | None, str, dict | None]]:
        """(file name, who, path, viewport or None for phone + desktop)."""
        return [
            ("portal-home", None, "/portal/", None),
            ("report", None, "/orders/report/", None),
            ("echo-wall", None, "/echo/", None),
            ("track", None, f"/orders/track/{facts['tracking']}/", None),
            ("resident-mine", "resident", "/portal/mine/", None),
            ("resident-inbox", "resident", "/inbox/", None),
            ("field-home", "grid", "/field/", None),
            ("field-snap", "grid", "/field/snap/", None),
            ("field-visits", "grid", "/field/visits/", None),
            ("field-grid", "grid", f"/field/grid/{facts['grid']}/", None),
            ("field-orders", "grid", "/field/orders/", None),
            ("workbench-street", "street", "/orders/", None),
            ("order-list", "street", "/orders/list/", None),
            ("order-detail", "street", f"/orders/{facts['order']}/", None),
            ("workbench-department", "dept", "/orders/?queue=to_accept", None),
            ("hotline-entry", "hotline", "/orders/hotline/", None),
            ("center-district", "district", "/center/", None),
            ("center-street", "street", f"/center/?area={facts['street']}", None),
            ("center-wall", "district", "/center/wall/", WALL),
        ]

    def _sign_in(self, context, base: str, who: str, facts: dict, log) -> None:
        page = context.new_page()
        if who == "resident":
            page.goto(base + "/accounts/resident/")
            page.fill("input[name=phone]", facts["phone"])
            page.click("main button[type=submit]")
            page.wait_for_selector("input[name=code]")
            code = None
            for _ in range(40):
                log.flush()
                found = re.findall(rf"SMS to {facts['phone']}: .*?(\d{{6}})", Path(log.name).read_text(encoding="utf-8"))
                if found:
                    code = found[-1]
                    break
                time.sleep(0.25)
            if code is None:
                raise CommandError("no sign-in code in the server log")
            page.fill("input[name=code]", code)
            page.click("main button[type=submit]")
        else:
            page.goto(base + "/accounts/login/")
            page.fill("input[name=username]", who)
            page.fill("input[name=password]", "demo")
            page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.close()

    def _shoot(self, base: str, out: Path, facts: dict, log, lang: str) -> list[str]:
        from playwright.sync_api import sync_playwright

        saved = []
        pages = self._pages(facts)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            contexts = {}
            bar = tqdm(total=sum(1 if v else 2 for *_x, v in pages), desc="screenshots", unit="png", file=self.stderr._out)
            for name, who, path, viewport in pages:
                if who not in contexts:
                    context = browser.new_context(locale="zh-CN")
                    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base}])
                    context.grant_permissions(["geolocation"])
                    context.set_geolocation({"latitude": 36.0716, "longitude": 120.3869})
                    if who:
                        self._sign_in(context, base, who, facts, log)
                    contexts[who] = context
                page = contexts[who].new_page()
                for label, size in ([("wall", viewport)] if viewport else [("phone", PHONE), ("desktop", DESKTOP)]):
                    page.set_viewport_size(size)
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    page.wait_for_timeout(600)  # charts animate in
                    file = out / f"{name}-{label}.png"
                    page.screenshot(path=str(file), full_page=label != "wall")
                    saved.append(file.name)
                    bar.update(1)
                page.close()
            bar.close()
            browser.close()
        return saved
