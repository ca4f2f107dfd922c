"""The renderer: the graph into every generated page, through the templates."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, pass_context
from markupsafe import Markup

import build_tools.site.render.paging as paging
from build_tools.engine import workers
from build_tools.engine.graph import Graph
from build_tools.engine.history import History
from build_tools.engine.model import BASIS_ORDER, CERTAINTY_ORDER, KINDS, OPEN_IN_ORDER, Record, Stance
from build_tools.site.charts import claims_by_theme_chart, sources_by_type_chart
from build_tools.site.citations import Citations
from build_tools.site.exports import Download
from build_tools.site.info import SiteInfo, Version
from build_tools.site.render.addresses import (
    CHANGELOG,
    DOWNLOADS_URI,
    SUMMARY_OF_FINDINGS,
    TAGS_URI,
    href,
    page_uri,
    page_url,
    section_uri,
)
from build_tools.site.render.changelog import Changelog
from build_tools.site.render.evidence_map import EvidenceMap
from build_tools.site.render.home import Home
from build_tools.site.render.markup import (
    certainty_badge,
    code,
    concerns_badge,
    contested_marker,
    escape_attribute,
    escape_paragraphs,
    evidence_count,
    external_link,
    filesize,
    passage_link,
    qualified_marker,
    quoted,
    slug,
    source_type_label,
    stance_label,
    text,
    visually_hidden,
)
from build_tools.site.render.page import GeneratedPage, Heading, heading_in_template
from build_tools.site.render.paging import Part, part_owner, part_title, parts
from build_tools.site.render.records import RecordPages, best_founded_first
from build_tools.site.render.references import References
from build_tools.site.render.summary import SummaryOfFindings, summary_filters
from build_tools.site.table_labels import label_cells

TEMPLATES = Path(__file__).parent.parent / "templates"
TAGS_PAGE = """---
title: Claims by theme tag
search:
  exclude: true
---

# Claims by theme tag

Each claim carries its themes as tags.

<!-- material/tags -->
"""
"""Markdown, unlike every other generated page: Material's tags plugin writes its listing into it."""

TAGGED_MAX = 1000
"""Up to this many (claim, tag) pairs, Material lists every claim under each tag; beyond, the tags page lists
the themes, each with its count, and each theme's page lists its claims (a listing of every pair was 2.7 MB at
10,000 claims)."""


