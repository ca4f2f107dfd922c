"""Everything the site is made of, from the graph: pages, downloads, JSON-LD, redirects.

One function that each adapter calls (the MkDocs plugin, ``generate``), so that
they translate the same site, never two versions of it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from build_tools.engine import workers
from build_tools.engine.cache import SignedFiles
from build_tools.engine.graph import Graph
from build_tools.engine.history import History
from build_tools.site.brief import brief_download
from build_tools.site.citations import Citations, Formatter
from build_tools.site.exports import Download, build_exports
from build_tools.site.feeds import build_feeds
from build_tools.site.info import SiteInfo, build_time
from build_tools.site.render import DOWNLOADS_URI, GeneratedPage, Renderer, redirect_map
from build_tools.site.structured_data import structured_data

DOWNLOADS_DIR = DOWNLOADS_URI.rpartition("/")[0]


@dataclass
class SiteContent:
    """What the records add to a docs tree, every path relative to its root (``claims/x.md``)."""

    pages: dict[str, GeneratedPage | str]
    """Generated pages: HTML with what MkDocs would read from Markdown, or Markdown (the tags page)."""
    downloads: list[Download]
    """Files under ``downloads/``."""
    json_ld: dict[str, str]
    """A ``<script type="application/ld+json">`` element for the page at each path that has one."""
    redirects: dict[str, str]
    """Former page → current page, for every alias of a renamed record."""
    data_files: dict[str, str]
    """Files the pages' scripts fetch (the filter index of a list split into parts), by path."""
    feeds: dict[str, str] = field(default_factory=dict)
    """Atom feeds of changes: the site's (``feed.xml``) and each theme's, by path."""

    def static_files(self) -> dict[str, str | bytes]:
        """Each file that is not a page, by its path in the docs tree: the downloads (bytes for the brief's PDF),
        then the pages' data files, then the feeds."""
        return {**{f"{DOWNLOADS_DIR}/{download.name}": download.content for download in self.downloads},
                **self.data_files, **self.feeds}


def build_downloads(graph: Graph, info: SiteInfo, citations: Citations | None = None, *,
                    brief: Download | None = None, store: SignedFiles | None = None) -> list[Download]:
    """Every file of the Downloads page: the printable brief (``brief`` when given, else made now, or taken from
    ``store`` when it was made before from the same page), then the evidence base as data."""
    citations = citations or Citations(graph, info)
    return [brief or brief_download(graph, info, citations, store), *build_exports(graph, info, citations)]


def _downloads(job: tuple[Graph, SiteInfo, Citations, Download | None, SignedFiles | None]) -> list[Download]:
    graph, info, citations, brief, store = job
    return build_downloads(graph, info, citations, brief=brief, store=store)


def assemble(graph: Graph, info: SiteInfo, history: History, *, formatter: Formatter | None = None,
             reuse: Mapping[str, GeneratedPage] | None = None, brief: Download | None = None,
             built: _dt.datetime | None = None, store: SignedFiles | None = None) -> SiteContent:
    """The site made from ``graph``. ``formatter`` keeps formatted references between builds (``serve``);
    record pages in ``reuse`` are taken as they are (:func:`build_tools.engine.graph.affected`); ``brief``
    is a printable brief made by an earlier build (``serve``: it takes about 0.1 s a page). ``built`` is the
    build time (default: now, or ``SOURCE_DATE_EPOCH``), which a feed listing no change gives as updated.
    ``store`` keeps printable briefs between builds (:class:`~build_tools.engine.cache.SignedFiles`)."""
    citations = Citations(graph, info, formatter, history)
    # The downloads (the brief's layout, the exports: a second or more) are made by a worker process while the
    # pages are rendered here; the Downloads page, which gives their sizes, is rendered last.
    making = workers.Background(_downloads, (graph, info, citations, brief, store))
    renderer = Renderer(graph, info, history, citations=citations, downloads=making.result, reuse=reuse)
    try:
        pages = renderer.pages()
    except BaseException:
        making.cancel()
        raise
    downloads = making.result()
    return SiteContent(
        pages=pages,
        data_files=renderer.data_files,
        downloads=downloads,
        json_ld=structured_data(graph, info, downloads, citations),
        redirects=redirect_map(graph),
        feeds=build_feeds(graph, info, history, built or build_time()),
    )
