"""What record text and links become in the HTML: text escaped for Markdown and HTML (never template source),
links between generated pages relative as MkDocs makes them, links that leave the site marked."""

from __future__ import annotations

import json
import re

import pytest
from support import Project, build, html, write_site_base

from build_tools.engine.graph import build_graph
from build_tools.engine.load import load_evidence
from build_tools.site.render import escape_inline, render_pages


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


def test_code_spans_are_html_escaped_but_not_markdown_escaped():
    """Markdown escapes are not processed inside code, so a file name must not gain backslashes."""
    from build_tools.site.render import code

    assert code("000_c5fd40d31a6c6381.txt") == "<code>000_c5fd40d31a6c6381.txt</code>"
    assert code("<b>") == "<code>&lt;b&gt;</code>"


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
