"""What ``mkdocs serve`` keeps from one build to the next: the pages ``--dirty`` reuses, so that an edit is served in
about a second, and the findings of records that broke the last rebuild, shown for every request until they are fixed.

At 1,000 claims (``bench --serve``), reusing the pages an edit cannot change serves an edited claim in
0.8 to 1.2 s; rendering every page again takes 3.6 s. (Keeping Material's compiled templates between builds
was measured too: under 0.1 s, within the machine's noise, so it went.)

MkDocs re-creates plugins on every rebuild of ``serve``, hence state on classes and in the module.
"""

from __future__ import annotations

import html
import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

from mkdocs.structure.files import File

from build_tools.engine.findings import Finding, Severity
from build_tools.engine.graph import Graph, affected
from build_tools.engine.model import KINDS
from build_tools.site.brief import BRIEF_NAME
from build_tools.site.exports import Download
from build_tools.site.info import SiteInfo
from build_tools.site.render import TEMPLATES, GeneratedPage, page_uri
from build_tools.site.render.paging import part_owner

log = logging.getLogger("mkdocs.plugins.evidence")


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
        # A theme's page also shows whether the evidence map has grown past its bound (a link to the theme's own
        # map), which any edit may change: theme pages are always rendered again (there are few).
        record_pages = {page_uri(kind, record_id) for kind in KINDS if kind != "theme"
                        for record_id in graph.by_kind(kind)}
        return {uri: page for uri, page in pages.items()  # a record page's later parts go with it
                if (owner := part_owner(uri)) in record_pages and owner not in stale
                and isinstance(page, GeneratedPage)}

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

ERROR_PAGE = ".evidence-errors.html"
"""The page of findings, in the folder ``serve`` builds into: MkDocs never cleans away a dotfile there."""


class BrokenRecords:
    """While the records are invalid, ``serve`` answers every request with a page of their findings.

    MkDocs' ``serve`` holds every request while a rebuild has failed, waiting for one that succeeds ("The server
    will appear stuck until build errors are resolved"). :meth:`install` wraps the server's builder and its
    application: a rebuild that failed on the records counts as done, so browsers reload as after any build, and
    every request but live reload's own gets the page of findings (with MkDocs' live-reload script, which reloads
    it after the next build), until a build succeeds. Any other failure is left to MkDocs, as before. The first
    build is not wrapped: ``serve`` refuses to start on invalid records, as ``build`` does.
    """

    failed: ClassVar[list[Finding] | None] = None
    """Set by the plugin when the records fail the build under way."""
    findings: ClassVar[list[Finding] | None] = None
    """What the last finished build failed on; ``None`` after a good build."""
    _building: ClassVar[bool] = False
    _built: ClassVar[threading.Condition] = threading.Condition()

    @classmethod
    def install(cls, server: Any) -> None:
        """Wrap a ``LiveReloadServer``'s builder and WSGI application (only their public names are used)."""
        build: Callable[..., None] = server.builder
        page = Path(server.root) / ERROR_PAGE
        cls.failed = cls.findings = None  # a new server starts clean, whatever an earlier one in this process saw
        cls._building = False

        def builder(*args: Any, **kwargs: Any) -> None:
            with cls._built:
                cls._building, cls.failed = True, None
            try:
                build(*args, **kwargs)
                cls.findings = None
            except (Exception, SystemExit):  # MkDocs' Abort is both
                cls.findings = cls.failed
                if cls.findings is None:
                    raise
                page.write_text(error_page(cls.findings), encoding="utf-8")
                log.warning("until these findings are fixed, every page of the preview lists them")
            finally:
                with cls._built:
                    cls._building = False
                    cls._built.notify_all()

        app = server.get_app()
        error_path = server.mount_path + ERROR_PAGE

        def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if environ.get("PATH_INFO", "").startswith("/livereload/"):
                return app(environ, start_response)
            with cls._built:  # decide once the build under way has finished
                cls._built.wait_for(lambda: not cls._building)
            if cls.findings is None:
                return app(environ, start_response)

            def failed(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
                if status.startswith("200"):
                    status = "500 Internal Server Error"
                return start_response(status, [*headers, ("Cache-Control", "no-store")], *exc_info)

            return app({**environ, "PATH_INFO": error_path}, failed)

        server.builder = builder
        server.set_app(serve)


def error_page(findings: list[Finding]) -> str:
    """A page that lists the findings as ``validate`` prints them, every word of them escaped."""
    errors = sum(f.severity is Severity.error for f in findings)
    title = f"The evidence records have {errors} error{'s' * (errors != 1)}"
    items = []
    for f in findings:
        where = f"<code>{html.escape(f.location)}</code>: " if f.location else ""
        hint = f'<p class="hint">{html.escape(f.hint)}</p>' if f.hint else ""
        items.append(f'<li class="{f.severity.value}"><p>{where}<strong>{f.severity.value}</strong>: '
                     f"{html.escape(f.message)} <code>[{html.escape(f.code)}]</code></p>{hint}</li>")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1a1a1a; }}
h1 {{ font-size: 1.5rem; color: #a4000f; }}
li {{ margin-bottom: 1rem; overflow-wrap: anywhere; }}
.hint {{ white-space: pre-wrap; margin: 0.25rem 0 0 1.5rem; color: #333; }}
code {{ font-size: 0.95em; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p>The site cannot be built until they are fixed. Fix the files and save: this page reloads by itself when
the site builds again. <code>python -m build_tools validate</code> prints the same findings.</p>
<ol>
{chr(10).join(items)}
</ol>
</main>
</body>
</html>
"""

class ServeBrief:
    """``serve`` makes the printable brief once, at its first build, and keeps it for the rebuilds after an edit,
    as long as the site's settings it prints (name, description, address, citation style) stay the same.

    WeasyPrint lays out about ten A4 pages a second: 1 s for this site's brief, where an edit is otherwise served
    in about a second. The brief of ``build`` is always made from the records as they are.
    """

    kept: ClassVar[tuple[object, Download] | None] = None

    @staticmethod
    def _key(info: SiteInfo) -> object:
        return (info.name, info.description, info.url, info.author, info.citation_style)

    @classmethod
    def reusable(cls, command: str | None, info: SiteInfo) -> Download | None:
        if command != "serve" or cls.kept is None or cls.kept[0] != cls._key(info):
            return None
        return cls.kept[1]

    @classmethod
    def remember(cls, command: str | None, info: SiteInfo, downloads: list[Download]) -> None:
        if command == "serve":
            brief = next((d for d in downloads if d.name == BRIEF_NAME), None)
            cls.kept = (cls._key(info), brief) if brief is not None else None
