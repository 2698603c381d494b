"""Lay the report's data out as a PDF (reportlab) and an Excel workbook (openpyxl).

Both are written in Chinese whatever the caller's language (the caller wraps them in
``translation.override``). The PDF embeds a subset of the CJK TrueType font from ``fonts`` for
every piece of text, so it reads the same on any machine; the workbook needs no font.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from . import charts, fonts
from .config import option
from .selectors import ReportData, month_label

SECTIONS = ("cover", "volumes", "channels", "categories", "rankings", "hotspots", "problems", "recommendations")


# --- formatting shared by both files --------------------------------------------------------------
def pct(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def count(n) -> str:
    return "—" if n is None else f"{n:,}"


def value_text(kind: str, value) -> str:
    if kind == "rate":
        return pct(value)
    if kind == "score":
        return "—" if value is None else f"{value:.2f}"
    return count(value)


def change_text(kind: str, change) -> str:
    if change is None:
        return "—"
    if kind == "rate":
        return _("%(sign)s%(value).1f points") % {"sign": "+" if change >= 0 else "−", "value": abs(change) * 100}
    if kind == "score":
        return f"{'+' if change >= 0 else '−'}{abs(change):.2f}"
    return f"{'+' if change >= 0 else '−'}{abs(change) * 100:.1f}%"


def area_kind_label(kind: str | None) -> str:
    return {"street": _("Streets"), "community": _("Communities"), "grid": _("Grids")}.get(kind or "", "")


def hotspot_source(data: ReportData) -> str:
    if data.hotspots["source"] == "proactive":
        return _("Source: hotspot and anomaly detection of the proactive governance module (未诉先办).")
    return _("Source: counts of the month's orders per grid and category against the previous month "
             "(the hotspot detection module had no findings for this month).")


# A hotspot's baseline is an expected count, often fractional (the detectors' mean of earlier
# periods): one decimal everywhere, in the PDF and the workbook alike, so 1 and 1.2 never sit together.
BASELINE = "0.0"


def baseline_text(baseline) -> str:
    return "—" if baseline is None else f"{baseline:,.1f}"


def hotspot_headers() -> list[str]:
    return [_("Kind"), _("Hotspot"), _("Area"), _("Category"), _("Appeals"), _("Baseline (expected)"),
            _("Change on baseline")]


def hotspot_baseline_note(data: ReportData) -> str:
    if data.hotspots["source"] == "proactive":
        return _("Baseline: the number of appeals the detection expected for that area, category and period from "
                 "earlier periods; the change is measured against it, not against the previous month.")
    return _("Baseline: the number of orders of that grid and category in the previous month; the change is "
             "measured against it.")


def definitions(data: ReportData) -> list[str]:
    w = data.scheme
    return [
        _("Response rate: orders dispatched in the month and accepted within the response limit ÷ orders dispatched in the month."),
        _("Resolution rate: valid callbacks of the month saying resolved ÷ valid callbacks."),
        _("Satisfaction rate: (satisfied + %(v)s × basically satisfied) ÷ valid callbacks.") % {"v": f"{w['basically_value']:g}"},
        _("Composite score: weighted mean of the three rates × 100 with weights %(r)s / %(s)s / %(t)s (response / resolution / satisfaction); rates without data are left out.")
        % {"r": f"{w['response']:g}", "s": f"{w['resolution']:g}", "t": f"{w['satisfaction']:g}"},
        _("On-time rate: orders closed in the month by their handling deadline ÷ orders closed in the month."),
        _("Overdue: orders still open (not suspended) whose handling deadline passed before the month's end."),
        _("Month-over-month change: counts as a percentage of the previous month; rates in percentage points."),
        _("Problem list: an area and category with at least %(n)d orders in the month is recurring; overdue, unsatisfied or not resolved (valid callbacks of the month) and reopened orders are listed too.")
        % {"n": option("recurring_min_orders")},
    ]


def problem_headers() -> list[str]:
    return [_("No."), _("Area"), _("Category"), _("Problem"), _("Orders this month"), _("Overdue"),
            _("Unsatisfied or unresolved"), _("Reopened"), _("Handling unit"), _("Sample orders")]


def ranking_headers() -> list[str]:
    return [_("Rank"), _("Name"), _("Response rate"), _("Resolution rate"), _("Satisfaction rate"),
            _("Composite score"), _("On-time rate"), _("Overdue"), _("Dispatched"), _("Valid callbacks")]


def summary_sentences(data: ReportData) -> list[str]:
    if not data.has_data:
        return [_("No appeals or orders were recorded in %(area)s in %(month)s: this report has no figures to show.")
                % {"area": data.area.name, "month": month_label(data.month)}]
    s = {r["key"]: r for r in data.summary}
    out = [_("%(month)s: %(appeals)s appeals received (%(a_change)s on the previous month), %(opened)s orders opened and %(closed)s closed.")
           % {"month": month_label(data.month), "appeals": count(s["appeals"]["value"]),
              "a_change": change_text("count", s["appeals"]["change"]), "opened": count(s["opened"]["value"]),
              "closed": count(s["closed"]["value"])}]
    out.append(_("Response rate %(r)s, resolution rate %(s)s, satisfaction rate %(t)s; composite score %(score)s; on-time rate %(o)s; %(overdue)s orders overdue.")
               % {"r": pct(s["response_rate"]["value"]), "s": pct(s["resolution_rate"]["value"]),
                  "t": pct(s["satisfaction_rate"]["value"]), "score": value_text("score", s["score"]["value"]),
                  "o": pct(s["on_time_rate"]["value"]), "overdue": count(s["overdue"]["value"])})
    if data.categories_l1:
        top = data.categories_l1[0]
        out.append(_("The largest category is %(name)s with %(n)s orders (%(share)s of the month).")
                   % {"name": top["name"], "n": count(top["count"]), "share": pct(top["share"])})
    if data.hotspots.get("top_problem"):
        out.append(_("Top problem of the month (每月一题): %(title)s.") % {"title": data.hotspots["top_problem"]["title"]})
    if data.partial:
        out.append(_("The month is not over: figures up to %(time)s, compared with the same days of the previous month.")
                   % {"time": timezone.localtime(data.as_of).strftime("%Y-%m-%d %H:%M")})
    return out


# --- PDF ----------------------------------------------------------------------------------------
def write_pdf(data: ReportData, path: Path, progress: Callable[[str], None] = lambda s: None) -> int:
    """Write the PDF; returns its number of pages."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle,
    )

    font, family, _choice = fonts.prepare()
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=11)
    cell = ParagraphStyle("cell", parent=base, fontSize=8, leading=10.5)
    h1 = ParagraphStyle("h1", parent=base, fontSize=15, leading=21, spaceBefore=6, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=base, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=4)
    title = ParagraphStyle("title", parent=base, fontSize=22, leading=32, alignment=TA_CENTER, spaceAfter=10)
    subtitle = ParagraphStyle("subtitle", parent=base, fontSize=12, leading=18, alignment=TA_CENTER)
    width = A4[0] - 36 * mm

    def p(text, style=base):
        return Paragraph(_escape(text).replace("\n", "<br/>"), style)

    def table(headers, rows, widths, align_right=()):
        body = [[p(h, cell) for h in headers]] + [[p(str(v), cell) for v in r] for r in rows]
        t = Table(body, colWidths=widths, repeatRows=1)
        style = [("FONTNAME", (0, 0), (-1, -1), font), ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#777777")),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dddddd")), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                 ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
        style += [("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f3f3")])]
        t.setStyle(TableStyle(style))
        return t

    def image(png: bytes, w: float):
        from reportlab.lib.utils import ImageReader

        reader = ImageReader(io.BytesIO(png))
        iw, ih = reader.getSize()
        return Image(io.BytesIO(png), width=w, height=w * ih / iw)

    def none(text=None):
        return p(text or _("No data for this month."), small)

    story = []

    def new_page():
        # A month without data is one or two pages of "no data", not seven.
        if data.has_data:
            story.append(PageBreak())

    # Cover and summary
    progress("cover")
    story += [Spacer(1, 30 * mm), p(data.title, title), p(data.area.name, subtitle),
              p(month_label(data.month), subtitle), Spacer(1, 8 * mm),
              p(_("Generated %(time)s by civicgrid") % {"time": timezone.localtime(data.generated_at).strftime("%Y-%m-%d %H:%M")}, subtitle),
              Spacer(1, 12 * mm), p(_("Summary"), h1)]
    story += [p("• " + s) for s in summary_sentences(data)]
    story.append(Spacer(1, 4 * mm))
    rows = [[r["label"], value_text(r["kind"], r["value"]), value_text(r["kind"], r["previous"]),
             change_text(r["kind"], r["change"])] for r in data.summary]
    story.append(table([_("Figure"), _("This month"), _("Previous month"), _("Month on month")], rows,
                       [width * 0.4, width * 0.2, width * 0.2, width * 0.2]))
    new_page()

    # 1. Volumes and trend
    progress("volumes")
    story.append(p(_("1. Volumes and daily trend"), h1))
    if data.has_data:
        story.append(image(charts.trend(data.daily, family, {
            "appeals": _("Appeals received"), "created": _("Orders opened"), "closed": _("Orders closed"),
            "x": _("Day of the month"), "y": _("Count")}), width))
        weeks = _weeks(data.daily)
        story.append(table([_("Days"), _("Appeals received"), _("Orders opened"), _("Orders closed")],
                           [[w["label"], count(w["appeals"]), count(w["created"]), count(w["closed"])] for w in weeks],
                           [width * 0.4, width * 0.2, width * 0.2, width * 0.2]))
    else:
        story.append(none())

    # 2. Channels
    progress("channels")
    story.append(p(_("2. Channels"), h1))
    if data.channels and any(c["count"] for c in data.channels):
        rows = [c for c in data.channels if c["count"] or c["previous"]]
        story.append(image(charts.bars([c["label"] for c in rows], [(_("This month"), [c["count"] for c in rows]),
                                                                   (_("Previous month"), [c["previous"] for c in rows])],
                                       family, _("Appeals")), width * 0.85))
        story.append(table([_("Channel"), _("This month"), _("Share"), _("Previous month"), _("Month on month")],
                           [[c["label"], count(c["count"]), pct(c["share"]), count(c["previous"]), change_text("count", c["change"])]
                            for c in rows], [width * 0.36, width * 0.16, width * 0.16, width * 0.16, width * 0.16]))
    else:
        story.append(none())

    # 3. Categories
    progress("categories")
    new_page()
    story.append(p(_("3. Categories"), h1))
    top_n = option("top_categories")
    if data.has_data and data.categories_l1:
        top = data.categories_l1[:top_n]
        story.append(image(charts.bars([c["name"] for c in top], [(_("This month"), [c["count"] for c in top]),
                                                                 (_("Previous month"), [c["previous"] for c in top])],
                                       family, _("Orders opened")), width * 0.85))
        story.append(p(_("Top-level categories"), h2))
        story.append(table([_("Category"), _("This month"), _("Share"), _("Previous month"), _("Month on month")],
                           [[c["name"], count(c["count"]), pct(c["share"]), count(c["previous"]), change_text("count", c["change"])]
                            for c in top], [width * 0.36, width * 0.16, width * 0.16, width * 0.16, width * 0.16]))
        story.append(p(_("Second-level categories"), h2))
        story.append(table([_("Category"), _("Top level"), _("This month"), _("Previous month"), _("Month on month")],
                           [[c["name"], c["parent"], count(c["count"]), count(c["previous"]), change_text("count", c["change"])]
                            for c in data.categories_l2[:top_n]],
                           [width * 0.3, width * 0.22, width * 0.16, width * 0.16, width * 0.16]))
        growing = sorted([c for c in data.categories_l2 if c["delta"] > 0], key=lambda c: (-c["delta"], c["code"]))[:5]
        if growing:
            story.append(p(_("Fastest growing: ") + "；".join(
                f"{c['name']} +{c['delta']}（{change_text('count', c['change'])}）" for c in growing), small))
    else:
        story.append(none())

    # 4. Rankings
    progress("rankings")
    new_page()
    story.append(p(_("4. Rankings on the 三率"), h1))
    story.append(p(_("Weights %(r)s / %(s)s / %(t)s (response / resolution / satisfaction); basically satisfied counts %(v)s.")
                   % {"r": f"{data.scheme['response']:g}", "s": f"{data.scheme['resolution']:g}",
                      "t": f"{data.scheme['satisfaction']:g}", "v": f"{data.scheme['basically_value']:g}"}, small))
    w10 = [width * x for x in (0.07, 0.23, 0.09, 0.09, 0.09, 0.09, 0.09, 0.08, 0.08, 0.09)]

    def ranking_rows(rows):
        return [[r["rank"] or "—", r["name"], pct(r["response_rate"]), pct(r["resolution_rate"]), pct(r["satisfaction_rate"]),
                 value_text("score", r["score"]), pct(r["on_time_rate"]), count(r["overdue"]), count(r["dispatched"]),
                 count(r["callbacks"])] for r in rows]

    if data.area_kind:
        story.append(p(area_kind_label(data.area_kind), h2))
        scored = [r for r in data.area_ranking if r["score"] is not None]
        if scored:
            story.append(image(charts.bars([r["name"] for r in scored[:15]], [(_("Composite score"), [r["score"] for r in scored[:15]])],
                                           family, _("Composite score")), width * 0.8))
        story.append(table(ranking_headers(), ranking_rows(data.area_ranking), w10) if data.area_ranking else none())
    story.append(p(_("Handling units"), h2))
    story.append(table(ranking_headers(), ranking_rows(data.unit_ranking[:option("pdf_unit_rows")]), w10)
                 if data.unit_ranking else none())

    # 5. Hotspots
    progress("hotspots")
    new_page()
    story.append(p(_("5. Hotspots"), h1))
    story.append(p(hotspot_source(data), small))
    top = data.hotspots.get("top_problem")
    if top:
        story.append(p(_("Top problem of the month (每月一题): %(title)s.") % {"title": top["title"]}, h2))
    rows = data.hotspots["rows"][:option("pdf_hotspot_rows")]
    if rows:
        story.append(table(hotspot_headers(), [[r["kind_label"], r["title"], r["place"], r["category"], count(r["count"]),
                                                baseline_text(r["baseline"]), change_text("count", r["change"])] for r in rows],
                           [width * x for x in (0.12, 0.3, 0.16, 0.14, 0.09, 0.09, 0.1)]))
        story.append(p(hotspot_baseline_note(data), small))
    else:
        story.append(none(_("No hotspots this month.")))

    # 6. Problem list
    progress("problems")
    new_page()
    story.append(p(_("6. Problem list (问题清单)"), h1))
    rows = data.problems[:option("pdf_problem_rows")]
    if rows:
        if len(data.problems) > len(rows):
            story.append(p(_("The %(shown)d most serious of %(total)d problems; the workbook lists all of them.")
                           % {"shown": len(rows), "total": len(data.problems)}, small))
        story.append(table(problem_headers(), [[r["no"], r["place"], r["category"], r["kinds"], r["opened"], r["overdue"],
                                                r["unsatisfied"], r["reopened"], r["unit"], "\n".join(r["samples"][:2])] for r in rows],
                           # The last column holds whole order numbers (16 characters): one per line, never cut.
                           [width * x for x in (0.05, 0.14, 0.14, 0.09, 0.06, 0.06, 0.08, 0.05, 0.13, 0.20)]))
    else:
        story.append(none(_("No recurring, overdue, unsatisfied or reopened problems this month.")))

    # 7. Recommendation list
    progress("recommendations")
    new_page()
    story.append(p(_("7. Recommendations per unit (建议清单)"), h1))
    recs = data.recommendations[:option("pdf_unit_rows")]
    if recs:
        for r in recs:
            if r["weakest"]:
                head = _("%(name)s (%(kind)s): score %(score)s, weakest %(weak)s %(value)s, %(overdue)d overdue") % {
                    "name": r["name"], "kind": r["kind"], "score": value_text("score", r["score"]),
                    "weak": r["weakest"], "value": pct(r["weakest_value"]), "overdue": r["overdue"]}
            else:
                head = _("%(name)s (%(kind)s): score %(score)s, every rate meets its target, %(overdue)d overdue") % {
                    "name": r["name"], "kind": r["kind"], "score": value_text("score", r["score"]),
                    "overdue": r["overdue"]}
            block = [p(head, h2)]
            if r["recurring"]:
                block.append(p(_("Recurring problems: ") + "；".join(r["recurring"]), small))
            block += [p(f"{i}. {s}") for i, s in enumerate(r["sentences"], start=1)]
            story.append(KeepTogether(block))
    else:
        story.append(none(_("No unit handled work in this area this month.")))

    story.append(p(_("Definitions"), h1))
    story += [p("• " + d, small) for d in definitions(data)]

    footer = _("%(title)s · page %%(page)d") % {"title": data.title}

    def decorate(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawCentredString(A4[0] / 2, 10 * mm, footer % {"page": doc.page})
        canvas.restoreState()

    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=18 * mm, title=data.title, author="civicgrid", subject=data.area.name,
                            initialFontName=font, creator="civicgrid")
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return doc.page


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _weeks(days: list[dict]) -> list[dict]:
    out = []
    for i in range(0, len(days), 7):
        chunk = days[i:i + 7]
        out.append({"label": f"{chunk[0]['day']:%m-%d} – {chunk[-1]['day']:%m-%d}",
                    **{k: sum(d[k] for d in chunk) for k in ("appeals", "created", "closed")}})
    return out


