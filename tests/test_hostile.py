"""Records from strangers: what a hostile or careless pull request cannot do.

Other protections are tested beside the code they protect: escaping in test_markup.py,
YAML tags, duplicate keys, size, encodings and ids in test_load.py, archive paths in
test_validate.py, fuzzing in test_fuzz.py, atomic builds in test_build.py and test_staging.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest
from support import Project, build, html, rendered_pages, run_cli

from build_tools.engine.load import load_evidence
from build_tools.engine.validate import run
from build_tools.site.external_links import add_rel


def _findings(project: Project):
    return run(project.evidence, project.archive).findings


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JavaScript:alert(document.cookie)", " javascript:alert(1)",
    "data:text/html,<script>x</script>", "vbscript:msgbox(1)", "file:///etc/passwd",
    "https://example.org/\"><script>", "//evil.example/x",
])
def test_only_http_and_https_addresses_are_accepted(valid_project, url):
    path = valid_project.evidence / "sources" / "journal-report.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"url: '{url}'\n", encoding="utf-8")
    [finding] = [f for f in _findings(valid_project) if f.code == "bad-value"]
    last_line = len(path.read_text(encoding="utf-8").splitlines())  # where the url was written
    assert finding.file.endswith("journal-report.yaml") and finding.line == last_line
    assert "an http:// or https:// address" in finding.hint


def test_alias_bomb_is_rejected_at_once(project):
    """"Billion laughs": nine levels of ten aliases would expand to 10⁹ strings; it is refused unexpanded."""
    lines = ["id: bomb", 'a0: &a0 "lol"']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    lines += ["title: *a9", "summary: boom"]
    project.write("theme", "bomb", "\n".join(lines) + "\n")
    started = time.perf_counter()
    base = load_evidence(project.evidence)
    elapsed = time.perf_counter() - started
    assert {f.code for f in base.findings} >= {"yaml-alias"}
    assert base.records["theme"] == {}
    assert elapsed < 1.0, f"took {elapsed:.2f} s: aliases are being expanded"


def test_absolute_archive_path_is_rejected(valid_project):
    path = valid_project.evidence / "sources" / "second-report.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("file: other.txt", "file: /etc/passwd"),
                    encoding="utf-8")
    [finding] = [f for f in _findings(valid_project) if f.code == "bad-value"]
    assert finding.line == 8 and "no folders" in finding.hint


# --- external links ------------------------------------------------------------

def test_every_external_link_in_the_built_site_has_noopener_noreferrer(site_project):
    """Record links, hand-written links, raw HTML and the theme's own links (repository, generator, 404 page)."""
    source = site_project.evidence / "sources" / "journal-report.yaml"
    source.write_text(source.read_text(encoding="utf-8") + "url: https://example.org/report\n", encoding="utf-8")
    overview = site_project.root / "content" / "overview.md"
    overview.write_text(overview.read_text(encoding="utf-8") + "\n[Out](https://example.org/a) and "
                        '<a href="http://example.org/b" rel="external">raw</a> and [in](methods.md)\n',
                        encoding="utf-8")
    result = build(site_project, {"REPO_URL": "https://github.com/example/synthesis"})
    assert result.returncode == 0, result.stderr
    external = internal = 0
    for page in (site_project.root / "site").rglob("*.html"):
        for tag in re.findall(r"<a\s[^>]*>", page.read_text(encoding="utf-8")):
            href = re.search(r'href="([^"]*)"', tag)
            if not href:
                continue
            if re.match(r"(https?:)?//", href.group(1)):
                external += 1
                rel = re.search(r'rel="([^"]*)"', tag)
                assert rel and {"noopener", "noreferrer"} <= set(rel.group(1).split()), (page, tag)
            else:
                internal += 1
                assert "noreferrer" not in tag, (page, tag)
    assert external > 10 and internal > 10
    overview_html = html(site_project, "overview/index.html")
    assert 'rel="external noopener noreferrer"' in overview_html
    assert re.search(r'<a [^>]*href="https://example.org/report" rel="noopener noreferrer">',
                     html(site_project, "sources/journal-report/index.html"))


def test_add_rel_leaves_everything_else_byte_for_byte():
    page = ('<html>\n<body>\n<p title="a &gt; b">x</p><a href="../x/">in</a>\n'
            '  <a class="k" href="https://e.org/?a=1&amp;b=2">out</a><a href="mailto:x@e.org"/></body></html>')
    assert add_rel(page) == page.replace('">out', '" rel="noopener noreferrer">out').replace(
        'x@e.org"/>', 'x@e.org" rel="noopener noreferrer"/>')


def test_add_rel_skips_scripts_and_comments_and_reads_any_attribute_syntax():
    page = ('<script>var s = "<a href=\'https://x.org\'>";</script><!-- <a href="https://y.org"> -->'
            '<A HREF=https://z.org REL="external">z</A><a title="x>y" href="//w.org">w</a><abbr title="https://q">')
    assert add_rel(page) == page.replace('REL="external"', 'rel="external noopener noreferrer"').replace(
        'href="//w.org"', 'href="//w.org" rel="noopener noreferrer"')


def test_generated_pages_already_carry_rel_so_add_rel_can_skip_them(tmp_path):
    """The plugin runs add_rel on the theme around a generated page, not on the page's own HTML."""
    pages = rendered_pages(tmp_path)
    bodies = {uri: text for uri, text in pages.items() if uri.endswith(".html")}
    assert sum(text.count('rel="noopener noreferrer"') for text in bodies.values()) > 10  # DOIs, addresses, passages
    for uri, text in bodies.items():
        assert add_rel(text) == text, uri


