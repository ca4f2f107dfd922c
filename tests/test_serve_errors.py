"""`serve` with a broken record: every request gets the page of findings, and the site comes back once it is fixed."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import Project, free_port, site_environment, write_site_base

from build_tools.adapters.mkdocs.serve import error_page
from build_tools.engine.findings import error, warning

CLAIM = "claims/boards-feel-freer/"
BROKEN = 'themes: ["<b>autonom</b>"]'
TIMEOUT = 120  # seconds; a passing test waits only as long as a build takes


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as failed:
        return failed.code, failed.read().decode("utf-8")


def _wait_for(url: str, ready: Callable[[int, str], bool], log: Path) -> tuple[int, str]:
    """Fetch ``url`` until ``ready``, for at most TIMEOUT seconds (a server that holds requests counts as not ready)."""
    deadline = time.monotonic() + TIMEOUT
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = _get(url)
            if ready(*last):
                return last
        except OSError as exc:  # not listening yet, or the request was held past its timeout
            last = exc
        time.sleep(0.1)
    raise AssertionError(f"{url} not ready in {TIMEOUT} s; last answer: {last!r}\nserver log:\n{log.read_text()}")


def _epoch(page: str) -> int:
    """The build a page was served from, as MkDocs' live-reload script names it."""
    found = re.search(r"livereload\((\d+), \d+\)", page)
    assert found, "the page has no live-reload script"
    return int(found.group(1))


@pytest.fixture(params=["properdocs", "mkdocs"])
def served(request: pytest.FixtureRequest, project: Project) -> Iterator[tuple[str, Project, Path]]:
    write_site_base(project)
    port = free_port()
    log = project.root / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen([sys.executable, "-m", request.param, "serve", "--livereload", "-f", "mkdocs.yml",
                                   "-a", f"127.0.0.1:{port}"], cwd=project.root, env=site_environment(),
                                  stdout=output, stderr=subprocess.STDOUT)
        try:
            yield f"http://127.0.0.1:{port}/", project, log
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.mark.slow
def test_a_broken_record_is_shown_on_every_page_until_it_is_fixed(served):
    url, project, log = served
    _, good = _wait_for(url + CLAIM, lambda status, page: status == 200 and "<h1" in page, log)
    claim = project.evidence / "claims" / "boards-feel-freer.yaml"
    original = claim.read_text(encoding="utf-8")
    claim.write_text(original.replace("themes: [autonomy]", BROKEN), encoding="utf-8")

    status, broken = _wait_for(url + CLAIM, lambda status, page: "bad-value" in page, log)
    assert status == 500
    assert "evidence/claims/boards-feel-freer.yaml:3:10" in broken
    assert "&#x27;&lt;b&gt;autonom&lt;/b&gt;&#x27; is not valid" in broken and "<b>autonom" not in broken
    assert "ids are lowercase letters, digits and single hyphens" in broken  # what to do
    assert "no claim cites source &#x27;second-report&#x27;" in broken  # warnings too, as `validate` prints them
    assert _epoch(broken) > _epoch(good), "browsers showing the site reload to the findings"
    for other in ("", "themes/autonomy/", "no/such/page/", "assets/stylesheets/missing.css"):
        assert "boards-feel-freer.yaml:3:10" in _get(url + other)[1], other

    claim.write_text(original, encoding="utf-8")
    status, fixed = _wait_for(url + CLAIM, lambda status, page: "bad-value" not in page, log)
    assert status == 200 and "Board members probably see their boards as freer" in fixed
    assert _epoch(fixed) > _epoch(broken), "the page of findings reloads to the site"
    assert _get(url + "no/such/page/")[0] == 404
    assert "Traceback" not in log.read_text(encoding="utf-8")


def test_the_page_of_findings_escapes_every_word_and_says_what_to_do():
    findings = [error("bad-value", "'<script>alert(1)</script>' is not valid", "evidence/claims/<i>.yaml", 3, 10,
                      hint="use <b>one</b> of:\n  a & b"),
                warning("source-not-cited", "no claim cites source 'x'")]
    page = error_page(findings)
    assert "<script>alert" not in page and "<i>" not in page and "<b>one" not in page
    assert "&#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27; is not valid" in page
    assert "<code>evidence/claims/&lt;i&gt;.yaml:3:10</code>" in page
    assert "use &lt;b&gt;one&lt;/b&gt; of:\n  a &amp; b" in page
    assert "<title>The evidence records have 1 error</title>" in page
    assert "no claim cites source &#x27;x&#x27;" in page
