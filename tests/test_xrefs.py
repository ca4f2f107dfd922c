"""``[](kind:id)`` links in hand-written pages: resolved with anchors and tooltips, errors with file and line."""

from __future__ import annotations

import re

import pytest
from support import Project, build, html, write_site_base, write_valid_base

from build_tools.engine.graph import build_graph
from build_tools.engine.load import load_evidence
from build_tools.site.xrefs import resolve_xrefs


@pytest.fixture
def graph(project: Project):
    write_valid_base(project)
    return build_graph(load_evidence(project.evidence))


TITLE = "Board members probably see their boards as freer from central control."


@pytest.mark.parametrize(("written", "expected"), [
    ("[](claim:boards-feel-freer)", f"[{TITLE}](claims/boards-feel-freer.md)"),
    ("[](claim:boards-feel-freer#evidence)", f"[{TITLE}](claims/boards-feel-freer.md#evidence)"),
    ('[see](claim:boards-feel-freer "The main finding")', '[see](claims/boards-feel-freer.md "The main finding")'),
    ('[see](claim:boards-feel-freer#evidence "Its quotes")',
     '[see](claims/boards-feel-freer.md#evidence "Its quotes")'),
    ("`[](claim:boards-feel-freer)` stays code", "`[](claim:boards-feel-freer)` stays code"),
])
def test_links_to_records_keep_their_anchor_and_tooltip(graph, written, expected):
    assert resolve_xrefs(written, graph, "overview.md", "content/overview.md") == (expected, [])


def test_from_a_page_in_a_folder_links_are_relative_to_it(graph):
    text, errors = resolve_xrefs("[](theme:autonomy#claims)", graph, "guides/reading.md", "content/guides/reading.md")
    assert text == "[Autonomy](../themes/autonomy.md#claims)" and errors == []


@pytest.mark.parametrize("written", ["[x](claim: boards-feel-freer)", "[x](claim:boards-feel-freer extra)",
                                     "[x](claim:boards-feel-freer 'single quotes')"])
def test_a_malformed_link_to_a_record_is_an_error_with_its_line(graph, written):
    text, errors = resolve_xrefs(f"# Title\n\nSee {written}.\n", graph, "overview.md", "content/overview.md")
    assert errors == ["content/overview.md:3: a link to a record is malformed: write [text](kind:id), "
                      '[text](kind:id#anchor) or [text](kind:id "tooltip")'], errors
    assert written in text, "nothing a contributor wrote is rewritten when it cannot be resolved"


def test_unknown_records_are_errors_once_each_and_fenced_code_is_left_alone(graph):
    markdown = "[](claim:boards-feel-fre) and [](source:nowhere#x)\n```\n[](claim:in-a-fence)\n```\n"
    _, errors = resolve_xrefs(markdown, graph, "overview.md", "content/overview.md")
    assert errors == ["content/overview.md:1: unknown claim 'boards-feel-fre' (did you mean 'boards-feel-freer'?)",
                      "content/overview.md:1: unknown source 'nowhere'"]


def test_an_anchor_in_a_link_to_a_record_is_checked_by_the_strict_build(project):
    write_site_base(project)
    page = project.root / "content" / "methods.md"
    page.write_text(page.read_text() + "\nSee [the evidence](claim:boards-feel-freer#evidence).\n")
    assert build(project).returncode == 0
    assert 'href="../claims/boards-feel-freer/#evidence"' in html(project, "methods/index.html")
    page.write_text(page.read_text() + "\nAnd [nothing](claim:boards-feel-freer#no-such-heading).\n")
    result = build(project)
    assert result.returncode == 1 and "no-such-heading" in result.stderr


def test_cross_references_in_hand_written_pages_resolve_to_titles(site_project):
    assert build(site_project).returncode == 0
    overview = html(site_project, "overview/index.html")
    assert re.search(r'<a href="../claims/boards-feel-freer/">Board members probably see their boards', overview)
    assert '<a href="../themes/autonomy/">this theme</a>' in overview
    assert "<code>[](claim:not-a-claim)</code>" in overview


def test_unknown_cross_reference_fails_with_file_and_line(site_project):
    page = site_project.root / "content" / "overview.md"
    page.write_text(page.read_text() + "\nAnd [](claim:boards-feel-fre) and [](source:nowhere).\n")
    result = build(site_project)
    assert result.returncode != 0
    assert "content/overview.md:7: unknown claim 'boards-feel-fre' (did you mean 'boards-feel-freer'?)" in result.stderr
    assert "content/overview.md:7: unknown source 'nowhere'" in result.stderr
    assert "Traceback" not in result.stderr
