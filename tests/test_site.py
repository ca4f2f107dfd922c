"""The site: golden Markdown for every generated page, and real strict builds checked in the HTML."""

from __future__ import annotations

import dataclasses
import datetime
import gzip
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import Project, write_valid_base

from build_tools.engine.graph import build_graph
from build_tools.engine.history import FileChange, RawCommit, build_history
from build_tools.engine.load import load_evidence
from build_tools.site.citations import Citations
from build_tools.site.exports import build_exports
from build_tools.site.render import TAGS_URI, GeneratedPage, SiteInfo, escape_inline, render_pages

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def write_site_base(project: Project) -> None:
    """The valid base plus a contested claim, and a minimal site around it."""
    write_valid_base(project)
    project.write("claim", "change-is-quick", """
        id: change-is-quick
        statement: Doctors on the boards can change services quickly.
        themes: [autonomy]
        certainty: low
        certainty_rationale: One survey, reported in the news.
        evidence:
          - source: journal-report
            quote: “could change services quickly”
            stance: supports
            locator: paragraph 2
          - source: journal-report
            quote: the picture varied widely between areas
            stance: contradicts
            note: Variation suggests not every board can.
        aliases: [quick-change]
        key_message: Doctors on the boards may be able to change services quickly.
    """)
    (project.root / "content").mkdir()
    (project.root / "content" / "overview.md").write_text(textwrap.dedent("""\
        # Overview

        The key finding: [](claim:boards-feel-freer). See also [this theme](theme:autonomy).

        Code is left alone: `[](claim:not-a-claim)`.
        """), encoding="utf-8")
    (project.root / "content" / "methods.md").write_text("# Methods\n\nHow it was made.\n", encoding="utf-8")
    (project.root / "mkdocs.yml").write_text(textwrap.dedent("""\
        site_name: Test synthesis
        site_url: http://127.0.0.1:8000/
        repo_url: !ENV [REPO_URL, null]
        edit_uri: edit/main/content/
        docs_dir: content
        theme:
          name: material
          font: false
          features: [navigation.instant, navigation.instant.preview, content.action.edit]
        plugins:
          - search
          - tags
          - evidence:
              archive: archive
          - redirects
        markdown_extensions: [admonition, attr_list, md_in_html, tables, {toc: {permalink: true}}]
        validation:
          omitted_files: warn
          absolute_links: warn
          unrecognized_links: warn
          anchors: warn
          not_found: warn
        nav:
          - Home: index.md
          - Overview: overview.md
          - Themes: themes/index.md
          - Claims: claims/index.md
          - Evidence map: evidence-map.md
          - Recommendations: recommendations/index.md
          - Open questions: questions/index.md
          - Sources: sources/index.md
          - Studies: studies/index.md
          - Methods: methods.md
          - Downloads: downloads/index.md
          - Changelog: changelog.md
        """), encoding="utf-8")


@pytest.fixture
def site_project(project: Project) -> Project:
    write_site_base(project)
    return project


def build(project: Project, env: dict[str, str] | None = None,
          engine: str = "properdocs") -> subprocess.CompletedProcess[str]:
    """``properdocs build --strict`` (the recommended engine), or ``mkdocs``."""
    environment = {k: v for k, v in os.environ.items() if k not in {"REPO_URL", "EVIDENCE_ARCHIVE"}}
    environment.update({"NO_MKDOCS_2_WARNING": "1", **(env or {})})
    return subprocess.run([sys.executable, "-m", engine, "build", "--strict", "-f", "mkdocs.yml", "-d", "site"],
                          cwd=project.root, capture_output=True, text=True, env=environment, check=False)


def html(project: Project, page: str) -> str:
    return (project.root / "site" / page).read_text(encoding="utf-8")


def searched(project: Project) -> list[dict[str, Any]]:
    """What the project's built site's search finds (:func:`pagefind_entries`)."""
    return pagefind_entries(project.root / "site")


def pagefind_entries(site: Path) -> list[dict[str, Any]]:
    """What a built site's search finds: the records of every Pagefind index it names (gzipped JSON after a
    signature, one a file), as Material's entries (location, title, text, tags)."""
    folders = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["config"]["indexes"]
    entries = []
    for path in sorted(path for folder in folders for path in (site / folder / "fragment").iterdir()):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd"), path
        record = json.loads(data.removeprefix(b"pagefind_dcd"))
        entry = {"location": record["filters"]["location"][0], "title": record["meta"]["title"],
                 "text": record["content"]}
        if "tags" in record["meta"]:
            entry["tags"] = record["meta"]["tags"].split("\n")
        entries.append(entry)
    return entries


