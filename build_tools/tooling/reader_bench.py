"""``python -m build_tools bench --reader``: what a reader's browser gets, our site beside plain MkDocs + Material.

For each built site (ours in ``site/``, the baseline in ``plain-site/``) it reads the size of every HTML
file, then serves the site from 127.0.0.1 (``http.server`` in a thread, no gzip) and opens in Debian's
Chromium, each in a fresh browser context (an empty cache: every figure is cold), a sample of pages: the
home page, the largest pages by bytes, and the index and the largest page under each top-level folder. Of
each it counts the DOM nodes after the ``load`` event (``document.getElementsByTagName('*').length``) and
the load time (the navigation entry's ``loadEventEnd``). Then it opens the home page with ``?q=<word>``, a
word of a claim's title, and times the first search result (``.md-search-result__item``) and counts the
bytes the server sent until then. Our site's figures are judged against :data:`TARGETS`; the baseline's are
shown for comparison.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 # Nothing but the local server answers: a stray external address fails at once, never waits.
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
VIEWPORT = {"width": 1280, "height": 800}

TARGETS = {
    "page_bytes": 500_000,      # every HTML page, bytes (KB = 1,000 bytes)
    "dom_nodes": 20_000,        # every page opened, elements after the load event
    "load": 2.0,                # seconds, every page opened, to the end of its load event
    "search": 1.5,              # seconds from opening the home page with ?q= to the first result
    "search_bytes": 2_000_000,  # bytes sent by the server in that time
}

LARGEST = 5
"""How many of the largest pages by bytes are opened, besides the home page and one or two per folder."""

PAGE_TIMEOUT = 120.0
SEARCH_TIMEOUT = 120.0
"""Seconds: a page that has not loaded, or a search that has shown nothing, by then is reported as such."""

SITES = (("ours", "site"), ("plain", "plain-site"))
"""Each site's name in the report and its folder inside a size's project folder."""


@dataclass
class Page:
    path: str  # relative to the site's root: '' is the home page, 'claims/' is claims/index.html
    bytes: int
    nodes: int | None = None
    load_ms: float | None = None  # None: not loaded within PAGE_TIMEOUT (see error)
    error: str = ""


@dataclass
class Search:
    word: str
    seconds: float | None  # None: no result within SEARCH_TIMEOUT
    fetched: int           # bytes sent by the server (all responses, headers included) until the first result
    waited: float = SEARCH_TIMEOUT  # seconds waited for a result
    for_search: int = 0    # of those, the bytes of search's own files (SEARCH_PATHS): its index and worker


@dataclass
class SiteFigures:
    name: str
    scanned: list[Page]         # every HTML file, largest first
    opened: list[Page] = field(default_factory=list)
    search: Search | None = None

    @property
    def largest(self) -> Page:
        return self.scanned[0]

    def over(self, limit: float) -> int:
        """How many HTML files are larger than ``limit`` bytes."""
        return sum(1 for page in self.scanned if page.bytes > limit)

    @property
    def most_nodes(self) -> Page | None:
        counted = [page for page in self.opened if page.nodes is not None]
        return max(counted, key=lambda page: page.nodes or 0) if counted else None

    @property
    def slowest(self) -> Page | None:
        """The slowest page to load; one that did not load at all is slower than any that did."""
        if not self.opened:
            return None
        return max(self.opened, key=lambda page: float("inf") if page.load_ms is None else page.load_ms)


@dataclass
class SizeFigures:
    claims: int
    sites: list[SiteFigures]


def browser_missing() -> str | None:
    """Why the reader's figures cannot be taken here (one line), or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return ("bench --reader needs Playwright, which only the test extra installs: "
                ".venv/bin/pip install -e '.[test]'")
    if not CHROMIUM.is_file():
        return f"bench --reader needs Debian's Chromium at {CHROMIUM} (apt-get install -y chromium); it never " \
               "downloads a browser"
    return None


