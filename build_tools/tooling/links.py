"""Link check of the built site, with LinkChecker.

The site is served on a local port and LinkChecker crawls every HTML page of it:
every internal link and every ``#fragment`` (its AnchorCheck plugin), including
links that templates and theme overrides write, which MkDocs never sees. That
needs no network. ``external=True`` also fetches every outside link; a cache of
links found alive spares the same URLs from being fetched on every run.
"""

from __future__ import annotations

import csv
import functools
import http.server
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

CACHE_MAX_AGE = timedelta(days=7)
# A page only our server serves, with one broken anchor: if LinkChecker does not report it,
# anchors were not checked, and the check fails instead of passing silently.
CANARY = "__linkcheck-canary__/"
_CANARY_HTML = b'<!doctype html><title>canary</title><a href="#no-such-anchor">x</a>'
# LinkChecker's command line, except that it keeps running as the user who started it: as root (CI
# containers) it would switch to "nobody", who may not read a private checkout, and then skip
# anchor checks without a word.
_RUN_LINKCHECKER = ("import sys; from linkcheck.command import linkchecker as cli; "
                    "cli.drop_privileges = lambda: None; sys.argv[0] = 'linkchecker'; sys.exit(cli.linkchecker())")
_FILTERED = "filtered"  # LinkChecker's result for a URL it was told not to fetch


@dataclass(frozen=True)
class BrokenLink:
    """A link on ``page`` (a file of the built site) that leads nowhere.

    LinkChecker checks each target once, so a broken target linked from many pages
    (a link in a theme override, say) is reported on the first page it was found on.
    """

    page: str
    line: int
    column: int
    url: str
    reason: str
    external: bool = False

    def __str__(self) -> str:
        return f"{self.page}:{self.line}:{self.column}: broken link {self.url}: {self.reason}"


@dataclass
class LinkReport:
    broken: list[BrokenLink] = field(default_factory=list)
    checked: int = 0
    external_checked: int = 0
    external_cached: int = 0

    @property
    def ok(self) -> bool:
        return not self.broken


class LinkCheckError(Exception):
    """The check itself could not run (not a broken link): a missing site, or LinkChecker failing."""


def check_site(site_dir: Path, *, external: bool = False, cache: Path | None = None,
               max_age: timedelta = CACHE_MAX_AGE, ignore: Sequence[str] = ()) -> LinkReport:
    """Check every link of the built site in ``site_dir``; external links only when asked.

    ``ignore``: regular expressions of URLs never to fetch.
    """
    if importlib.util.find_spec("linkcheck") is None:
        raise LinkCheckError("LinkChecker is not installed: run `pip install -e '.[test]'`")
    site_dir = Path(site_dir)
    pages = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html"))
    if not pages:
        raise LinkCheckError(f"no HTML pages in {site_dir}: build the site first")
    now = datetime.now(UTC)
    fresh = _fresh_cache_entries(cache, now, max_age) if external and cache else {}
    site_url = _site_url(site_dir)
    with _serve(site_dir, urlsplit(site_url).path if site_url else "/") as base_url, \
            tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "linkcheckerrc"
        config.write_text(_config(external, fresh, site_url, ignore), encoding="utf-8")
        urls = "\n".join([base_url + CANARY, *(base_url + _url_path(page) for page in pages)])
        command = [sys.executable, "-c", _RUN_LINKCHECKER, "--config", str(config), "--no-status", "--output", "csv",
                   "--stdin"]
        if external:
            command += ["--check-extern", "--verbose"]  # verbose: links found alive too, for the cache
        result = subprocess.run(command, input=urls, capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):
        raise LinkCheckError(f"LinkChecker failed (exit {result.returncode}):\n{result.stderr.strip()}")
    report = LinkReport(checked=len(pages), external_cached=len(fresh))
    alive: dict[str, str] = {}
    canary_seen = False
    for row in _rows(result.stdout):
        url = row["url"]
        if row["parentname"] == base_url + CANARY:
            canary_seen = canary_seen or "no-such-anchor" in row["warningstring"]
            continue
        is_external = not url.startswith(base_url)
        if is_external and row["result"] != _FILTERED:
            report.external_checked += 1
        problem = _problem(row, is_external)
        if problem:
            report.broken.append(BrokenLink(_page(row["parentname"], base_url), int(row["line"] or 0),
                                            int(row["column"] or 0), row["urlname"], problem, is_external))
        elif is_external and row["valid"] == "True" and row["result"] != _FILTERED and url.startswith("http"):
            alive[url] = row["result"]
    if not canary_seen:
        raise LinkCheckError("LinkChecker did not report a broken #anchor planted to test it: anchors were not "
                             f"checked. Its messages:\n{result.stderr.strip()}")
    if external and cache:
        _write_cache(cache, fresh, alive, now)
    report.broken.sort(key=lambda b: (b.page, b.line, b.column, b.url))
    return report