# --- golden files -----------------------------------------------------------

def _commit(sha: str, date: str, subject: str, *files: FileChange) -> RawCommit:
    import datetime

    return RawCommit(sha * 40, datetime.date.fromisoformat(date), subject, files)


# The golden pages never depend on the repository's own history: this one is made up, newest commit first.
# quick-change is renamed to change-is-quick (which lists it in aliases), and a claim is added, then removed.
FIXED_HISTORY = dataclasses.replace(build_history([
    _commit("d", "2026-03-01", "Remove a claim; reword the theme",
            FileChange("D", "claims/dropped.yaml"), FileChange("M", "themes/autonomy.yaml")),
    _commit("c", "2026-02-10", "Add a claim", FileChange("A", "claims/dropped.yaml")),
    _commit("b", "2026-02-10", "Rename quick-change; reword boards-feel-freer",
            FileChange("R", "claims/quick-change.yaml", "claims/change-is-quick.yaml"),
            FileChange("M", "claims/boards-feel-freer.yaml")),
    _commit("a", "2026-01-05", "First records", *(FileChange("A", path) for path in (
        "studies/board-study.yaml", "studies/second-study.yaml", "sources/journal-report.yaml",
        "sources/second-report.yaml", "themes/autonomy.yaml", "claims/boards-feel-freer.yaml",
        "claims/effect-unknown.yaml", "claims/quick-change.yaml", "recommendations/wait-and-see.yaml",
        "questions/patient-effects.yaml", "README.md"))),
]), head="e" * 40, dirty=False)


def rendered_pages(tmp_path: Path) -> dict[str, str]:
    """Every generated page as text: HTML after a header of its front matter (Markdown for the tags page)."""
    project = Project(tmp_path)
    write_site_base(project)
    source = project.evidence / "sources" / "journal-report.yaml"  # an address: quotes link to their passage
    source.write_text(source.read_text(encoding="utf-8") + "url: https://example.org/report\n", encoding="utf-8")
    graph = build_graph(load_evidence(project.evidence))
    info = SiteInfo("Test synthesis", "A synthesis used in tests.", url="https://example.org/synthesis/",
                    date=datetime.date(2026, 1, 2))
    citations = Citations(graph, info, history=FIXED_HISTORY)
    pages = render_pages(graph, info, FIXED_HISTORY, citations=citations,
                         downloads=build_exports(graph, info, citations))
    return {golden_name(uri): page if isinstance(page, str) else golden_text(page) for uri, page in pages.items()}


def golden_text(page: GeneratedPage) -> str:
    """A generated page as one text: a header of its front matter and search text, then its HTML."""
    lines = ["<!--", f"title: {page.title}"]
    lines += [f"tags: {', '.join(page.tags)}"] if page.tags else []
    lines += [f"hide: {', '.join(page.hide)}"] if page.hide else []
    lines += [f"feed: {page.feed}"] if page.feed else []
    lines += [f"search: {page.search}" if page.search is not None else "search: excluded", "-->", ""]
    return "\n".join(lines) + page.body


def golden_name(uri: str) -> str:
    """claims/x.md → claims/x.html: generated pages are HTML, but for the tags page."""
    return uri if uri == TAGS_URI else uri.removesuffix(".md") + ".html"


def test_golden_pages(tmp_path):
    """Every generated page matches its golden file (UPDATE_GOLDEN=1 rewrites them after a deliberate change)."""
    pages = rendered_pages(tmp_path)
    if UPDATE:
        assert not os.environ.get("CI"), "UPDATE_GOLDEN=1 in CI would compare the pages with themselves"
        for uri, text in pages.items():
            (GOLDEN / uri).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / uri).write_text(text, encoding="utf-8")
    expected = {p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file()}
    assert set(pages) == expected
    for uri, text in pages.items():
        assert text == (GOLDEN / uri).read_text(encoding="utf-8"), f"{uri} differs from tests/golden/{uri}"


def test_rendering_is_deterministic(tmp_path):
    assert rendered_pages(tmp_path / "a") == rendered_pages(tmp_path / "b")


