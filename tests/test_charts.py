"""Charts: static SVG computed from the graph, with every number in words and every label escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from support import Project, write_valid_base

from build_tools.engine.graph import build_graph
from build_tools.engine.load import load_evidence
from build_tools.site.charts import CERTAINTY_SERIES, bar_chart, claims_by_theme_chart, sources_by_type_chart, wrap

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


def test_claims_by_theme_counts_each_theme_by_certainty(valid_project: Project):
    graph = build_graph(load_evidence(valid_project.evidence))
    svg = parse(claims_by_theme_chart(graph))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "claims-by-theme-title claims-by-theme-desc"
    assert svg.find(f"{SVG}title").text == "Claims by theme and certainty"
    # the valid base: one theme, Autonomy, with one moderate and one low claim
    assert "Autonomy: 2 claims (1 moderate, 1 low)." in svg.find(f"{SVG}desc").text
    bars = [r for r in svg.iter(f"{SVG}rect") if float(r.get("y")) > 20]  # below the legend
    assert [r.get("class") for r in bars] == ["ev-fill-moderate", "ev-fill-low"]
    assert float(bars[0].get("width")) == float(bars[1].get("width"))  # one claim each
    assert "Autonomy" in texts(svg) and "2" in texts(svg)
    assert texts(svg)[:4] == ["high", "moderate", "low", "very low"]  # the legend, in order


def test_sources_by_type_counts_sources(valid_project: Project):
    graph = build_graph(load_evidence(valid_project.evidence))
    svg = parse(sources_by_type_chart(graph))
    desc = svg.find(f"{SVG}desc").text
    assert "News report: 1 source." in desc and "Research report: 1 source." in desc
    assert svg.find(f"{SVG}title").text == "Sources by type"


def test_longer_bars_for_larger_counts_and_totals_after_them():
    svg = parse(bar_chart("c", "Counts", [("one", [1]), ("three", [3])], CERTAINTY_SERIES[:1], ("thing", "things")))
    bars = list(svg.iter(f"{SVG}rect"))
    assert float(bars[1].get("width")) == 3 * float(bars[0].get("width"))
    assert texts(svg) == ["one", "1", "1", "three", "3", "3"]
    assert svg.find(f"{SVG}desc").text == "one: 1 thing. three: 3 things."


def test_record_text_in_a_chart_is_text_never_markup(project: Project):
    write_valid_base(project)
    theme = project.evidence / "themes" / "autonomy.yaml"
    hostile = '<script>alert(1)</script> & "</svg><b>x</b>'
    theme.write_text(theme.read_text().replace("title: Autonomy", f"title: '{hostile}'"))
    graph = build_graph(load_evidence(project.evidence))
    markup = str(claims_by_theme_chart(graph))
    assert "<script>" not in markup and "</svg><b>" not in markup
    svg = parse(markup)  # still one well-formed SVG element
    assert not list(svg.iter(f"{SVG}script")) and not list(svg.iter("script"))
    label = " ".join(t for t in texts(svg) if "alert" in t or "svg" in t)
    assert label == hostile
    assert hostile in svg.find(f"{SVG}desc").text


def test_long_labels_wrap_into_lines_without_losing_words():
    title = "A very long theme title about the relationship between clinicians and managers in commissioning"
    lines = wrap(title)
    assert len(lines) > 1 and all(len(line) <= 44 for line in lines)
    assert " ".join(lines) == title