def sites_missing(folder: Path) -> str | None:
    """Which built site of a size's project folder is missing (for ``--no-build``), or None."""
    for _name, site in SITES:
        if not (folder / site / "index.html").is_file():
            return f"{folder / site} is not built: run bench --reader without --no-build first"
    return None


def page_path(site: Path, html: Path) -> str:
    relative = html.relative_to(site).as_posix()
    if relative == "index.html":
        return ""
    return relative.removesuffix("index.html") if relative.endswith("/index.html") else relative


def scan(site: Path) -> list[Page]:
    """Every HTML file of a built site with its size, largest first (by path among equals)."""
    pages = [Page(page_path(site, html), html.stat().st_size) for html in site.rglob("*.html")]
    return sorted(pages, key=lambda page: (-page.bytes, page.path))


def sample(pages: list[Page], largest: int = LARGEST) -> list[Page]:
    """The pages to open: the home page, the ``largest`` largest, and for each top-level folder its index
    page and its largest page below it (the records' pages under claims/, themes/, …)."""
    chosen: dict[str, Page] = {}
    by_path = {page.path: page for page in pages}
    if "" in by_path:
        chosen[""] = by_path[""]
    for page in pages[:largest]:
        chosen.setdefault(page.path, page)
    folders: dict[str, list[Page]] = {}
    for page in pages:  # largest first
        top, _, rest = page.path.partition("/")
        if rest or page.path.endswith("/"):
            folders.setdefault(top, []).append(page)
    for top in sorted(folders):
        index = by_path.get(f"{top}/")
        below = [page for page in folders[top] if page.path != f"{top}/"]
        for page in ([index] if index else []) + below[:1]:
            chosen.setdefault(page.path, page)
    return list(chosen.values())