def format_report(report: LinkReport) -> str:
    lines = [str(b) for b in report.broken]
    summary = f"{len(report.broken)} broken link(s) in {report.checked} pages" if report.broken \
        else f"all links in {report.checked} pages resolve"
    if report.external_checked or report.external_cached:
        summary += (f" ({report.external_checked} external links fetched, "
                    f"{report.external_cached} alive in the cache and skipped)")
    return "\n".join([*lines, summary])


# --- serving ----------------------------------------------------------------

def _site_url(site_dir: Path) -> str | None:
    """The address the site was built for (``site_url``), as its sitemap records it."""
    try:
        root = ElementTree.parse(site_dir / "sitemap.xml").getroot()
    except (OSError, ElementTree.ParseError):
        return None
    locations = [(element.text or "").strip() for element in root.iter() if element.tag.endswith("loc")]
    return min((loc for loc in locations if loc), key=len, default=None)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under the path of its ``site_url``, as it will be published, so absolute links resolve."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / ".not-in-site")  # outside the site: 404
        return super().translate_path("/" + path[len(self.prefix):])

    def do_GET(self) -> None:
        if self.path == self.prefix + CANARY:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(_CANARY_HTML)))
            self.end_headers()
            self.wfile.write(_CANARY_HTML)
            return
        super().do_GET()

    def end_headers(self) -> None:
        # Tells LinkChecker this server welcomes a fast crawl (it limits unknown hosts to a few requests a second).
        self.send_header("LinkChecker", "local")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the crawler hung up before the whole page was sent: nothing wrong with the site
        super().handle_error(request, client_address)


@contextmanager
def _serve(site_dir: Path, prefix: str) -> Iterator[str]:
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    handler = functools.partial(type("Handler", (_Handler,), {"prefix": prefix}), directory=str(site_dir))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


def _url_path(page: str) -> str:
    return page[: -len("index.html")] if page == "index.html" or page.endswith("/index.html") else page


def _page(parent_url: str, base_url: str) -> str:
    path = unquote(parent_url[len(base_url):]) if parent_url.startswith(base_url) else parent_url
    return path + "index.html" if path == "" or path.endswith("/") else path


# --- LinkChecker configuration and output -----------------------------------

def _config(external: bool, fresh: dict[str, dict[str, str]], site_url: str | None, ignore: Sequence[str]) -> str:
    # Fast only for hosts that answer with a "LinkChecker" header (our local server);
    # LinkChecker keeps every other host at its polite default of a few requests a second.
    lines = ["[checking]", "threads=10", "timeout=30", "maxrequestspersecond=1000"]
    lines += ["", "[filtering]", "checkextern=" + ("1" if external else "0")]
    # Not fetched: links alive in the cache, and the published copy of this site (canonical links),
    # whose pages are the ones checked here.
    ignored = [*ignore, *(f"^{re.escape(url)}$" for url in sorted(fresh))]
    if site_url:
        ignored.append(f"^{re.escape(site_url)}")
    if ignored:
        lines.append("ignore=")
        lines += [f"  {pattern}" for pattern in ignored]
    lines += ["", "[AnchorCheck]", ""]
    return "\n".join(lines)


def _rows(output: str) -> Iterator[dict[str, str]]:
    # LinkChecker's comments start with "# "; a row can start with "#" (a link to an anchor on its own page).
    lines = [line for line in output.splitlines() if line and not line.startswith("# ")]
    yield from csv.DictReader(lines, delimiter=";")


def _problem(row: dict[str, str], is_external: bool) -> str:
    if row["valid"] == "False":
        return row["result"] or "invalid"
    if row["warningstring"] and not is_external:
        # Anchors: LinkChecker lists every anchor the page has; the first sentence is what matters.
        return row["warningstring"].split(" Available anchors:")[0]
    return ""


# --- cache of external links found alive ------------------------------------

def _fresh_cache_entries(cache: Path, now: datetime, max_age: timedelta) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        entries = data["alive"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    fresh = {}
    for url, entry in entries.items():
        try:
            checked = datetime.fromisoformat(entry["checked"])
        except (KeyError, TypeError, ValueError):
            continue
        if now - checked < max_age:
            fresh[url] = entry
    return fresh


def _write_cache(cache: Path, fresh: dict[str, dict[str, str]], alive: dict[str, str], now: datetime) -> None:
    entries = dict(fresh)
    entries.update({url: {"checked": now.isoformat(timespec="seconds"), "result": result}
                    for url, result in alive.items()})
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"alive": dict(sorted(entries.items()))}, indent=1) + "\n", encoding="utf-8")
