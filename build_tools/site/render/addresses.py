"""Where each generated page lives in the docs tree, its address on the site, and links between them."""

from __future__ import annotations

import posixpath

from build_tools.engine.graph import Graph
from build_tools.engine.model import KINDS

CHANGELOG = "changelog.md"
TAGS_URI = "tags.md"
EVIDENCE_MAP = "evidence-map.md"
DOWNLOADS_URI = "downloads/index.md"
SUMMARY_OF_FINDINGS = "summary-of-findings.md"
SITE_FEED = "feed.xml"
"""The Atom feed of changes to the synthesis, at the site's root (a file, not a page)."""


def theme_feed(theme_id: str) -> str:
    """The Atom feed of one theme's changes, beside its page: ``themes/<id>/feed.xml``."""
    return f"{KINDS['theme'].folder}/{theme_id}/feed.xml"


def page_uri(kind: str, record_id: str) -> str:
    return f"{KINDS[kind].folder}/{record_id}.md"


def section_uri(kind: str) -> str:
    return f"{KINDS[kind].folder}/index.md"


def relative(from_uri: str, to_uri: str) -> str:
    """A link between two Markdown files of the docs tree, as written in Markdown (MkDocs makes it a URL)."""
    return posixpath.relpath(to_uri, posixpath.dirname(from_uri) or ".")


def page_url(uri: str, directory_urls: bool = True) -> str:
    """The address of a docs file's page below the site root, as MkDocs gives it: ``claims/x.md`` → ``claims/x/``."""
    stem = uri.removesuffix(".md")
    if not directory_urls:
        return f"{stem}.html"
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return f"{stem}/"


def href(from_url: str, to_url: str) -> str:
    """A relative link from one page's address to another's (``claims/a/`` → ``../../sources/b/``)."""
    here, there = from_url.split("/")[:-1], to_url.split("/")
    shared = 0
    while shared < len(here) and shared < len(there) - 1 and here[shared] == there[shared]:
        shared += 1
    return "../" * (len(here) - shared) + "/".join(there[shared:]) or "./"


NAV_PAGES = frozenset({"index.md", EVIDENCE_MAP, SUMMARY_OF_FINDINGS, CHANGELOG, DOWNLOADS_URI,
                       *(section_uri(kind) for kind in KINDS)})
"""Generated pages that belong in the site's navigation; every other one is reached through links."""


def redirect_map(graph: Graph) -> dict[str, str]:
    """Old page → new page for every alias (``claims/old-id.md`` → ``claims/new-id.md``), as docs-relative paths."""
    redirects = {}
    for kind in KINDS:
        for former_id, record in sorted(graph.aliases.get(kind, {}).items()):
            if former_id != record.id and graph.get(kind, former_id) is None:
                redirects[page_uri(kind, former_id)] = page_uri(kind, record.id)
    return redirects
