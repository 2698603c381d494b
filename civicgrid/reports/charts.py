"""The report's charts as PNG bytes (matplotlib, Agg backend, the CJK font of ``fonts``).

Made to survive a black-and-white printer: greys of clearly different lightness plus hatching for
bars and different line styles and markers for lines, labelled axes, the value written on every
bar, and 200 dpi so that small Chinese text stays sharp on paper.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt  # noqa: E402 (after choosing the backend)
from matplotlib.ticker import MaxNLocator  # noqa: E402

DPI = 200
GREYS = ("#333333", "#9a9a9a", "#d0d0d0")
HATCHES = ("", "//", "..")


def _figure(family: str, width: float, height: float):
    plt.rcParams.update({"font.family": family, "font.size": 8, "axes.unicode_minus": False})
    fig, ax = plt.subplots(figsize=(width, height), dpi=DPI)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    return buf.getvalue()


def trend(days: list[dict], family: str, labels: dict) -> bytes:
    """Daily appeals, orders opened and closed: three line styles, three markers."""
    fig, ax = _figure(family, 6.6, 2.6)
    x = [d["day"].day for d in days]
    styles = [("appeals", "-", "o", GREYS[0]), ("created", "--", "s", GREYS[0]), ("closed", ":", "^", "#666666")]
    for key, line, marker, colour in styles:
        ax.plot(x, [d[key] for d in days], linestyle=line, marker=marker, markersize=3, linewidth=1.2,
                color=colour, label=labels[key])
    ax.set_xlabel(labels["x"])
    ax.set_ylabel(labels["y"])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xticks(x[::2] if len(x) > 16 else x)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    ax.legend(frameon=False, ncol=3, loc="upper center", bbox_to_anchor=(0.5, 1.18))
    return _png(fig)


def bars(names: list[str], series: list[tuple[str, list[float]]], family: str, xlabel: str,
         percent: bool = False, width: float = 6.6) -> bytes:
    """Horizontal bars, one group per name (first name on top), one grey + hatch per series, the
    value at the end of each bar."""
    n = max(len(names), 1)
    fig, ax = _figure(family, width, max(1.6, 0.32 * n * max(1, len(series)) + 0.8))
    k = len(series)
    height = 0.8 / k
    top = max([v for _l, values in series for v in values if v is not None] or [1])
    for i, (label, values) in enumerate(series):
        ys = [n - 1 - j + (k - 1 - 2 * i) * height / 2 for j in range(len(names))]
        vals = [v or 0 for v in values]
        rects = ax.barh(ys, vals, height=height * 0.95, color=GREYS[i % 3], hatch=HATCHES[i % 3],
                        edgecolor="#222222", linewidth=0.5, label=label)
        texts = [("—" if v is None else f"{v * 100:.1f}%" if percent else f"{v:g}") for v in values]
        ax.bar_label(rects, labels=texts, padding=2, fontsize=7)
    ax.set_yticks(range(n))
    ax.set_yticklabels(list(reversed(names)))
    ax.set_xlabel(xlabel)
    ax.set_xlim(0, top * 1.18 if top else 1)
    if percent:
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if k > 1:
        ax.legend(frameon=False, loc="lower right")
    return _png(fig)