@pytest.mark.parametrize(("text", "rendered"), [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("[click](javascript:alert(1))", "\\[click\\](javascript:alert(1))"),
    ("{{ 7 * 7 }} and {% if %}", "\\{\\{ 7 \\* 7 \\}\\} and \\{% if %\\}"),
    ("a | b", "a \\| b"),
    ("# not a heading", "\\# not a heading"),
    ("1. not a list", "1\\. not a list"),
    ("line\nbreak", "line break"),
])
def test_record_text_is_escaped(text, rendered):
    assert escape_inline(text) == rendered


@pytest.mark.parametrize(("here", "there", "link"), [
    ("claims/a/", "claims/b/", "../b/"),
    ("claims/a/", "sources/b/", "../../sources/b/"),
    ("claims/a/", "claims/", "../"),
    ("claims/", "claims/a/", "a/"),
    ("", "claims/a/", "claims/a/"),
    ("claims/a/", "", "../../"),
    ("claims/a/", "claims/a/", "./"),
    ("claims/a.html", "sources/b.html", "../sources/b.html"),
    ("index.html", "claims/a.html", "claims/a.html"),
])
def test_links_between_generated_pages_are_relative_like_mkdocs_makes_them(here, there, link):
    from mkdocs.utils import get_relative_url

    from build_tools.site.render import href

    assert href(here, there) == link
    assert posix_join(here, link) == posix_join(here, get_relative_url(there, here))


def posix_join(page_url: str, link: str) -> str:
    import posixpath

    folder = page_url.rpartition("/")[0]
    return posixpath.normpath(posixpath.join(folder, link))


def test_a_large_evidence_map_lists_each_themes_evidence_instead_of_a_grid(tmp_path, monkeypatch):
    """Themes × studies grows with the square of the records: past a size, only cells with claims are shown."""
    from build_tools.site.render import evidence_map

    project = Project(tmp_path)
    write_site_base(project)
    graph = build_graph(load_evidence(project.evidence))
    grid = render_pages(graph)["evidence-map.md"].body
    assert '<th>Theme</th><th><a href="../studies/' in grid  # a column per study
    monkeypatch.setattr(evidence_map, "MAP_CELLS", 1)
    listed = render_pages(graph)["evidence-map.md"].body
    assert "a grid would be too large to read" in listed and '<th>Theme</th><th>Evidence it draws on</th>' in listed
    assert 'href="../studies/board-study/"' in listed and "ev-chip" in listed
    assert re.search(r"no evidence from \d+ of \d+", listed)


# --- real builds ------------------------------------------------------------

def test_site_builds_strict_with_backlinks_anchors_and_contested_marker(site_project):
    result = build(site_project)
    assert result.returncode == 0, result.stderr
    source = html(site_project, "sources/journal-report/index.html")
    # backlinks: every record that quotes the source links back from its page
    for target in ("claims/boards-feel-freer/", "claims/change-is-quick/", "recommendations/wait-and-see/",
                   "questions/patient-effects/"):
        assert f'href="../../{target}"' in source
    assert "could change services quickly" in source
    # anchors exist for the sections linked as #fragments
    claim = html(site_project, "claims/change-is-quick/index.html")
    assert 'id="evidence"' in claim
    # contested marker on the claim page and in lists
    assert 'class="ev-contested"' in claim
    assert "Contested" in claim
    assert 'class="ev-contested"' in html(site_project, "claims/index.html")
    assert 'class="ev-contested"' in html(site_project, "themes/autonomy/index.html")


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


def test_invalid_records_fail_the_build_with_findings(site_project):
    path = site_project.evidence / "claims" / "boards-feel-freer.yaml"
    path.write_text(path.read_text().replace("themes: [autonomy]", "themes: [autonom]"))
    result = build(site_project)
    assert result.returncode != 0
    assert "evidence/claims/boards-feel-freer.yaml:3:10: error: theme 'autonom' does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_item_pages_stay_out_of_the_nav(site_project):
    assert build(site_project).returncode == 0
    methods = html(site_project, "methods/index.html")  # its content links nothing: every link is navigation
    assert 'href="../claims/"' in methods
    assert "boards-feel-freer" not in methods