@cache
def _environment() -> Environment:
    """The templates, compiled once per process (``serve`` renders every page again on each change)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        paragraphs=escape_paragraphs, quoted=quoted, code=code, text=text,
        certainty_badge=certainty_badge, concerns_badge=concerns_badge, filesize=filesize,
        stance_label=stance_label,
    )
    env.globals.update(
        heading=heading_in_template, CERTAINTY_ORDER=CERTAINTY_ORDER, OPEN_IN_ORDER=OPEN_IN_ORDER, Stance=Stance,
        source_type_label=source_type_label,
        contested_marker=contested_marker, qualified_marker=qualified_marker, passage_link=passage_link,
        downloads_uri=DOWNLOADS_URI, summary_uri=SUMMARY_OF_FINDINGS, evidence_count=evidence_count,
        external=external_link, sr=visually_hidden,
    )
    return env


class Renderer(RecordPages, References, EvidenceMap, SummaryOfFindings, Changelog, Home):
    """Renders every generated page of one build; one mixin per page family, this class the links and the loop."""

    def __init__(self, graph: Graph, info: SiteInfo | None = None, history: History | None = None, *,
                 citations: Citations | None = None,
                 downloads: list[Download] | Callable[[], list[Download]] | None = None,
                 reuse: Mapping[str, GeneratedPage] | None = None) -> None:
        self.graph = graph
        self.reuse = reuse or {}
        """Record pages rendered before from records that have not changed since, by uri."""
        self.info = info or SiteInfo()
        self.history = history or History.unavailable("no history was given to the renderer")
        self._changelog_dates = self._dates_shown()
        self.citations = citations or Citations(graph, self.info, history=self.history)
        self.downloads = downloads
        self._urls: dict[tuple[str, str], str] = {}
        self._titles: dict[tuple[str, str], Markup] = {}
        self._references: dict[str, str] = {}
        self._templates: dict[str, Template] = {}
        self.theme_maps = False
        """Whether each theme has a map of its own (an aggregated evidence map), set by :meth:`map_pages`."""
        self.data_files: dict[str, str] = {}
        """Files beside the pages that their scripts fetch (the filter indexes of split lists), by docs path."""
        self.env = _environment()
        self.context: dict[str, Any] = dict(
            link=self.link, url=self.url, file_url=self.file_url, graph=graph, info=self.info,
            version=Version.of(self.history, self.info),
            weakest_certainty=self.weakest_certainty,
            record_url=self.record_url, evidence_block=self.evidence_block, quotes_of_record=self.quotes_of_record,
            claim_line=self.claim_line, claim_markers=self.claim_markers, reference=self.reference,
            spread_line=self.spread_line,
            map_chip=self.map_chip,
            formatted_reference=self.formatted_reference, cite_this=self.cite_this,
            downloads=self.downloads, citation_style_name=self.citations.formatter.style_title,
            theme_chart=lambda: claims_by_theme_chart(graph), source_chart=lambda: sources_by_type_chart(graph),
            last_updated=self.last_updated, claim_story=self.claim_story, base_updated=self.base_updated,
            history=self.history,
            contested_count=lambda claims: sum(1 for claim in claims if graph.is_contested(claim)),
        )
        """What templates see besides the environment's globals: this graph and its helpers."""

    def _record_url(self, record: Record) -> str:
        key = (record.kind, record.id)
        url = self._urls.get(key)
        if url is None:
            url = self._urls[key] = page_url(page_uri(record.kind, record.id), self.info.directory_urls)
        return url

    @pass_context
    def url(self, context: Any, target_uri: str) -> str:
        """A relative link from the page being rendered to a page of the docs tree (``methods.md``)."""
        return href(context["page_url"], page_url(target_uri, self.info.directory_urls))

    @pass_context
    def file_url(self, context: Any, path: str) -> str:
        """A relative link from the page being rendered to a file below the site root (``feed.xml``)."""
        return href(context["page_url"], path)

    @pass_context
    def record_url(self, context: Any, record: Record) -> str:
        """A relative link from the page being rendered to a record's page."""
        return href(context["page_url"], self._record_url(record))

    @pass_context
    def link(self, context: Any, record: Record, label: str | None = None) -> Markup:
        return self.link_from(context["page_url"], record, label)

    def link_from(self, from_url: str, record: Record, label: str | None = None) -> Markup:
        """A link to a record's page, its title the link text (or ``label``, with the title as tooltip).

        Addresses of pages are made of folder names and record ids (lowercase letters, digits and
        hyphens), so they need no escaping; titles are escaped once per record.
        """
        target = href(from_url, self._record_url(record))
        key = (record.kind, record.id)
        title = self._titles.get(key)
        if title is None:
            title = self._titles[key] = text(record.title_text)
        if label is None or " ".join(label.split()) == " ".join(record.title_text.split()):
            # No tooltip when it would repeat the link text: screen readers would read it twice.
            return Markup(f'<a href="{target}">{title}</a>')
        return Markup(f'<a href="{target}" title="{escape_attribute(record.title_text)}">{text(label)}</a>')

    def render(self, template: str, uri: str, title: str, **context: Any) -> GeneratedPage:
        headings: list[Heading] = []
        if template not in self._templates:
            self._templates[template] = self.env.get_template(template)
        body = self._templates[template].render(
            self.context, page_uri=uri, page_url=page_url(uri, self.info.directory_urls), headings=headings,
            **context)
        page = GeneratedPage(title=title, body=label_cells(body), headings=headings)
        if not any(heading.level > 1 for heading in headings):
            page.hide.append("toc")  # nothing to list: its tables and text take the table of contents' width
        return page

    def render_parts(self, template: str, base_uri: str, title: str, items: list[Any], size: int | None = None,
                     filters: Callable[[Any], dict[str, list[str]]] | None = None,
                     **context: Any) -> dict[str, GeneratedPage]:
        """A list of records as one page, or, when longer than ``size``, as parts of ``size`` (:mod:`.paging`):
        the template gets its part's ``records`` and the ``part``, for the pager. ``filters`` gives an item's
        values for each field of the list's filter form (as its rows' ``data-`` attributes carry them): a split
        list then gets a ``filter_index`` (:meth:`_filter_index`)."""
        pages = {}
        split = parts(base_uri, len(items), size or paging.LIST_SIZE)
        index = self._filter_index(split, items, filters) if filters and len(split) > 1 else None
        for part in split:
            here = page_url(part.uri, self.info.directory_urls)
            pages[part.uri] = self.render(template, part.uri, part_title(title, part), records=part.take(items),
                                          part=part, filter_index=index and href(here, index), **context)
        return pages

    def _filter_index(self, split: list[Part], items: list[Any], filters: Callable[[Any], dict[str, list[str]]]) -> str:
        """Where the rows of a list split into parts are, by the values its filter form offers: a compact JSON
        file (``filters.json`` beside the list) that the form fetches when used, to say which other pages hold
        matching rows. Values are given by index into each field's table of values."""
        first = split[0]
        folder = first.base_uri.removesuffix(".md").removesuffix("index").rstrip("/")
        uri = f"{folder}/filters.json"
        tables: dict[str, dict[str, int]] = {}
        rows = []
        for item in items:
            row = []
            for field, values in filters(item).items():
                table = tables.setdefault(field, {})
                row.append([table.setdefault(value, len(table)) for value in values])
            rows.append(row)
        self.data_files[uri] = json.dumps({
            "size": first.size,
            "pages": [href(uri, page_url(part.uri, self.info.directory_urls)) for part in split],
            "fields": {field: list(table) for field, table in tables.items()},
            "rows": rows,
        }, separators=(",", ":"))
        return uri

    def pages(self) -> dict[str, GeneratedPage | str]:
        """Every generated page: src_uri → its :class:`GeneratedPage` (or Markdown, for the tags page)."""
        g = self.graph
        pages: dict[str, GeneratedPage | str] = {}
        # "Home" in the navigation, which already shows the site's name above it; the page's heading is the name.
        home = pages["index.md"] = self.render("home.html.j2", "index.md", "Home", **self._home_context())
        home.search = " ".join(filter(None, [self.info.name, self.info.description]))
        pages.update(self.map_pages())
        rows = self._summary_rows()
        pages.update(self.render_parts("summary_of_findings.html.j2", SUMMARY_OF_FINDINGS, "Summary of findings",
                                       rows, filters=summary_filters, **self._summary_context(rows)))
        summary = pages[SUMMARY_OF_FINDINGS]
        assert isinstance(summary, GeneratedPage)
        summary.search = "Summary of findings: every claim's key message, certainty and the studies behind it."
        if sum(len(claim.themes) for claim in g.claims.values()) <= TAGGED_MAX:
            pages[TAGS_URI] = TAGS_PAGE
        else:
            pages.update(self.render_parts("tags.html.j2", TAGS_URI, "Claims by theme tag",
                                           self._sorted("theme", g.themes)))
        changelog = pages[CHANGELOG] = self.render("changelog.html.j2", CHANGELOG, "Changelog",
                                                   **self._changelog_context())
        changelog.search = "What changed in the evidence base, newest first."
        collections: dict[str, dict[str, Record]] = {
            "theme": g.themes, "claim": g.claims, "source": g.sources, "study": g.studies,
            "recommendation": g.recommendations, "question": g.questions,
        }  # type: ignore[dict-item]
        record_pages = self._record_pages([(kind, record_id) for kind, records in collections.items()
                                           for record_id in records if page_uri(kind, record_id) not in self.reuse])
        record_pages.update(self.reuse)
        parts_of: dict[str, list[str]] = {}
        for uri in record_pages:
            parts_of.setdefault(part_owner(uri), []).append(uri)
        for kind, records in collections.items():
            ordered = self._sorted(kind, records)
            pages.update(self.render_parts(
                f"{kind}_index.html.j2", section_uri(kind), KINDS[kind].plural.capitalize(), ordered,
                filters=self._index_filters(kind), **self._index_context(kind, ordered)))
            for record_id in records:
                for uri in parts_of[page_uri(kind, record_id)]:
                    pages[uri] = record_pages[uri]
        if self.downloads is not None:  # last: the downloads may still be in the making (assemble.py)
            files = self.downloads() if callable(self.downloads) else self.downloads
            downloads = pages[DOWNLOADS_URI] = self.render("downloads.html.j2", DOWNLOADS_URI, "Downloads",
                                                           downloads=files)
            downloads.search = "Downloads: " + "; ".join(f"{d.name}, {d.title}" for d in files)
        return pages

    def _index_filters(self, kind: str) -> Callable[[Any], dict[str, list[str]]] | None:
        """The values of a record index's filter form for each record, as its rows carry them."""
        if kind == "recommendation":
            return lambda r: {"basis": [r.basis.value], "lowest": [slug(self.weakest_certainty(r.claims).value)]}
        return None

    def _index_context(self, kind: str, ordered: list[Any]) -> dict[str, Any]:
        if kind == "recommendation":
            return {"orders": self.recommendation_orders(ordered), "bases": BASIS_ORDER}
        if kind == "claim":
            # Where each level of certainty starts, for a list split into pages: a filter by address.
            starts: dict[Any, int] = {}
            for index, claim in enumerate(ordered):
                starts.setdefault(claim.certainty, index)
            return {"certainty_starts": starts}
        return {}

    def _record_pages(self, wanted: list[tuple[str, str]]) -> dict[str, GeneratedPage]:
        """The page of each (kind, id), by uri; many are rendered by worker processes (:mod:`.workers`),
        after every source's reference is formatted here, once, for all of them."""
        if len(wanted) < PARALLEL_MIN_PAGES or workers.worker_count() < 2:
            return dict(_render_record_pages(self, wanted))
        self.citations.prepare_references()
        return {uri: page for pages in workers.map_in_workers(_render_record_pages, self, workers.share(wanted))
                for uri, page in pages}

    def _sorted(self, kind: str, records: dict[str, Record]) -> list[Record]:
        if kind == "claim":
            return sorted(records.values(), key=lambda c: (CERTAINTY_ORDER.index(c.certainty),  # type: ignore
                                                           c.title_text.lower()))
        if kind == "source":
            return sorted(records.values(), key=lambda s: (s.date or "", s.title), reverse=True)  # type: ignore
        if kind == "recommendation":
            return best_founded_first(self.graph, records.values())  # type: ignore[arg-type,return-value]
        if kind == "question":  # as the index groups them, so that each group runs on across its pages
            return sorted(records.values(), key=lambda q: (  # type: ignore[attr-defined]
                OPEN_IN_ORDER.index(q.open_in) if q.open_in else len(OPEN_IN_ORDER), q.title_text.lower()))
        return sorted(records.values(), key=lambda r: r.title_text.lower())


PARALLEL_MIN_PAGES = 1000
"""Fewer record pages than this are rendered in this process: starting workers would cost more than it saves."""


def _render_record_pages(renderer: Renderer, wanted: list[tuple[str, str]]) -> list[tuple[str, GeneratedPage]]:
    return [item for kind, record_id in wanted for item in renderer.record_page(kind, record_id).items()]



def render_pages(graph: Graph, info: SiteInfo | None = None, history: History | None = None, *,
                 citations: Citations | None = None, downloads: list[Download] | None = None,
                 reuse: Mapping[str, GeneratedPage] | None = None) -> dict[str, GeneratedPage | str]:
    """Every generated page of the site, keyed by its path in the docs tree: a :class:`GeneratedPage`,
    or Markdown for the tags page. With ``downloads``, also the Downloads page that lists them.

    Record pages in ``reuse`` are taken as they are (see :func:`graph.affected`); the other pages are rendered.
    """
    return Renderer(graph, info, history, citations=citations, downloads=downloads, reuse=reuse).pages()
