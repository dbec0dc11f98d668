"""The summary's chart: sales amount and interactions per hour (today) or day (week, month), stacked by rep.

A PNG drawn with matplotlib's Figure and the Agg canvas, never pyplot: no display, no global figure state, so
renders may run in worker threads side by side (the handler runs it with asyncio.to_thread: it is CPU work).
matplotlib is imported on the first chart, not at start: it costs start-up time and memory.

The chart's own labels are digits, dates, the currency code and rep names; the words are in the caption, in
the reader's language. A name the fonts have no glyphs for (a Chinese name on a host without a CJK font)
draws as boxes: the warning about each missing glyph is silenced. Where a CJK font is installed, it is used.
"""

from __future__ import annotations

import io
import warnings
from functools import cache
from typing import Any

from bot.rules.periods import Period
from storage.summaries import OTHERS, Chart

# fonts with CJK glyphs, in order of preference, used when installed
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "Microsoft YaHei", "PingFang SC", "SimHei", "Droid Sans Fallback", "AR PL UMing CN")
MISSING_GLYPH = r"Glyph \d+ .*missing from"
WIDTH, HEIGHT, DPI = 8, 6, 100  # 800 × 600 pixels: sharp on a phone, a small photo to send


@cache
def _matplotlib() -> None:
    """Fonts and sizes, set once before the first chart: rc_context() would change and restore them around
    each chart, which is not safe with charts drawn in two threads at once. The font list is DejaVu Sans, then
    the first installed CJK font (matplotlib falls back glyph by glyph along it)."""
    import matplotlib
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", *[name for name in CJK_FONTS if name in installed][:1]]
    matplotlib.rcParams["font.size"] = 9


def chart_png(period: Period, chart: Chart, currency: str) -> bytes:
    """The chart as PNG bytes."""
    from matplotlib.figure import Figure

    # not catch_warnings(), which is not thread-safe: one filter, added again (not twice) in case it was reset
    warnings.filterwarnings("ignore", message=MISSING_GLYPH, category=UserWarning)
    _matplotlib()
    labels = _bar_labels(period)
    legend = len(chart.series) > 1  # a rep's own chart has one series: no legend needed
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    # a fixed layout: constrained layout measures every text and took longer than the drawing
    figure.subplots_adjust(left=0.1, right=0.8 if legend else 0.97, top=0.93, bottom=0.07, hspace=0.1)
    sales, interactions = figure.subplots(2, 1, sharex=True)
    _stacked(sales, chart, chart.sales, len(labels), scale=100)
    _stacked(interactions, chart, chart.interactions, len(labels), scale=1)
    sales.set_ylabel(currency)
    interactions.set_ylabel("#")
    figure.suptitle(_range(period))
    if legend:
        handles, names = sales.get_legend_handles_labels()
        figure.legend(handles, names, loc="upper left", bbox_to_anchor=(0.81, 0.93), fontsize=8, frameon=False)
    step = max(1, -(-len(labels) // 16))  # a month's 31 days: every other one labelled
    interactions.set_xticks(range(0, len(labels), step), [labels[i] for i in range(0, len(labels), step)])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _stacked(axes: Any, chart: Chart, values: dict[int, list[int]], bars: int, *, scale: int) -> None:
    """One filled step outline per series, stacked: looks like stacked bars, costs one shape per series
    instead of one per bar (a month's chart of 9 series would be 558 shapes, slow to lay out and draw)."""
    edges = [index - 0.5 for index in range(bars + 1)]
    bottom = [0.0] * bars
    for index, key in enumerate(chart.series):
        top = [low + value / scale for low, value in zip(bottom, values.get(key, [0] * bars), strict=True)]
        name = f"+{chart.others}" if key == OTHERS else chart.names.get(key, f"#{key}")
        axes.stairs(top, edges, baseline=bottom, fill=True, label=name, color=f"C{index % 10}")
        bottom = top
    for edge in edges[1:-1]:  # a thin gap between days (or hours) so they read as bars
        axes.axvline(edge, color="white", linewidth=1.5)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    axes.set_xlim(edges[0], edges[-1])
    axes.set_ylim(bottom=0, top=max(max(bottom, default=0) * 1.1, 1))


def _bar_labels(period: Period) -> list[str]:
    local = [edge.astimezone(period.tz) for edge in period.edges]
    if period.hourly:
        return [f"{moment:%H}" for moment in local]
    return [f"{moment:%d}" if period.name == "month" else f"{moment:%m-%d}" for moment in local]


def _range(period: Period) -> str:
    start, end = period.start.astimezone(period.tz), period.end.astimezone(period.tz)
    if period.hourly:
        return f"{start:%Y-%m-%d} 00:00–{end:%H:%M}"
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d %H:%M}"