def test_edit_link_opens_the_record_yaml(site_project):
    result = build(site_project, {"REPO_URL": "https://github.com/example/evidence"})
    assert result.returncode == 0, result.stderr
    claim = html(site_project, "claims/boards-feel-freer/index.html")
    assert 'href="https://github.com/example/evidence/edit/main/evidence/claims/boards-feel-freer.yaml"' in claim
    overview = html(site_project, "overview/index.html")
    assert 'href="https://github.com/example/evidence/edit/main/content/overview.md"' in overview


def test_build_never_writes_into_docs_dir(site_project):
    before = sorted(p.relative_to(site_project.root) for p in (site_project.root / "content").rglob("*"))
    assert build(site_project).returncode == 0
    after = sorted(p.relative_to(site_project.root) for p in (site_project.root / "content").rglob("*"))
    assert before == after


def test_hand_written_page_cannot_shadow_a_generated_one(site_project):
    (site_project.root / "content" / "index.md").write_text("# Home\n")
    result = build(site_project)
    assert result.returncode != 0
    assert "index.md is generated from the records" in result.stderr


def test_no_third_party_fonts_or_scripts(site_project):
    assert build(site_project).returncode == 0
    for page in (site_project.root / "site").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in text and "fonts.gstatic.com" not in text, page
        for src in re.findall(r'<script[^>]+src="([^"]+)"', text):
            assert not src.startswith(("http://", "https://", "//")), (page, src)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(url: str) -> str:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def _wait_for(url: str, text: str, seconds: float = 30) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in _fetch(url):
            return True
        time.sleep(0.3)
    return False


