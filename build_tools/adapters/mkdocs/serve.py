"""What ``mkdocs serve --dirty`` keeps from one build to the next, so that an edit is served in about a second.

At 1,000 claims (``bench --serve``), reusing the pages an edit cannot change serves an edited claim in
0.8 to 1.2 s; rendering every page again takes 3.6 s. (Keeping Material's compiled templates between builds
was measured too: under 0.1 s, within the machine's noise, so it went.)

MkDocs re-creates plugins on every rebuild of ``serve``, hence state on classes and in the module.
"""

from __future__ import annotations

import os
from typing import ClassVar

from mkdocs.structure.files import File

from build_tools.engine.graph import Graph, affected
from build_tools.engine.model import KINDS
from build_tools.site.brief import BRIEF_NAME
from build_tools.site.exports import Download
from build_tools.site.render import TEMPLATES, GeneratedPage, page_uri


class DirtyServe:
    """``mkdocs serve --dirty`` rebuilds only modified pages, but MkDocs counts every generated page
    as modified. Pages whose Markdown is what the previous build rendered are marked unmodified,
    so that after editing one claim only the pages showing it are rebuilt.

    MkDocs re-creates plugins on every rebuild of ``serve``, hence state on the class.
    """

    active = False
    rendered: ClassVar[dict[str, int]] = {}
    previous: ClassVar[tuple[Graph, dict[str, GeneratedPage | str], object] | None] = None
    """The last build's graph, pages and what else they were rendered from."""

    @classmethod
    def reusable(cls, graph: Graph, inputs: object) -> dict[str, GeneratedPage]:
        """Pages of the last build that this one would render the same: those of records that neither
        changed nor are near one that did (:func:`graph.affected`), if nothing else they show changed."""
        if not cls.active or cls.previous is None or cls.previous[2] != inputs:
            return {}
        old_graph, pages, _ = cls.previous
        stale = {page_uri(kind, record_id) for kind, record_id in affected(old_graph, graph)}
        record_pages = {page_uri(kind, record_id) for kind in KINDS for record_id in graph.by_kind(kind)}
        return {uri: page for uri, page in pages.items()
                if uri in record_pages and uri not in stale and isinstance(page, GeneratedPage)}

    @classmethod
    def remember(cls, graph: Graph, pages: dict[str, GeneratedPage | str], inputs: object) -> None:
        if cls.active:
            cls.previous = (graph, pages, inputs)

    @classmethod
    def skip_if_unchanged(cls, file: File, page: GeneratedPage | str) -> None:
        if not cls.active:
            return
        digest = hash(page if isinstance(page, str) else (page.body, page.title, tuple(page.tags)))
        if cls.rendered.get(file.src_uri) == digest:
            file.is_modified = lambda: False  # type: ignore[method-assign]
        cls.rendered[file.src_uri] = digest


def templates_stamp() -> tuple[tuple[str, int], ...]:
    """When each page template was last changed: `serve` renders every page again after one is edited."""
    return tuple(sorted((entry.name, entry.stat().st_mtime_ns) for entry in os.scandir(TEMPLATES)))




class ServeBrief:
    """``serve`` makes the printable brief once, at its first build, and keeps it for the rebuilds after an edit.

    WeasyPrint lays out about ten A4 pages a second: 1 s for this site's brief, 18 s at 1,000 claims, where an
    edit is otherwise served in about a second. The brief of ``build`` is always made from the records as they are.
    """

    kept: ClassVar[Download | None] = None

    @classmethod
    def reusable(cls, command: str | None) -> Download | None:
        return cls.kept if command == "serve" else None

    @classmethod
    def remember(cls, command: str | None, downloads: list[Download]) -> None:
        if command == "serve":
            cls.kept = next((d for d in downloads if d.name == BRIEF_NAME), None)