def title_word(evidence: Path) -> str:
    """A word of the title of the middle claim of the base (its key message, else its statement): the
    longest one, all letters, so that no search takes it for a stop word or splits it."""
    claims = sorted((evidence / "claims").glob("*.yaml"))
    if not claims:
        raise RuntimeError(f"no claims in {evidence / 'claims'}")
    data = yaml.safe_load(claims[len(claims) // 2].read_text(encoding="utf-8"))
    title = data.get("key_message") or data["statement"]
    words = re.findall(r"[^\W\d_]+", title)
    return max(words, key=len).lower()


SEARCH_PATHS = re.compile(r"^/(?:search/|pagefind[^/]*/|assets/javascripts/workers/)")
"""What a site fetches to search: Material's index and worker (lunr), or our worker and Pagefind's indexes."""


class _Counter:
    """Bytes written to the sockets of one server: in all, and those of the files search fetches."""

    def __init__(self) -> None:
        self.bytes = 0
        self.search_bytes = 0
        self._lock = threading.Lock()

    def add(self, count: int, path: str) -> None:
        with self._lock:
            self.bytes += count
            if SEARCH_PATHS.match(path):
                self.search_bytes += count


class _CountingWriter:
    def __init__(self, file: Any, counter: _Counter, handler: Any) -> None:
        self._file, self._counter, self._handler = file, counter, handler

    def write(self, data: bytes) -> int:
        self._counter.add(len(data), getattr(self._handler, "path", "") or "")
        return self._file.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


class _Handler(SimpleHTTPRequestHandler):
    counter: _Counter

    def setup(self) -> None:
        super().setup()
        self.wfile = _CountingWriter(self.wfile, self.counter, self)  # type: ignore[assignment]

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet when the browser hangs up (a context closed mid-download); any other error as usual."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve(site: Path) -> Iterator[tuple[str, _Counter]]:
    """The site on 127.0.0.1 and a free port, as it is on disk (no compression): its URL and byte counter."""
    counter = _Counter()
    handler = functools.partial(type("Handler", (_Handler,), {"counter": counter}), directory=str(site))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="reader-bench-server", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}/", counter
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


_LOADED = "() => { const n = performance.getEntriesByType('navigation')[0]; return !!n && n.loadEventEnd > 0; }"
_FIGURES = """() => ({load: performance.getEntriesByType('navigation')[0].loadEventEnd,
                     nodes: document.getElementsByTagName('*').length})"""


def open_page(browser: Any, url: str, page: Page, timeout: float = PAGE_TIMEOUT) -> Page:
    """``page`` with its DOM nodes and load time, opened in a fresh context (an empty cache)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        tab = context.new_page()
        tab.goto(url + page.path, wait_until="load", timeout=timeout * 1000)
        tab.wait_for_function(_LOADED, timeout=timeout * 1000)
        figures = tab.evaluate(_FIGURES)
        return Page(page.path, page.bytes, int(figures["nodes"]), float(figures["load"]))
    except Exception as exc:  # a timeout or a crashed tab is a figure of the page, not the bench's end
        return Page(page.path, page.bytes, error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    finally:
        context.close()


# Set before the page's own scripts run: the time (from the start of navigation) at which a result first shows.
_WATCH_RESULTS = """
window.__firstResult = null;
new MutationObserver((records, observer) => {
  if (document.querySelector('.md-search-result__item')) {
    window.__firstResult = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


def time_search(browser: Any, url: str, counter: _Counter, word: str, timeout: float = SEARCH_TIMEOUT) -> Search:
    """Open the home page with ``?q=word`` in a fresh context and wait for the first search result."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.add_init_script(_WATCH_RESULTS)
        tab = context.new_page()
        before, before_search = counter.bytes, counter.search_bytes
        try:
            tab.goto(f"{url}?q={word}", wait_until="commit", timeout=timeout * 1000)
            tab.wait_for_function("() => window.__firstResult !== null", polling=20, timeout=timeout * 1000)
        except Exception:  # no result in time: reported as missing, with what was fetched meanwhile
            return Search(word, None, counter.bytes - before, timeout, counter.search_bytes - before_search)
        fetched, for_search = counter.bytes - before, counter.search_bytes - before_search
        return Search(word, float(tab.evaluate("() => window.__firstResult")) / 1000, fetched, timeout, for_search)
    finally:
        context.close()


def measure_site(browser: Any, name: str, site: Path, word: str, largest: int = LARGEST,
                 page_timeout: float = PAGE_TIMEOUT, search_timeout: float = SEARCH_TIMEOUT) -> SiteFigures:
    """Every reader's figure of one built site."""
    pages = scan(site)
    if not pages:
        raise RuntimeError(f"no HTML page in {site}")
    figures = SiteFigures(name, pages)
    with serve(site) as (url, counter):
        for page in sample(pages, largest):
            figures.opened.append(open_page(browser, url, page, page_timeout))
        figures.search = time_search(browser, url, counter, word, search_timeout)
    return figures


def measure_sizes(sizes: list[tuple[Path, int]]) -> list[SizeFigures]:
    """Both sites of each size (its project folder, its claims)."""
    results = []
    with chromium() as browser:
        for folder, claims in sizes:
            word = title_word(folder / "evidence")
            sites = []
            for name, site in SITES:
                print(f"… reader, {claims} claims, {name}", file=sys.stderr, flush=True)
                sites.append(measure_site(browser, name, folder / site, word))
            results.append(SizeFigures(claims, sites))
    return results


def _size(count: int) -> str:
    return f"{count / 1e6:.2f} MB" if count >= 1_000_000 else f"{count / 1e3:.0f} KB"


def _where(path: str) -> str:
    return path or "/"


def report(sizes: list[SizeFigures], targets: dict[str, float] | None = None) -> tuple[str, bool]:
    """The table of both sites' figures and the verdict on each target (our site's only)."""
    targets = {**TARGETS, **(targets or {})}
    lines = [f"claims  site   HTML pages  {'largest HTML':<30}  {'most DOM nodes':<30}  {'slowest load':<32}  "
             "search: first result  fetched (for search)"]
    verdicts: list[tuple[str, bool]] = []
    for size in sizes:
        for site in size.sites:
            nodes, slowest, search = site.most_nodes, site.slowest, site.search
            load = "-" if slowest is None else (
                f"{slowest.load_ms / 1000:.2f} s {_where(slowest.path)}" if slowest.load_ms is not None
                else f"none {_where(slowest.path)}")
            lines.append(
                f"{size.claims:>6}  {site.name:<5}  {len(site.scanned):>10}  "
                f"{_size(site.largest.bytes) + ' ' + _where(site.largest.path):<30}  "
                f"{(f'{nodes.nodes:,} {_where(nodes.path)}' if nodes else '-'):<30}  {load:<32}  "
                + (f"{'-':>21}  -" if search is None else
                   f"{(f'{search.seconds:.2f} s' if search.seconds is not None else 'none'):>21}  "
                   f"{_size(search.fetched)} ({_size(search.for_search)})"))
        verdicts += _verdicts(size.claims, size.sites[0], targets)
    word = next((site.search.word for size in sizes for site in size.sites if site.search), None)
    lines.append("")
    lines.append(f"Chromium, each page in a fresh context (cold), served by http.server on 127.0.0.1 without gzip; "
                 f"DOM nodes: elements after load; search word: {word!r}")
    lines.append("")
    lines += [f"{'met   ' if ok else 'MISSED'}  {text}" for text, ok in verdicts]
    return "\n".join(lines), all(ok for _, ok in verdicts)


def _verdicts(claims: int, site: SiteFigures, targets: dict[str, float]) -> list[tuple[str, bool]]:
    verdicts = []
    largest, over = site.largest, site.over(targets["page_bytes"])
    verdicts.append((f"every HTML page ≤ {_size(int(targets['page_bytes']))} at {claims} claims: largest "
                     f"{_where(largest.path)} {_size(largest.bytes)}"
                     + (f", {over} of {len(site.scanned)} over" if over else ""),
                     largest.bytes <= targets["page_bytes"]))
    opened = len(site.opened)
    failed = [page for page in site.opened if page.load_ms is None]
    nodes = site.most_nodes
    verdicts.append((f"every page ≤ {targets['dom_nodes']:,.0f} DOM nodes at {claims} claims ({opened} opened): "
                     + (f"most {_where(nodes.path)} {nodes.nodes:,}" if nodes else "none counted")
                     + (f", {len(failed)} not loaded" if failed else ""),
                     nodes is not None and not failed and (nodes.nodes or 0) <= targets["dom_nodes"]))
    slowest = site.slowest
    verdicts.append((f"every page loads in ≤ {targets['load']:g} s at {claims} claims ({opened} opened): "
                     + ("none opened" if slowest is None else
                        f"slowest {_where(slowest.path)} " + (f"{slowest.load_ms / 1000:.2f} s"
                                                              if slowest.load_ms is not None
                                                              else f"did not load ({slowest.error})")),
                     slowest is not None and slowest.load_ms is not None
                     and slowest.load_ms <= targets["load"] * 1000))
    search = site.search
    if search is None:
        verdicts.append((f"search at {claims} claims: not measured", False))
    else:
        verdicts.append((f"search {search.word!r}: first result ≤ {targets['search']:g} s at {claims} claims: "
                         + (f"{search.seconds:.2f} s" if search.seconds is not None
                            else f"no result within {search.waited:g} s"),
                         search.seconds is not None and search.seconds <= targets["search"]))
        verdicts.append((f"search fetches ≤ {_size(int(targets['search_bytes']))} for its first result at "
                         f"{claims} claims: {_size(search.for_search)} of its index and worker, "
                         f"{_size(search.fetched)} in all with the page"
                         + ("" if search.seconds is not None else " (no result)"),
                         search.for_search <= targets["search_bytes"]))
    return verdicts
