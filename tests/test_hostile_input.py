"""Hostile and broken input, round two: quotes that say nothing or hide characters, archive and record files that
are not what they seem, and outputs that cannot be written. Each becomes a finding or a one-line error."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from support import ARCHIVE_TEXT, Project, build, html, run_cli, write_site_base

from build_tools.engine import quotes
from build_tools.engine.findings import Severity
from build_tools.engine.method import Method, MethodError, QuoteRules
from build_tools.engine.quotes import find_quote, nearest_passage, normalise
from build_tools.engine.validate import run


def _set_quote(project: Project, quote: str, stance: str = "contradicts") -> None:
    path = project.evidence / "claims" / "boards-feel-freer.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["evidence"].append({"source": "journal-report", "quote": quote, "stance": stance})
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _codes(project: Project, code: str, method: Method | None = None) -> list:
    return [f for f in run(project.evidence, project.archive, method=method).findings if f.code == code]


# --- quotes that say nothing, or too little ------------------------------------------------------------

@pytest.mark.parametrize("quote", ["…", "[...]", "... , …", "“…”", "—"])
def test_a_quote_with_nothing_quoted_is_refused_and_marks_nothing_contested(valid_project, quote):
    _set_quote(valid_project, quote)
    [finding] = _codes(valid_project, "nothing-quoted")
    assert finding.severity is Severity.error and finding.file.endswith("boards-feel-freer.yaml")


@pytest.mark.parametrize(("quote", "shortest"), [("centre", 1), ("the centre", 2),
                                                 ("less constrained by … centre", 1)])
def test_a_quote_part_of_a_word_or_two_is_too_short(valid_project, quote, shortest):
    _set_quote(valid_project, quote, "supports")
    [finding] = _codes(valid_project, "quote-too-short")
    assert f"has {shortest} word" in finding.message and "at least 3" in finding.message


def test_the_minimum_is_the_projects_to_set(valid_project):
    _set_quote(valid_project, "the centre", "supports")
    assert _codes(valid_project, "quote-too-short", Method(quotes=QuoteRules(min_words=2))) == []
    assert len(_codes(valid_project, "quote-too-short", Method(quotes=QuoteRules(min_words=3)))) == 1
    for option in ({"min_words": 0}, {"min": 3}, "3"):
        with pytest.raises(MethodError, match="quotes:"):
            QuoteRules.from_settings(option)


def test_a_leading_or_trailing_elision_still_passes(valid_project):
    _set_quote(valid_project, "… less constrained by the centre", "supports")
    _set_quote(valid_project, "less constrained by the centre …", "supports")
    findings = run(valid_project.evidence, valid_project.archive).findings
    assert not [f for f in findings if f.severity is Severity.error], findings


# --- characters a page would print differently from what the check compares ---------------------------

@pytest.mark.parametrize("character", ["\u200b", "\u202e", "\u2066", "\u00ad", "\ufeff", "\u200f"])
def test_invisible_and_direction_characters_in_a_quote_are_refused(valid_project, character):
    _set_quote(valid_project, f"less constrained{character} by the centre", "supports")
    [finding] = _codes(valid_project, "invisible-character")
    assert f"U+{ord(character):04X}" in finding.message


@pytest.mark.parametrize(("character", "plain"), [("\ufb01", "fi"), ("\uff43", "c"), ("\u2168", "IX")])
def test_compatibility_forms_of_letters_are_refused_with_the_plain_form(valid_project, character, plain):
    _set_quote(valid_project, f"less constrained by the {character}entre", "supports")
    [finding] = _codes(valid_project, "compatibility-character")
    assert f"write '{plain}'" in finding.hint


def test_typography_that_matching_forgives_is_still_welcome(valid_project):
    _set_quote(valid_project, "less constrained by the centre’s… board – “yes”", "supports")  # not in the source
    assert _codes(valid_project, "invisible-character") == _codes(valid_project, "compatibility-character") == []


# --- elisions, found whichever part is rarest ------------------------------------------------------------

def test_an_elided_quote_is_found_from_its_longest_part_backwards_and_forwards():
    text = normalise("the a the a. Boards were less constrained by the centre than ever, said the survey of boards.")
    assert find_quote("the … less constrained by the centre … the survey", text).found
    assert not find_quote("the … less constrained by the centre … the mayor", text).found
    assert not find_quote("Doctors … less constrained by the centre", text).found  # not before it


def test_the_nearest_passage_of_a_long_text_is_found_around_the_quotes_words(monkeypatch):
    monkeypatch.setattr(quotes, "WHOLE_TEXT_SEARCH", 1000)
    text = normalise("filler words here. " * 200 + ARCHIVE_TEXT + " more filler text. " * 200)
    assert len(text) > 1000
    near = nearest_passage("Local boards were less constrained by the center than before", text)
    assert 'Local boards were "less constrained by the centre"' in near  # the normalised text


# --- archive files that are not files ------------------------------------------------------------------

def test_a_pipe_in_the_archive_is_a_finding_not_a_hang(valid_project):
    fifo = valid_project.archive / "journal.txt"
    fifo.unlink()
    os.mkfifo(fifo)
    result = run_cli("validate", "--no-cache", "--archive", "archive", cwd=valid_project.root, bare=True, timeout=60)
    assert result.returncode == 1 and "is not a plain file" in result.stderr and "Traceback" not in result.stderr


def test_a_symlink_loop_and_an_oversized_text_in_the_archive_are_findings(valid_project, monkeypatch):
    archive = valid_project.archive
    (archive / "journal.txt").unlink()
    (archive / "journal.txt").symlink_to("journal.txt")
    [finding] = _codes(valid_project, "archive-file")
    assert "loop" in finding.message or "cannot read" in finding.message
    (archive / "journal.txt").unlink()
    valid_project.archive_file("journal.txt", ARCHIVE_TEXT)
    monkeypatch.setattr(quotes, "MAX_ARCHIVE_BYTES", 100)
    assert any("an archived text is at most 100" in f.message for f in _codes(valid_project, "archive-file"))


# --- record files that are not what they seem ----------------------------------------------------------

def test_record_links_out_of_the_evidence_folder_or_in_a_loop_are_refused(valid_project, tmp_path):
    claims = valid_project.evidence / "claims"
    outside = tmp_path / "outside.yaml"
    outside.write_text("id: outside\n", encoding="utf-8")
    (claims / "outside.yaml").symlink_to(outside)
    (claims / "loop.yaml").symlink_to("loop.yaml")
    findings = {Path(f.file).name: f for f in run(valid_project.evidence, valid_project.archive).findings
                if f.code == "record-symlink"}
    assert set(findings) == {"outside.yaml", "loop.yaml"}
    assert "outside the evidence folder" in findings["outside.yaml"].message
    assert "leads nowhere" in findings["loop.yaml"].message


@pytest.mark.parametrize("name", ["late.YAML", "late.Yml", "late.yaML"])
def test_near_misses_of_the_record_suffix_are_reported_not_ignored(valid_project, name):
    (valid_project.evidence / "claims" / name).write_text("id: late\n", encoding="utf-8")
    [finding] = [f for f in run(valid_project.evidence, valid_project.archive).findings if f.code == "record-suffix"]
    assert finding.severity is Severity.error and name in finding.message
    assert finding.hint.startswith("rename it to late.y")


# --- outputs that cannot be written ---------------------------------------------------------------------

def _cli(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=project.root, bare=True, timeout=120)


def test_a_cache_that_cannot_be_written_costs_speed_not_the_result(valid_project):
    (valid_project.root / ".cache").write_text("not a folder", encoding="utf-8")
    result = _cli(valid_project, "validate", "--archive", "archive")
    assert result.returncode == 0, result.stderr
    assert "note: the validation cache" in result.stderr and "could not be written" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_onto_a_file_is_a_one_line_error(valid_project):
    (valid_project.root / "out").write_text("a file", encoding="utf-8")
    result = _cli(valid_project, "export", "--out", "out")
    assert result.returncode == 2 and result.stderr.strip() == "error: out is a file: --out names the folder the " \
        "downloads are written into"


# --- elisions that may change what a quote says ---------------------------------------------------------

ELIDED_TEXT = """\
Board members said that the boards are not entirely free agents, whatever the rhetoric.
Chairs were asked about budgets, and
most said they were stretched.

