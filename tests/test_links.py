"""The link check of the built site: internal links and anchors offline, external links with a cache."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import Project, build, write_site_base

from build_tools.tooling.links import LinkReport, check_site

pytestmark = pytest.mark.slow  # `check --fast` leaves these out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fixture site, built strict once; tests copy it before changing anything."""
    project = Project(tmp_path_factory.mktemp("links"))
    write_site_base(project)
    result = build(project)
    assert result.returncode == 0, result.stderr
    return project.root / "site"


@pytest.fixture(scope="module")
def built_report(built: Path) -> LinkReport:
    """The check of the fixture site as built: one LinkChecker run (seconds, whatever the site's size) for the tests
    that check the site unchanged."""
    return check_site(built)


@pytest.fixture
def site(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(built, copy)
    return copy


TINY_PAGES = {
    "index.html": '<h1 id="home">Home</h1><a href="claims/boards-feel-freer/#evidence">a claim</a>',
    "claims/boards-feel-freer/index.html":
        '<h1 id="evidence">A claim</h1><a href="../../sources/journal-report/#quotes">its source</a> '
        '<a href="../../">home</a>',
    "sources/journal-report/index.html":
        '<h1 id="quotes">A source</h1><a href="../../claims/boards-feel-freer/">the claim</a> '
        '<a href="../../#home">home</a>',
}


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """Three pages linked to each other and to their anchors, for what the link check does with any site. LinkChecker
    takes seconds to start and stop whatever the site; crawling the fixture site's dozens of pages adds more. Its
    links all resolve: the tests' exact lists of broken links, and the one that checks it unchanged, say so."""
    site = tmp_path / "tiny"
    for name, body in TINY_PAGES.items():
        page = site / name
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{name}</title></head>'
                        f"<body><article>{body}</article></body></html>\n", encoding="utf-8")
    return site


def _inject(page: Path, html: str) -> None:
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</article>", html + "</article>", 1), encoding="utf-8")


def test_a_built_site_passes_and_every_page_is_checked(built, built_report):
    """The fixture site's links all resolve, and every HTML file (not only those linked) is a starting point."""
    assert built_report.ok, [str(b) for b in built_report.broken]
    assert built_report.checked == len(list(built.rglob("*.html")))


def test_broken_link_and_anchors_written_by_a_template_fail_with_page_and_line(tiny):
    """What a template or override writes into the HTML, which MkDocs never validates, is checked."""
    site = tiny
    _inject(site / "claims" / "boards-feel-freer" / "index.html",
            '<a href="../no-such-claim/">a</a> <a href="../../sources/journal-report/#no-such-anchor">b</a> '
            '<a href="#not-on-this-page">c</a>')
    report = check_site(site)
    broken = {(b.page, b.url): b for b in report.broken}
    page = "claims/boards-feel-freer/index.html"
    assert set(broken) == {(page, "../no-such-claim/"), (page, "../../sources/journal-report/#no-such-anchor"),
                           (page, "#not-on-this-page")}
    assert "404" in broken[(page, "../no-such-claim/")].reason
    assert "no-such-anchor" in broken[(page, "../../sources/journal-report/#no-such-anchor")].reason
    assert all(b.line > 0 for b in report.broken)


@pytest.fixture(scope="module")
def below_a_path(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LinkReport]:
    """The fixture site published below a path (site_url https://example.org/synthesis/, as on GitHub Pages), with a
    theme override whose footer links to a page that does not exist: built strict and checked once."""
    project = Project(tmp_path_factory.mktemp("below-a-path"))
    write_site_base(project)
    overrides = project.root / "overrides"
    overrides.mkdir()
    (overrides / "main.html").write_text(
        '{% extends "base.html" %}\n{% block footer %}<a href="{{ base_url }}/about-us/">About</a>'
        '{{ super() }}{% endblock %}\n', encoding="utf-8")
    config = project.root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "site_url: http://127.0.0.1:8000/", "site_url: https://example.org/synthesis/").replace(
        "  font: false\n", "  font: false\n  custom_dir: overrides\n"))
    result = build(project)
    assert result.returncode == 0, result.stderr  # MkDocs itself sees nothing wrong
    return project.root / "site", check_site(project.root / "site")


def test_broken_link_in_a_theme_override_fails_the_check(below_a_path):
    """A link written by theme_overrides/main.html appears on every page; the check names the pages."""
    site, report = below_a_path
    assert not report.ok
    [broken] = report.broken  # one target, reported once, on a page that links to it
    assert broken.url.endswith("about-us/") and "404" in broken.reason
    assert 'about-us/">About</a>' in (site / broken.page).read_text(encoding="utf-8")