def test_add_rel_leaves_the_part_it_is_told_is_done_unread():
    done = '<a href="https://in.org">kept as it is</a>'
    page = f'<a href="https://before.org">b</a>{done}<a href="https://after.org">a</a>'
    assert add_rel(page, done=done) == (f'<a href="https://before.org" rel="noopener noreferrer">b</a>{done}'
                                        '<a href="https://after.org" rel="noopener noreferrer">a</a>')
    assert add_rel(page, done="not in the page") == add_rel(page)


# --- nothing lost ------------------------------------------------------------------

def test_no_command_rewrites_a_record(valid_project):
    """validate (any mode), schema --check and links read records; only `new` writes, and never over a file."""
    before = {p: p.read_bytes() for p in valid_project.evidence.rglob("*.yaml")}
    commands = [(["validate", "--archive", "archive"], 0, "0 errors, 0 warnings"),
                (["validate", "--strict", "--format", "json"], 1, '"code": "quotes-unverified"'),  # no archive
                (["validate", "evidence/claims/effect-unknown.yaml"], 0, "checked 1 changed file(s)"),
                (["new", "claim", "effect-unknown"], 2, "already exists; nothing was written")]
    for command, code, said in commands:
        result = run_cli(*command, cwd=valid_project.root)
        assert result.returncode == code and said in result.stdout + result.stderr, (command, result.stderr)
    assert {p: p.read_bytes() for p in valid_project.evidence.rglob("*.yaml")} == before


# --- structured data and downloads ---------------------------------------------------

BREAKOUT = '</script><script>window.__pwned = 1</script><!-- & "quotes" \u2028 {{ 7 * 7 }}'


def test_record_text_cannot_break_out_of_json_ld_or_cite_this(site_project):
    """JSON-LD is written into a <script>: `</script>` in a field must not end it early."""
    source = site_project.evidence / "sources" / "journal-report.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "title: Boards less constrained by the centre", f"title: {json.dumps('Boards ' + BREAKOUT)}")
        + "url: https://example.org/report\n", encoding="utf-8")
    claim = site_project.evidence / "claims" / "boards-feel-freer.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace(
        "statement: Board members see their boards as freer from central control than earlier bodies.",
        f"statement: {json.dumps('Statement ' + BREAKOUT)}").replace(
        "key_message: Board members probably see their boards as freer from central control.",
        f"key_message: {json.dumps('Claim probably ' + BREAKOUT)}"), encoding="utf-8")
    result = build(site_project)
    assert result.returncode == 0, result.stderr
    expected = {"sources/journal-report/index.html": ("NewsArticle", "Boards "),
                "claims/boards-feel-freer/index.html": ("Claim", "Claim probably "), "index.html": ("Dataset", None)}
    for page, (kind, prefix) in expected.items():
        text = html(site_project, page)
        scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
        assert len(scripts) == 1, page
        assert "<" not in scripts[0] and ">" not in scripts[0] and "&" not in scripts[0]
        data = json.loads(scripts[0])
        assert data["@context"] == "https://schema.org" and data["@type"] == kind
        if prefix:
            assert data["name"] == prefix + BREAKOUT  # the text survives, exactly
        if kind == "Claim":
            assert data["text"] == "Statement " + BREAKOUT
        assert "<script>window.__pwned" not in text  # nowhere in the page as markup
    cite = html(site_project, "claims/boards-feel-freer/index.html")
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in cite
    bib = (site_project.root / "site" / "downloads" / "sources.bib").read_text(encoding="utf-8")
    assert "Boards </script><script>window.\\_\\_pwned = 1</script><!-{}- \\& \"quotes\"" in bib


def _command_lines(output: str) -> list[str]:
    """Lines a CI runner (GitHub Actions) would run as workflow commands."""
    return [line for line in output.splitlines() if line.lstrip().startswith("::")]


def test_record_text_never_prints_a_ci_command_or_a_control_character(valid_project):
    """A value with a new line and `::error …`, `::add-mask::` or `::stop-commands::`, or an escape sequence in a
    key, is shown as text in every format: the only commands printed are the annotations themselves."""
    claim = valid_project.evidence / "claims" / "effect-unknown.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace(
        "certainty: low", 'certainty: "low\\n::error file=README.md::forged\\n::add-mask::x\\n::stop-commands::t"')
        + "\"\\e[31mred\\e]8;;http://x\\a\": 1\n", encoding="utf-8")
    command = [sys.executable, "-m", "build_tools", "validate", "--archive", "archive"]
    for output_format in ("text", "github", "json"):
        result = subprocess.run([*command, "--format", output_format], cwd=valid_project.root, capture_output=True,
                                text=True, check=False)
        assert result.returncode == 1, result.stderr
        printed = result.stdout + result.stderr
        assert "\x1b" not in printed and "\x07" not in printed, output_format
        commands = _command_lines(printed)
        if output_format == "github":
            # Each annotation is one line: what follows its second "::" is its message, text to the runner.
            assert commands and all(line.startswith(("::error file=evidence/", "::warning file=evidence/"))
                                    for line in commands), commands
        else:
            assert commands == [], output_format
        assert "forged" in printed, "the text is still shown"
