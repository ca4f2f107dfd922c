"""Charts: pure functions of the graph returning static, accessible SVG.

Hand-written SVG of simple horizontal bar charts: no chart library, nothing
loaded at run time. Every label is record text and is HTML-escaped. Each chart
is an ``<svg role="img">`` named by its ``<title>`` and described by a ``<desc>``
that states every number, so the picture is never the only way to the data.
Colours come from CSS classes (``ev-fill-*``), so both palettes can set them;
the ``fill`` attributes are the light palette's, for an SVG seen without the
stylesheet. Each bar also prints its numbers: colour is never the only cue.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass

from markupsafe import Markup

from build_tools.engine.graph import Graph
from build_tools.engine.model import CERTAINTY_ORDER

WIDTH = 360  # viewBox units; the CSS scales the chart to the column, up to 1.33×
LABEL_SIZE = 13
COUNT_SIZE = 12
LINE = 17  # height of one line of label text
BAR = 22
GAP = 14
CHARS_PER_LINE = 44  # a conservative fit of LABEL_SIZE text in WIDTH


@dataclass(frozen=True)
class Series:
    """One colour of a chart: its name in the legend, its CSS slug, and the light palette's colours."""

    name: str
    slug: str
    fill: str
    text: str


CERTAINTY_SERIES = [
    Series("high", "high", "#2166ac", "#ffffff"),
    Series("moderate", "moderate", "#92c5de", "#000000"),
    Series("low", "low", "#f4a582", "#000000"),
    Series("very low", "very-low", "#b2182b", "#ffffff"),
]
COUNT_SERIES = [Series("sources", "count", "#00695c", "#ffffff")]


def _e(text: object) -> str:
    return html.escape(" ".join(str(text).split()), quote=True)


def _n(value: float) -> str:
    """A coordinate: at most one decimal, no trailing zero."""
    return f"{round(value, 1):g}"


def wrap(text: str, width: int = CHARS_PER_LINE) -> list[str]:
    """Words into lines of at most ``width`` characters (a longer word gets a line of its own)."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, list[int]]], series: list[Series],
              unit: tuple[str, str], description: str = "") -> Markup:
    """Horizontal bars, stacked by series: a label above each bar, counts in the segments, the total after it.

    ``rows`` are (label, one count per series); ``unit`` is the singular and plural
    noun of what is counted. ``chart_id`` must be unique on its page.
    """
    assert all(len(counts) == len(series) for _, counts in rows)
    most = max((sum(counts) for _, counts in rows), default=0) or 1
    scale = (WIDTH - 36) / most  # leave room for the total after the longest bar
    parts: list[str] = []
    y = 0
    if len(series) > 1:  # a legend: swatch and name, flowing onto more lines when needed
        x = 0
        y = LINE
        for s in series:
            width = 20 + len(s.name) * 7.5 + 14
            if x and x + width > WIDTH:
                x, y = 0, y + LINE + 4
            parts.append(f'<rect class="ev-fill-{s.slug}" x="{_n(x)}" y="{y - 12}" width="14" height="14" '
                         f'fill="{s.fill}" stroke="currentColor" stroke-width="0.5"/>'
                         f'<text x="{_n(x + 20)}" y="{y}" font-size="{LABEL_SIZE}">{_e(s.name)}</text>')
            x += width
        y += GAP
    spoken = []
    for label, counts in rows:
        total = sum(counts)
        for line in wrap(label):
            y += LINE
            parts.append(f'<text x="0" y="{y - 4}" font-size="{LABEL_SIZE}" font-weight="600">{_e(line)}</text>')
        x = 0.0
        for s, count in zip(series, counts, strict=True):
            if not count:
                continue
            width = count * scale
            parts.append(f'<rect class="ev-fill-{s.slug}" x="{_n(x)}" y="{y}" width="{_n(width)}" height="{BAR}" '
                         f'fill="{s.fill}" stroke="currentColor" stroke-width="0.5"/>')
            if width >= 16:
                parts.append(f'<text class="ev-on-{s.slug}" x="{_n(x + width / 2)}" y="{_n(y + BAR / 2 + 4)}" '
                             f'font-size="{COUNT_SIZE}" text-anchor="middle" fill="{s.text}">{count}</text>')
            x += width
        parts.append(f'<text x="{_n(x + 6)}" y="{_n(y + BAR / 2 + 4)}" font-size="{COUNT_SIZE}" '
                     f'font-weight="600">{total}</text>')
        y += BAR + GAP
        named = [f"{count} {s.name}" for s, count in zip(series, counts, strict=True) if count]
        detail = f" ({', '.join(named)})" if len(series) > 1 and named else ""
        spoken.append(f"{label}: {_plural(total, *unit)}{detail}.")
    desc = " ".join([description, *spoken]).strip()
    height = max(y, 1)
    return Markup(
        f'<svg class="ev-chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'font-family="inherit" fill="currentColor" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{_e(title)}</title><desc id="{chart_id}-desc">{_e(desc)}</desc>'
        + "".join(parts) + "</svg>"
    )


CHART_THEMES = 30
"""Bars of the chart of claims by theme: past this many themes, the themes with most claims."""


def claims_by_theme_chart(graph: Graph, chart_id: str = "claims-by-theme") -> Markup:
    """Claims of each theme, stacked by certainty; themes with the most claims first (up to ``CHART_THEMES``)."""
    rows = []
    for theme in graph.themes.values():
        levels = Counter(claim.certainty for claim in graph.claims_by_theme.get(theme.id, []))
        rows.append((theme.title, [levels.get(level, 0) for level in CERTAINTY_ORDER]))
    rows.sort(key=lambda row: (-sum(row[1]), row[0].lower()))
    title, shown = "Claims by theme and certainty", ""
    if len(rows) > CHART_THEMES:
        title += f": the {CHART_THEMES} themes with most claims, of {len(rows):,}"
        shown = f" Only the {CHART_THEMES} themes with most claims are shown."
        rows = rows[:CHART_THEMES]
    return bar_chart(chart_id, title, rows, CERTAINTY_SERIES, ("claim", "claims"),
                     "Each bar is a theme; its segments count the theme's claims by how certain they are, "
                     "from high to very low. A claim can belong to several themes." + shown)


def sources_by_type_chart(graph: Graph, chart_id: str = "sources-by-type") -> Markup:
    """How many sources of each type, most common first."""
    types = Counter(source.type for source in graph.sources.values())
    rows = [(kind.label, [count]) for kind, count in types.items()]
    rows.sort(key=lambda row: (-row[1][0], row[0]))
    return bar_chart(chart_id, "Sources by type", rows, COUNT_SERIES, ("source", "sources"),
                     "Each bar is a type of document; its length is the number of sources of that type.")