A new paragraph: managers ran the boards in all but name.
"""


@pytest.fixture
def elided(valid_project: Project) -> Project:
    sha = valid_project.archive_file("elided.txt", ELIDED_TEXT)
    valid_project.write("source", "elided-report", f"""
        id: elided-report
        title: Elided report
        authors: []
        date: 2015
        type: news-report
        study: board-study
        archive: {{file: elided.txt, sha256: {sha}}}
    """)
    return valid_project


def _quote_from(project: Project, quote: str, **extra: str) -> None:
    path = project.evidence / "claims" / "boards-feel-freer.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["evidence"].append({"source": "elided-report", "quote": quote, "stance": "supports", **extra})
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(("quote", "problem"), [
    ("the boards are … entirely free agents", 'include "not"'),
    ("most said they were stretched. … A new paragraph: managers ran the boards", "different paragraphs"),
])
def test_an_elision_that_drops_a_negation_or_joins_paragraphs_is_refused_unless_explained(elided, quote, problem):
    _quote_from(elided, quote)
    [finding] = _codes(elided, "elision-changes-meaning")
    assert problem in finding.message and finding.severity is Severity.error
    path = elided.evidence / "claims" / "boards-feel-freer.yaml"
    path.unlink()
    from support import write_valid_base  # the claim again, with the reason the elision keeps the meaning
    write_valid_base(elided)
    _quote_from(elided, quote, elision_note="The two sentences make one point.")
    assert _codes(elided, "elision-changes-meaning") == []


def test_an_elision_across_a_line_broken_mid_sentence_is_fine(elided):
    _quote_from(elided, "whatever the rhetoric. … Chairs were asked about budgets")  # blank lines part paragraphs
    _quote_from(elided, "Chairs were asked about … most said they were stretched")
    assert _codes(elided, "elision-changes-meaning") == []


def test_in_a_text_without_blank_lines_a_line_that_ends_a_sentence_ends_a_paragraph():
    from build_tools.engine.quotes import ArchivedText, elision_problem

    text = ArchivedText(Path("t.txt"), "", "Boards felt free.\nManagers, by contrast,\nfelt constrained.\n")
    joined = find_quote("Boards felt free. … Managers, by contrast", text.normalised)
    wrapped = find_quote("Managers, by … felt constrained", text.normalised)
    assert "different paragraphs" in elision_problem(joined, text.normalised, text.paragraph_starts)
    assert elision_problem(wrapped, text.normalised, text.paragraph_starts) == ""


def test_the_reason_for_an_elision_is_shown_beside_the_quote(elided):
    from build_tools.engine.graph import build_graph
    from build_tools.engine.load import load_evidence
    from build_tools.site.render import render_pages

    _quote_from(elided, "the boards are … entirely free agents", elision_note="The report's own summary.")
    pages = render_pages(build_graph(load_evidence(elided.evidence)))
    for uri in ("claims/boards-feel-freer.md", "sources/elided-report.md"):
        assert "<em>Words left out:</em> The report&#39;s own summary." in pages[uri].body, uri


# --- the archive stays private ------------------------------------------------------------------------------

@pytest.fixture
def site_with_snippets(project: Project) -> Project:
    write_site_base(project)
    config = project.root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "markdown_extensions: [admonition,",
        "markdown_extensions: [{pymdownx.snippets: {base_path: ['.'], check_paths: true}}, admonition,"),
        encoding="utf-8")
    return project


def _page(project: Project, text: str) -> None:
    (project.root / "content" / "overview.md").write_text(text, encoding="utf-8")


def test_a_page_that_includes_an_archived_text_fails_the_build(site_with_snippets):
    _page(site_with_snippets, '# Overview\n\n--8<-- "archive/journal.txt"\n')
    result = build(site_with_snippets)
    assert result.returncode == 1
    assert "content/overview.md: includes archive/journal.txt, but it is an archived source text" in result.stderr
    assert not (site_with_snippets.root / "site").exists()


def test_a_page_that_is_a_link_to_the_archive_or_a_copy_of_a_text_fails_the_build(site_with_snippets):
    page = site_with_snippets.root / "content" / "text.md"
    page.symlink_to(site_with_snippets.archive / "journal.txt")
    result = build(site_with_snippets)
    assert result.returncode == 1 and "text.md: a symbolic link to" in result.stderr
    assert "journal.txt, outside" in result.stderr
    page.unlink()
    page.write_bytes((site_with_snippets.archive / "journal.txt").read_bytes())
    result = build(site_with_snippets)
    assert result.returncode == 1
    assert "is the archived text of source 'journal-report', which is never published" in result.stderr


def test_a_page_may_include_the_projects_own_files(site_with_snippets):
    (site_with_snippets.root / "NOTES.md").write_text("Our own words.\n", encoding="utf-8")
    _page(site_with_snippets, '# Overview\n\n--8<-- "NOTES.md"\n')
    result = build(site_with_snippets)
    assert result.returncode == 0, result.stderr
    assert "Our own words." in html(site_with_snippets, "overview/index.html")


@pytest.mark.parametrize("depth", [900, 5000])
def test_deeply_nested_yaml_is_a_finding_never_a_recursion_error(valid_project, depth):
    path = valid_project.evidence / "claims" / "deep.yaml"
    path.write_text("id: deep\nstatement: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    findings = [f for f in run(valid_project.evidence, valid_project.archive).findings if f.file.endswith("deep.yaml")]
    assert findings and all(f.severity is Severity.error for f in findings)
    if depth > 1000:  # libyaml's limit
        assert findings[0].code == "yaml-syntax" and "nesting depth" in findings[0].message
        assert findings[0].hint.startswith("a record is a few levels deep at most")


@settings(max_examples=400, deadline=None)
@example("a b [. . .] c", 3)
@example("the centre [ \u2026 ] supports", 2)
@given(st.text(alphabet=st.sampled_from(list("ab_9 .…-,’é\u200b[]\n")), max_size=40), st.integers(1, 4))
def test_words_in_each_part_are_counted_as_words_are_found(quote, at_most):
    from build_tools.engine.validate import _WORD, part_word_counts

    assert part_word_counts(quote, at_most) == [min(len(_WORD.findall(part)), at_most)
                                               for part in quotes.elision_parts(quote)]