# --- Excel --------------------------------------------------------------------------------------
def sheet_names() -> list[str]:
    return [_("Overview"), _("Trend"), _("Categories"), _("Rankings"), _("Hotspots"), _("Problem list"),
            _("Recommendations")]


def write_xlsx(data: ReportData, path: Path, progress: Callable[[str], None] = lambda s: None) -> list[str]:
    """Write the workbook; returns its sheet names."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    from civicgrid.core.xlsx import display_width

    book = Workbook()
    book.remove(book.active)
    names = sheet_names()
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDDDDD")
    thin = Side(style="thin", color="999999")
    border = Border(top=thin, bottom=thin, left=thin, right=thin)
    PCT, INT, DEC = "0.0%", "#,##0", "0.00"

    def sheet(name, headers, rows, formats=None, start_row=1, ws=None):
        ws = ws or book.create_sheet(title=name[:31])
        for c, h in enumerate(headers, start=1):
            cell = ws.cell(row=start_row, column=c, value=h)
            cell.font, cell.fill, cell.border = header_font, header_fill, border
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for r, row in enumerate(rows, start=start_row + 1):
            for c, v in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c, value=v)
                fmt = (formats or {}).get(c)
                if fmt and isinstance(v, (int, float)):
                    cell.number_format = fmt
                cell.alignment = Alignment(wrap_text=isinstance(v, str) and len(v) > 30, vertical="top")
        if start_row == 1:
            ws.freeze_panes = ws.cell(row=2, column=1).coordinate
        for c, h in enumerate(headers, start=1):
            letter = get_column_letter(c)
            widest = max([display_width(h)] + [display_width(r[c - 1]) for r in rows[:200] if len(r) >= c])
            current = ws.column_dimensions[letter].width or 0
            ws.column_dimensions[letter].width = max(current, min(max(widest + 2, 8), 60))
        return ws

    # Overview: title, the summary with change, the channels.
    progress("cover")
    ws = book.create_sheet(title=names[0])
    ws["A1"] = data.title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = _("Generated %(time)s by civicgrid") % {"time": timezone.localtime(data.generated_at).strftime("%Y-%m-%d %H:%M")}
    for i, s in enumerate(summary_sentences(data), start=3):
        ws.cell(row=i, column=1, value=s)
    top = 3 + len(summary_sentences(data)) + 1
    rows = []
    for r in data.summary:
        rows.append([r["label"], r["value"], r["previous"], r["change"]])
    sheet(names[0], [_("Figure"), _("This month"), _("Previous month"), _("Month on month")], rows, start_row=top, ws=ws)
    for i, r in enumerate(data.summary, start=top + 1):
        fmt = PCT if r["kind"] == "rate" else DEC if r["kind"] == "score" else INT
        for col in (2, 3):
            ws.cell(row=i, column=col).number_format = fmt
        ws.cell(row=i, column=4).number_format = ("+0.0%;-0.0%;0.0%" if r["kind"] != "score" else "+0.00;-0.00;0.00")
    ws.freeze_panes = ws.cell(row=top + 1, column=1).coordinate
    progress("channels")
    ch_top = top + len(rows) + 3
    ws.cell(row=ch_top - 1, column=1, value=_("2. Channels")).font = header_font
    sheet(names[0], [_("Channel"), _("This month"), _("Share"), _("Previous month"), _("Month on month")],
          [[c["label"], c["count"], c["share"], c["previous"], c["change"]] for c in data.channels],
          {2: INT, 3: PCT, 4: INT, 5: "+0.0%;-0.0%;0.0%"}, start_row=ch_top, ws=ws)
    ws.column_dimensions["A"].width = 36

    # Trend with a native line chart.
    progress("volumes")
    ws = sheet(names[1], [_("Day"), _("Appeals received"), _("Orders opened"), _("Orders closed")],
               [[d["day"], d["appeals"], d["created"], d["closed"]] for d in data.daily], {2: INT, 3: INT, 4: INT})
    for r in range(2, len(data.daily) + 2):
        ws.cell(row=r, column=1).number_format = "yyyy-mm-dd"
    ws.column_dimensions["A"].width = 12
    if data.daily:
        chart = LineChart()
        chart.title, chart.y_axis.title, chart.x_axis.title = _("1. Volumes and daily trend"), _("Count"), _("Day")
        chart.add_data(Reference(ws, min_col=2, max_col=4, min_row=1, max_row=len(data.daily) + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(data.daily) + 1))
        chart.x_axis.number_format = "mm-dd"
        for s, dash in zip(chart.series, ("solid", "dash", "sysDot")):
            s.graphicalProperties.line.dashStyle = dash
        chart.height, chart.width = 8, 18
        ws.add_chart(chart, "F2")

    # Categories: top level and second level, bar chart of the top level.
    progress("categories")
    fmt = {2: INT, 3: PCT, 4: INT, 5: "+0.0%;-0.0%;0.0%", 6: "+#,##0;-#,##0;0"}
    ws = sheet(names[2], [_("Top-level category"), _("This month"), _("Share"), _("Previous month"), _("Month on month"), _("Difference")],
               [[c["name"], c["count"], c["share"], c["previous"], c["change"], c["delta"]] for c in data.categories_l1], fmt)
    n1 = len(data.categories_l1)
    if n1:
        chart = BarChart()
        chart.type, chart.title = "bar", _("3. Categories")
        chart.y_axis.title, chart.x_axis.title = _("Orders opened"), _("Category")
        shown = min(n1, option("top_categories"))
        chart.add_data(Reference(ws, min_col=2, max_col=2, min_row=1, max_row=shown + 1), titles_from_data=True)
        chart.add_data(Reference(ws, min_col=4, max_col=4, min_row=1, max_row=shown + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=shown + 1))
        chart.height, chart.width = 9, 16
        ws.add_chart(chart, "H2")
    second = n1 + 3
    sheet(names[2], [_("Second-level category"), _("This month"), _("Share"), _("Previous month"), _("Month on month"),
                     _("Difference"), _("Top level")],
          [[c["name"], c["count"], c["share"], c["previous"], c["change"], c["delta"], c["parent"]] for c in data.categories_l2],
          fmt, start_row=second, ws=ws)
    for c in range(1, 8):
        ws.cell(row=second, column=c).font = header_font

    # Rankings: areas then units.
    progress("rankings")
    headers = ranking_headers() + [_("Kind")]
    rfmt = {3: PCT, 4: PCT, 5: PCT, 6: DEC, 7: PCT, 8: INT, 9: INT, 10: INT}

    def rrows(rows, kind):
        return [[r["rank"], r["name"], r["response_rate"], r["resolution_rate"], r["satisfaction_rate"], r["score"],
                 r["on_time_rate"], r["overdue"], r["dispatched"], r["callbacks"], kind(r)] for r in rows]

    from civicgrid.people.models import UnitKind

    kinds = dict(UnitKind.choices)
    # Areas first (streets of a district, communities of a street), then the handling units, each
    # table with its own header and ranks.
    unit_rows = rrows(data.unit_ranking, lambda r: str(kinds.get(r.get("unit_kind"), r.get("unit_kind") or "")))
    if data.area_ranking:
        ws = sheet(names[3], headers, rrows(data.area_ranking, lambda r: area_kind_label(data.area_kind)), rfmt)
        sheet(names[3], headers, unit_rows, rfmt, start_row=len(data.area_ranking) + 3, ws=ws)
    else:
        sheet(names[3], headers, unit_rows, rfmt)

    progress("hotspots")
    ws = sheet(names[4], hotspot_headers() + [_("Sample orders")],
               [[r["kind_label"], r["title"], r["place"], r["category"], r["count"], r["baseline"], r["change"],
                 " ".join(r["samples"])] for r in data.hotspots["rows"]], {5: INT, 6: BASELINE, 7: "+0.0%;-0.0%;0.0%"})
    note_row = len(data.hotspots["rows"]) + 3
    ws.cell(row=note_row, column=1, value=hotspot_source(data))
    ws.cell(row=note_row + 1, column=1, value=hotspot_baseline_note(data))
    if data.hotspots.get("top_problem"):
        ws.cell(row=note_row + 2, column=1, value=_("Top problem of the month (每月一题): %(title)s.")
                % {"title": data.hotspots["top_problem"]["title"]})

    progress("problems")
    sheet(names[5], problem_headers(), [[r["no"], r["place"], r["category"], r["kinds"], r["opened"], r["overdue"],
                                         r["unsatisfied"], r["reopened"], r["unit"], " ".join(r["samples"])]
                                        for r in data.problems], {5: INT, 6: INT, 7: INT, 8: INT})

    progress("recommendations")
    ws = sheet(names[6], [_("Unit"), _("Kind"), _("Rank"), _("Composite score"), _("Weakest rate"), _("Value"),
                          _("Overdue"), _("Reopened"), _("Recurring problems"), _("Recommendations")],
               [[r["name"], r["kind"], r["rank"], r["score"], r["weakest"] or _("All meet their targets"), r["weakest_value"],
                 r["overdue"], r["reopened"],
                 "；".join(r["recurring"]), "\n".join(f"{i}. {s}" for i, s in enumerate(r["sentences"], start=1))]
                for r in data.recommendations], {4: DEC, 6: PCT, 7: INT, 8: INT})
    ws.column_dimensions["J"].width = 80
    for row in ws.iter_rows(min_row=2, min_col=10, max_col=10):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    defs = len(data.recommendations) + 3
    ws.cell(row=defs, column=1, value=_("Definitions")).font = header_font
    for i, d in enumerate(definitions(data), start=defs + 1):
        ws.cell(row=i, column=1, value=d)

    book.properties.title = data.title
    book.properties.creator = "civicgrid"
    book.save(str(path))
    return list(book.sheetnames)


# --- both files ---------------------------------------------------------------------------------
FORMATS = ("pdf", "xlsx")
CONTENT_TYPES = {"pdf": "application/pdf",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def write_files(data: ReportData, out_dir: Path, formats=FORMATS, progress: Callable[[str], None] = lambda s: None) -> list[dict]:
    """Write the requested files into ``out_dir``; one dict per file: format, path, size, sha256,
    pages (PDF) or sheets (workbook), seconds."""
    import hashlib
    import time

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        path = out_dir / f"{data.file_stem}.{fmt}"
        t0 = time.perf_counter()
        info: dict = {"format": fmt, "path": path}
        if fmt == "pdf":
            info["pages"] = write_pdf(data, path, progress)
        else:
            info["sheets"] = write_xlsx(data, path, progress)
        info["seconds"] = time.perf_counter() - t0
        raw = path.read_bytes()
        info["size"] = len(raw)
        info["sha256"] = hashlib.sha256(raw).hexdigest()
        written.append(info)
    return written
