"""Build a site, serve it on 127.0.0.1 and drive Debian's Chromium through Playwright.

Shared by the browser tests and by ``screenshots.py``. The tests build the fixture synthesis the tests write
(``tests/fixture_synthesis.py``), so that re-auditing the real evidence base never breaks them; the screenshot tool
builds the real site by default. Nothing here downloads a browser: Playwright only ever launches
``/usr/bin/chromium``, with the flags that keep Chromium from calling Google's services.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


def archive_dir() -> Path:
    """The archive of source texts: ``EVIDENCE_ARCHIVE`` (relative to the project) or ``../shared/sources``."""
    configured = os.environ.get("EVIDENCE_ARCHIVE")
    return (ROOT / configured).resolve() if configured else ROOT.parent / "shared" / "sources"


def build_site(out_dir: Path, site_url: str, project: Path = ROOT) -> None:
    """``properdocs build --strict`` of ``project``'s site (the real one unless told) into ``out_dir``; raises with
    its output on failure. The real site reads the archive of :func:`archive_dir`; the fixture has its own."""
    environment = {k: v for k, v in os.environ.items() if k not in {"REPO_URL", "EVIDENCE_ARCHIVE"}}
    environment.update({"NO_MKDOCS_2_WARNING": "1", "SITE_URL": site_url})
    if project == ROOT:
        environment["EVIDENCE_ARCHIVE"] = str(archive_dir())
    result = subprocess.run([sys.executable, "-m", "properdocs", "build", "--strict", "-f", "mkdocs.yml",
                             "-d", str(out_dir)], cwd=project,
                            capture_output=True, text=True, env=environment, check=False)
    if result.returncode != 0 or "WARNING" in result.stderr:
        raise RuntimeError(f"mkdocs build --strict failed:\n{result.stderr}")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class SiteServer:
    """A static file server on 127.0.0.1 and a free port, bound at once so the address is known before the build."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="site-server", daemon=True)

    @property
    def host(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}/"

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()


@dataclass(frozen=True)
class Site:
    url: str
    host: str
    directory: Path
    project: Path
    """The folder of the site's mkdocs.yml, evidence/ and archive/ (the real project's archive lies elsewhere)."""

    @property
    def evidence(self) -> Path:
        return self.project / "evidence"

    @property
    def archive(self) -> Path:
        return archive_dir() if self.project == ROOT else self.project / "archive"

    def pages(self) -> list[str]:
        """The path of every HTML page of the built site, relative to its root ('' for the home page)."""
        paths = []
        for page in sorted(self.directory.rglob("index.html")):
            relative = page.parent.relative_to(self.directory).as_posix()
            paths.append("" if relative == "." else f"{relative}/")
        return paths


def write_fixture(work_dir: Path) -> Path:
    """The fixture synthesis of the tests, written into ``work_dir/synthesis``; returns that folder."""
    tests = str(Path(__file__).resolve().parents[1])
    if sys.path[0] != tests:  # before tests/browser/, whose conftest.py is not the one the fixture imports
        sys.path.insert(0, tests)
    from fixture_synthesis import write_fixture_synthesis

    return write_fixture_synthesis(work_dir / "synthesis").root


@contextmanager
def served_site(work_dir: Path, *, fixture: bool = True) -> Iterator[Site]:
    """Build the fixture synthesis (or, with ``fixture=False``, the real site) into ``work_dir/site`` with
    ``site_url`` set to where it is served, and serve it."""
    directory = work_dir / "site"
    server = SiteServer(directory)
    try:
        project = write_fixture(work_dir) if fixture else ROOT
        build_site(directory, server.url, project)
        server.start()
        yield Site(server.url, server.host, directory, project)
    finally:
        server.close()


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless. Fails, never downloads, when it is not installed."""
    if not CHROMIUM.is_file():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); "
                           "the browser tests never download a browser")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


PAGE_TYPES = ("home", "overview", "methods", "themes", "claims", "sources", "studies", "recommendations",
              "questions", "evidence-map", "summary-of-findings", "tags", "downloads", "changelog", "contributing",
              "claim", "theme", "source", "study", "recommendation", "question")
"""The names of the page types, known before any site is built (tests are made for each)."""


def page_types(evidence: Path) -> dict[str, str]:
    """One page of every type, by name: path relative to the site root.

    Record pages are picked from the evidence base in ``evidence``, each the richest of
    its kind (most evidence, most claims, most quotes), so that the widest tables and
    longest lists are the ones tested.
    """
    from build_tools.engine.graph import build_graph
    from build_tools.engine.load import load_evidence

    graph = build_graph(load_evidence(evidence))

    def richest(records: dict[str, Any], size: Any) -> str:
        return min(records.values(), key=lambda r: (-size(r), r.id)).id

    claim = richest(graph.claims, lambda c: 100 * graph.is_contested(c) + len(c.evidence))
    theme = richest(graph.themes, lambda t: len(graph.claims_by_theme.get(t.id, [])))
    source = richest(graph.sources, lambda s: len(graph.quotes_by_source.get(s.id, [])))
    study = richest(graph.studies, lambda s: len(graph.reports_by_study.get(s.id, [])))
    recommendation = richest(graph.recommendations, lambda r: len(r.claims))
    question = richest(graph.questions, lambda q: len(q.claims))
    types = {
        "home": "",
        "overview": "overview/",
        "methods": "methods/",
        "themes": "themes/",
        "claims": "claims/",
        "sources": "sources/",
        "studies": "studies/",
        "recommendations": "recommendations/",
        "questions": "questions/",
        "evidence-map": "evidence-map/",
        "summary-of-findings": "summary-of-findings/",
        "tags": "tags/",
        "downloads": "downloads/",
        "changelog": "changelog/",
        "contributing": "contributing/",  # hand-written, with highlighted code blocks
        "claim": f"claims/{claim}/",
        "theme": f"themes/{theme}/",
        "source": f"sources/{source}/",
        "study": f"studies/{study}/",
        "recommendation": f"recommendations/{recommendation}/",
        "question": f"questions/{question}/",
    }
    assert tuple(types) == PAGE_TYPES
    return types