def test_the_site_is_served_under_the_path_of_its_site_url(below_a_path):
    """Absolute links of a site published below a path (GitHub Pages: /repo/) resolve, as they will online."""
    site, report = below_a_path
    assert 'href="/synthesis/assets/' in (site / "404.html").read_text(encoding="utf-8")
    # nothing broken but the override's link (the test above)
    assert [str(b) for b in report.broken if not b.url.endswith("/about-us/")] == []


# --- external links ---------------------------------------------------------

class _Recorder(http.server.SimpleHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        if self.path.startswith("/alive"):
            body = b"<html><body>alive</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def outside() -> Iterator[tuple[str, list[str]]]:
    """Another web site, on another host name than the one the site is served on."""
    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


def test_external_links_are_not_fetched_by_default(tiny, outside):
    site, (base, requests) = tiny, outside
    _inject(site / "index.html", f'<a href="{base}/dead">dead</a>')
    assert check_site(site).ok
    assert requests == []


def test_dead_external_link_is_reported_with_its_page_and_alive_ones_are_cached(tiny, outside, tmp_path):
    site, (base, requests) = tiny, outside
    _inject(site / "index.html", f'<a href="{base}/alive">alive</a> <a href="{base}/dead">dead</a>')
    _inject(site / "sources" / "journal-report" / "index.html", f'<a href="{base}/dead">dead</a>')
    cache = tmp_path / "cache" / "links.json"

    offline = ["^https://"]  # the theme's own links to the web: this machine may have no network
    report = check_site(site, external=True, cache=cache, ignore=offline)
    assert {(b.url, b.external) for b in report.broken} == {(f"{base}/dead", True)}
    assert {b.page for b in report.broken} <= {"index.html", "sources/journal-report/index.html"}
    assert all("404" in b.reason and b.line > 0 for b in report.broken)
    assert any(path.startswith("/alive") for path in requests)
    assert list(json.loads(cache.read_text())["alive"]) == [f"{base}/alive"]

    requests.clear()
    again = check_site(site, external=True, cache=cache, ignore=offline)
    assert not any(path.startswith("/alive") for path in requests), "a cached live link was fetched again"
    assert any(path.startswith("/dead") for path in requests), "a dead link must be checked every time"
    assert again.external_cached == 1 and {b.url for b in again.broken} == {f"{base}/dead"}


def test_links_command_exit_codes_and_output(tiny):
    site = tiny
    command = [sys.executable, "-m", "build_tools", "links", "--site", str(site)]
    ok = subprocess.run(command, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "all links in" in ok.stdout
    _inject(site / "index.html", '<a href="nowhere/">x</a>')
    broken = subprocess.run(command, capture_output=True, text=True, check=False)
    assert broken.returncode == 1
    assert "index.html:" in broken.stderr and "broken link nowhere/: 404" in broken.stderr
    assert "Traceback" not in broken.stderr
    missing = subprocess.run([*command[:-1], str(site / "missing")], capture_output=True, text=True, check=False)
    assert missing.returncode == 2 and "build the site first" in missing.stderr


def test_the_check_fails_loudly_when_anchors_go_unchecked(tiny, monkeypatch):
    """A planted broken anchor proves anchors were checked; without AnchorCheck the check errors, never passes."""
    from build_tools.tooling import links

    original = links._config
    monkeypatch.setattr(links, "_config", lambda *args: original(*args).replace("[AnchorCheck]", ""))
    with pytest.raises(links.LinkCheckError, match="anchors were not checked"):
        check_site(tiny)


def test_redirect_pages_of_renamed_records_are_checked_too(site, built_report):
    """The old address of a renamed claim is a page of its own; if its target went missing, the check says so."""
    assert built_report.ok  # the site as built, which `site` copies
    shutil.rmtree(site / "claims" / "change-is-quick")
    # LinkChecker reports a broken address once, from whichever of its pages its threads reach first; with the
    # redirect page the only page left that links to the missing one (beside 404.html), the report must come from it.
    for page in site.rglob("*.html"):
        if page.relative_to(site).as_posix() not in {"claims/quick-change/index.html", "404.html"}:
            page.unlink()
    broken = check_site(site).broken
    assert any(b.page == "claims/quick-change/index.html" and b.url == "../change-is-quick/" for b in broken), broken


def test_the_link_checkers_server_is_quiet_when_the_crawler_hangs_up(capsys):
    """A crawler that stops reading a page is no fault of the site: no traceback in CI's log. Other errors show."""
    import http.server

    from build_tools.tooling.links import _Server

    server = _Server(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    try:
        for error in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset"), ValueError("a bug")):
            try:
                raise error
            except Exception:
                server.handle_error(None, ("127.0.0.1", 1))
    finally:
        server.server_close()
    printed = capsys.readouterr().err
    assert "ValueError: a bug" in printed and "BrokenPipeError" not in printed and "ConnectionReset" not in printed