def test_serve_rebuilds_when_a_record_or_an_override_changes(site_project):
    overrides = site_project.root / "overrides"
    (overrides / "assets").mkdir(parents=True)
    (overrides / "assets" / "extra.css").write_text("/* first */\n")
    config = site_project.root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"))
    port = _free_port()
    environment = {k: v for k, v in os.environ.items() if k not in {"REPO_URL", "EVIDENCE_ARCHIVE"}}
    environment["NO_MKDOCS_2_WARNING"] = "1"
    server = subprocess.Popen([sys.executable, "-m", "properdocs", "serve", "--livereload", "-f", "mkdocs.yml",
                               "-a", f"127.0.0.1:{port}"],
                              cwd=site_project.root, env=environment, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        page = f"http://127.0.0.1:{port}/claims/boards-feel-freer/"
        assert _wait_for(page, "Board members see their boards as freer")
        record = site_project.evidence / "claims" / "boards-feel-freer.yaml"
        record.write_text(record.read_text().replace("Board members see", "Board members now see"))
        assert _wait_for(page, "Board members now see their boards")
        (overrides / "assets" / "extra.css").write_text("/* second */\n")
        assert _wait_for(f"http://127.0.0.1:{port}/assets/extra.css", "second")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_record_text_cannot_inject_markup_or_template_code_anywhere_in_the_html(site_project):
    """Statement and theme title carry HTML, a title break-out, Jinja and a javascript: link; all stay text."""
    hostile = '</title><script>alert(1)</script> {{ 7 * 7 }} {% raw %} [x](javascript:alert(1)) <b>bold</b>'
    claim = site_project.evidence / "claims" / "boards-feel-freer.yaml"
    claim.write_text(claim.read_text().replace(
        "statement: Board members see their boards as freer from central control than earlier bodies.",
        f"statement: {json.dumps(hostile)}"))
    theme = site_project.evidence / "themes" / "autonomy.yaml"
    theme.write_text(theme.read_text().replace("title: Autonomy", f"title: {json.dumps('Auto <i>nomy</i>')}"))
    result = build(site_project)
    assert result.returncode == 0, result.stderr
    for page in (site_project.root / "site").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in text, page
        assert "</title><script>" not in text, page
        assert "<b>bold</b>" not in text and "<i>nomy</i>" not in text, page
        assert 'href="javascript:' not in text, page
        assert "49" not in re.findall(r"<h1[^>]*>(.*?)</h1>", text, re.S)[0] if "<h1" in text else True
    claim_html = html(site_project, "claims/boards-feel-freer/index.html")
    assert "{{ 7 * 7 }}" in claim_html and "{% raw %}" in claim_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in claim_html


def test_code_spans_are_html_escaped_but_not_markdown_escaped():
    """Markdown escapes are not processed inside code, so a file name must not gain backslashes."""
    from build_tools.site.render import code

    assert code("000_c5fd40d31a6c6381.txt") == "<code>000_c5fd40d31a6c6381.txt</code>"
    assert code("<b>") == "<code>&lt;b&gt;</code>"


def test_search_index_tags_and_palettes(site_project):
    """Quotes are searchable, themes are tags listing their claims, and both palettes can be toggled."""
    assert build(site_project).returncode == 0
    assert json.loads(html(site_project, "search/search_index.json"))["docs"] == []  # Pagefind's index has them
    claim_docs = [d for d in searched(site_project) if d["location"].startswith("claims/change-is-quick/")]
    assert any("could change services quickly" in d["text"] for d in claim_docs)
    assert claim_docs[0]["tags"] == ["Autonomy"]
    claim = html(site_project, "claims/change-is-quick/index.html")
    assert re.search(r'<a href="../../tags/#tag:autonomy" class="md-tag">Autonomy</a>', claim)
    tags = html(site_project, "tags/index.html")
    assert 'href="../claims/change-is-quick/"' in tags


def test_a_failed_build_leaves_the_previous_site_as_it_was(site_project):
    """Built aside and swapped in: neither invalid records nor a strict-mode warning wipe the published site."""
    assert build(site_project).returncode == 0
    marker = site_project.root / "site" / "marker.txt"
    marker.write_text("previous build", encoding="utf-8")

    overview = site_project.root / "content" / "overview.md"
    overview.write_text(overview.read_text(encoding="utf-8") + "\n[gone](missing.md)\n", encoding="utf-8")
    warned = build(site_project)
    assert warned.returncode == 1 and "missing.md" in warned.stderr  # a warning, fatal only in strict mode
    assert marker.read_text(encoding="utf-8") == "previous build"

    claim = site_project.evidence / "claims" / "effect-unknown.yaml"
    original = claim.read_text(encoding="utf-8")
    claim.write_text("id: [broken\n", encoding="utf-8")
    invalid = build(site_project)
    assert invalid.returncode == 1 and "effect-unknown.yaml" in invalid.stderr
    assert marker.read_text(encoding="utf-8") == "previous build"
    assert sorted(p.name for p in site_project.root.iterdir() if p.name.startswith(".site")) == []

    overview.write_text(overview.read_text(encoding="utf-8").replace("[gone](missing.md)", ""), encoding="utf-8")
    claim.write_text(original, encoding="utf-8")
    assert build(site_project).returncode == 0
    assert not marker.exists() and (site_project.root / "site" / "index.html").is_file()


def test_lists_in_running_text_keep_the_space_after_their_separator(tmp_path):
    """Record links joined in a sentence read "A, B" and "A; B", not "A,B" (escaping trims whitespace)."""
    project = Project(tmp_path)
    write_site_base(project)
    project.write("theme", "quality", """
        id: quality
        title: Quality
        summary: Quality of care.
    """)
    claim = project.evidence / "claims" / "effect-unknown.yaml"
    claim.write_text(claim.read_text().replace("themes: [autonomy]", "themes: [autonomy, quality]"))
    recommendation = project.evidence / "recommendations" / "wait-and-see.yaml"
    recommendation.write_text(recommendation.read_text().replace(
        "made_by: [A. Researcher]", "made_by: [A. Researcher, Fictional University]"))
    pages = render_pages(build_graph(load_evidence(project.evidence)))
    assert ('<a href="../../themes/autonomy/">Autonomy</a>, <a href="../../themes/quality/">Quality</a>'
            in pages["claims/effect-unknown.md"].body)
    assert '<td data-label="Made by">A. Researcher; Fictional University</td>' in pages["recommendations/index.md"].body


def test_links_that_leave_the_site_are_marked_for_print(site_project):
    source = site_project.evidence / "sources" / "second-report.yaml"
    source.write_text(source.read_text() + "url: https://example.org/report\ndoi: 10.1234/abcd\n")
    overview = site_project.root / "content" / "overview.md"
    overview.write_text(overview.read_text() + "\nSee [the publisher](https://example.org/), [methods](methods.md).\n")
    assert build(site_project).returncode == 0
    page = html(site_project, "sources/second-report/index.html")
    rel = 'rel="noopener noreferrer"'
    assert f'<a class="ev-external" href="https://doi.org/10.1234/abcd" {rel}>10.1234/abcd</a>' in page
    assert f'<a class="ev-external ev-address" href="https://example.org/report" {rel}>https://example.org/report</a>' \
        in page
    text = html(site_project, "overview/index.html")
    assert '<a class="ev-external" href="https://example.org/" rel="noopener noreferrer">the publisher</a>' in text
    assert '<a href="../methods/">methods</a>' in text


# --- renamed records: old addresses keep working -----------------------------

def test_the_old_address_of_a_renamed_record_forwards_to_its_page_keeping_the_anchor(site_project):
    result = build(site_project)
    assert result.returncode == 0, result.stderr
    redirect = html(site_project, "claims/quick-change/index.html")
    assert '<meta http-equiv="refresh" content="0; url=../change-is-quick/">' in redirect
    assert '<link rel="canonical" href="../change-is-quick/">' in redirect
    # the #fragment of the old address is carried over to the new one
    assert 'location.href="../change-is-quick/"+(anchor?"#"+anchor:"")' in redirect
    assert 'id="evidence"' in html(site_project, "claims/change-is-quick/index.html")
    sitemap = html(site_project, "sitemap.xml")
    assert "claims/change-is-quick/" in sitemap and "quick-change" not in sitemap
    assert not [entry for entry in searched(site_project) if "quick-change" in json.dumps(entry)]


def test_redirects_from_mkdocs_yml_are_kept_beside_the_records_aliases(site_project):
    config = site_project.root / "mkdocs.yml"
    config.write_text(config.read_text().replace(
        "  - redirects\n", "  - redirects:\n      redirect_maps:\n        old-methods.md: methods.md\n"))
    result = build(site_project)
    assert result.returncode == 0, result.stderr
    assert "url=../methods/" in html(site_project, "old-methods/index.html")
    assert "url=../change-is-quick/" in html(site_project, "claims/quick-change/index.html")


def test_redirects_work_whatever_the_order_of_the_plugins(site_project):
    """mkdocs-redirects reads its map and the pages in its on_files: the evidence plugin's on_files runs first."""
    config = site_project.root / "mkdocs.yml"
    text = config.read_text().replace("  - redirects\n", "")
    config.write_text(text.replace("  - search\n", "  - search\n  - redirects\n"))
    assert config.read_text().index("- redirects") < config.read_text().index("- evidence")
    result = build(site_project)
    assert result.returncode == 0, result.stderr
    assert "url=../change-is-quick/" in html(site_project, "claims/quick-change/index.html")


def test_aliases_without_the_redirects_plugin_fail_the_strict_build(site_project):
    config = site_project.root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - redirects\n", ""))
    result = build(site_project)
    assert result.returncode != 0
    assert ("records have aliases (1 old addresses), but the 'redirects' plugin is not configured, so those "
            "addresses lead nowhere: add `- redirects` to `plugins:` in mkdocs.yml") in result.stderr


def test_a_redirect_in_mkdocs_yml_that_contradicts_an_alias_fails_the_strict_build(site_project):
    config = site_project.root / "mkdocs.yml"
    config.write_text(config.read_text().replace(
        "  - redirects\n", "  - redirects:\n      redirect_maps:\n        claims/quick-change.md: methods.md\n"))
    result = build(site_project)
    assert result.returncode != 0
    assert ("mkdocs.yml redirects claims/quick-change.md to methods.md, but a record lists that address among its "
            "aliases, for claims/change-is-quick.md: remove one of the two") in result.stderr


def test_a_cross_reference_by_a_former_id_fails_with_the_new_id(site_project):
    page = site_project.root / "content" / "overview.md"
    page.write_text(page.read_text() + "\nSee [how fast](claim:quick-change).\n")
    result = build(site_project)
    assert result.returncode != 0
    assert ("content/overview.md:7: claim 'quick-change' was renamed to 'change-is-quick': "
            "write [how fast](claim:change-is-quick)") in result.stderr
    assert "Traceback" not in result.stderr


def test_without_git_the_changelog_says_why_and_pages_give_no_date(site_project):
    assert build(site_project).returncode == 0
    changelog = html(site_project, "changelog/index.html")
    assert "No history is shown: the records are not in a git repository." in changelog
    assert "Last updated" not in html(site_project, "claims/boards-feel-freer/index.html")
    assert 'href="../changelog/"' in html(site_project, "methods/index.html")  # in the navigation


def test_downloads_are_built_with_the_site_and_linked_from_their_page(site_project):
    result = build(site_project)
    assert result.returncode == 0, result.stderr
    downloads = site_project.root / "site" / "downloads"
    names = ["brief.pdf", "evidence.json", "evidence.schema.json", "claims.csv", "sources.bib", "sources.ris",
             "sources.json"]
    page = html(site_project, "downloads/index.html")
    for name in names:
        assert (downloads / name).stat().st_size > 0
        assert f'href="{name}"' in page
    document = json.loads((downloads / "evidence.json").read_text(encoding="utf-8"))
    assert document["claims"][0]["page"].startswith("http://127.0.0.1:8000/claims/")
    assert "copyrighted" in page
    assert 'href="downloads/"' in html(site_project, "index.html")  # the home page links it
    assert 'href="downloads/brief.pdf"' in html(site_project, "index.html")  # and the brief
    assert (downloads / "brief.pdf").read_bytes().startswith(b"%PDF-")
    claim = html(site_project, "claims/change-is-quick/index.html")
    assert re.search(r'<details class="quote">\s*<summary>Cite this</summary>', claim)
    details = claim[claim.index('<details class="quote">'):claim.index("</details>")]
    assert "@misc{change-is-quick," in re.sub(r"<[^>]+>", "", details)  # the BibTeX, in a code block
    assert "<pre" in details and "Permalink: <a" in details
    permalink = re.search(r'Permalink: <a ([^>]*)>', details).group(1)
    assert 'href="http://127.0.0.1:8000/claims/change-is-quick/"' in permalink
    assert "ev-external" not in permalink  # a link into the site itself does not print its address


def test_lists_of_records_are_left_out_of_search_and_record_pages_are_in(site_project):
    """A claim's words find the claim's page, not every index, map and tag list that repeats them."""
    assert build(site_project).returncode == 0
    pages = {entry["location"].split("#")[0] for entry in searched(site_project)}
    assert {"claims/boards-feel-freer/", "sources/journal-report/", "themes/autonomy/", ""} <= pages
    assert not pages & {"claims/", "sources/", "themes/", "evidence-map/", "tags/"}


def test_serve_dirty_rebuilds_only_the_pages_whose_markdown_changed(site_project, monkeypatch, tmp_path):
    """Two `serve --dirty` rebuilds: after editing one claim, its page is written again, other claims' are not."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from build_tools.adapters.mkdocs.serve import DirtyServe

    monkeypatch.chdir(site_project.root)
    monkeypatch.setattr(DirtyServe, "rendered", {})
    monkeypatch.setattr(DirtyServe, "active", False)  # restored after the test; on_startup sets it
    site = tmp_path / "served"

    def rebuild() -> None:
        config = load_config("mkdocs.yml", site_dir=str(site), strict=False)
        config.plugins.on_startup(command="serve", dirty=True)
        mkdocs_build(config, dirty=True)

    rebuild()
    edited = site / "claims" / "effect-unknown" / "index.html"
    untouched = site / "claims" / "boards-feel-freer" / "index.html"
    before = {page: page.stat().st_mtime_ns for page in (edited, untouched)}
    claim = site_project.evidence / "claims" / "effect-unknown.yaml"
    claim.write_text(claim.read_text().replace("is not yet known", "is still unknown"))
    rebuild()
    assert "is still unknown" in edited.read_text(encoding="utf-8")
    assert edited.stat().st_mtime_ns != before[edited]
    assert untouched.stat().st_mtime_ns == before[untouched]


def test_with_a_search_plugin_that_is_not_materials_record_pages_are_left_out_with_a_warning(caplog):
    """Record pages are kept from the search plugin's HTML parser; only Material's index can take their text."""
    from types import SimpleNamespace

    from build_tools.adapters.mkdocs.plugin import EvidencePlugin

    plugin = EvidencePlugin()
    entries: list[dict[str, str]] = []
    material = SimpleNamespace(plugins={"material/search": SimpleNamespace(search_index=SimpleNamespace(
        entries=entries))})
    assert plugin._search_entries(material) is entries  # type: ignore[arg-type]
    other = SimpleNamespace(plugins={"search": SimpleNamespace(search_index=SimpleNamespace(_entries=[]))})
    with caplog.at_level("WARNING"):
        assert plugin._search_entries(other) is None  # type: ignore[arg-type]
        assert plugin._search_entries(other) is None  # type: ignore[arg-type]
    warnings = [r.getMessage() for r in caplog.records if "left out of its search index" in r.getMessage()]
    assert len(warnings) == 1  # once per build, not once per page
