"""Render: the graph into pages, through Jinja templates. Pure functions of the graph and its history.

Generated pages are HTML, written by the templates, not Markdown: they are most
of the site, and converting them with Python-Markdown cost four times what
MkDocs spends on everything else (``python -m build_tools bench``). Each page
comes with what MkDocs would have read from Markdown: its title, its headings
for the table of contents, its front matter, and the text for the search index.

Record text is data. Templates are autoescaped: every ``{{ expression }}`` is
HTML-escaped unless it is :class:`markupsafe.Markup` (what the helpers below
return, having escaped the record text inside), so a field can never inject
markup, and record text is only ever a value passed to a template, never
template source.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, pass_context
from markdown.extensions.toc import slugify, unique
from markupsafe import Markup, escape

from build_tools.engine import workers
from build_tools.engine.graph import Graph, QuoteUse
from build_tools.engine.history import Action, Change, History
from build_tools.engine.model import (
    CERTAINTY_ORDER,
    KINDS,
    Certainty,
    Claim,
    Question,
    Recommendation,
    Record,
    Source,
    SourceType,
    Stance,
    Study,
    Theme,
)
from build_tools.engine.quotes import link_to_passage
from build_tools.site.charts import claims_by_theme_chart, sources_by_type_chart
from build_tools.site.citations import ITALIC_END, ITALIC_START, TITLE_END, TITLE_START, Citations
from build_tools.site.exports import Download
from build_tools.site.info import SiteInfo

__all__ = ["GeneratedPage", "Renderer", "SiteInfo", "escape_inline", "page_uri", "relative", "render_pages"]

TEMPLATES = Path(__file__).parent / "templates"
STANCE_ORDER = [Stance.supports, Stance.contradicts, Stance.qualifies]
CHANGELOG = "changelog.md"
# The changelog stays readable at any size: the newest dates only, and a few lines per date.
CHANGELOG_DATES = 100
CHANGELOG_LINES_PER_DATE = 40
CHANGELOG_COMMITS_PER_DATE = 10
_ACTION_ORDER = [Action.added, Action.renamed, Action.changed, Action.removed]
MAP_CELLS = 2500
"""Up to this many cells (themes × columns), the evidence map is a grid whose empty cells show the gaps;
beyond it, a grid would grow with the square of the records, so each theme lists only the studies it draws on."""
TAGS_URI = "tags.md"
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


@dataclass
class Heading:
    level: int
    id: str
    text: str
    """Plain text."""


@dataclass
class GeneratedPage:
    """A page made from the records: its HTML body and what MkDocs would otherwise read from Markdown."""

    title: str
    """Plain text, as the reader sees it."""
    body: str
    """The page's HTML, from its h1 on."""
    headings: list[Heading] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    hide: list[str] = field(default_factory=list)
    """Parts of the theme the page hides (Material's ``hide`` front matter)."""
    search: str | None = None
    """Plain text the search index holds for the page; ``None`` leaves it out of search."""

    @property
    def meta(self) -> dict[str, Any]:
        """Front matter. Material prints titles and tag names into the HTML as they are, so they are escaped."""
        meta: dict[str, Any] = {"title": escape_attribute(self.title)}
        if self.tags:
            meta["tags"] = [escape_attribute(tag) for tag in self.tags]
        if self.hide:
            meta["hide"] = list(self.hide)
        return meta

    def toc_tokens(self) -> list[dict[str, Any]]:
        """The headings nested as Python-Markdown's ``toc_tokens`` (what MkDocs builds a page's TOC from)."""
        root: dict[str, Any] = {"level": 0, "children": []}
        stack = [root]
        for heading in self.headings:
            token = {"level": heading.level, "id": heading.id, "name": html.escape(heading.text, quote=False),
                     "children": []}
            while stack[-1]["level"] >= heading.level:
                stack.pop()
            stack[-1]["children"].append(token)
            stack.append(token)
        return root["children"]

    @property
    def anchors(self) -> set[str]:
        return {h.id for h in self.headings}


# --- escaping ---------------------------------------------------------------

_INLINE_SPECIAL = re.compile(r"([\\`*_{}\[\]|])")
_LINE_START = re.compile(r"^(\s*)([#+\->=]|\d+[.)])")


def escape_inline(text: str) -> Markup:
    """One line of record text, safe in Markdown, HTML and table cells (for links written into Markdown pages)."""
    text = " ".join(str(text).split())
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    text = html.escape(text, quote=False)
    text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2) if m.group(2)[0] in "#+->=" else
                           m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)
    return Markup(text)


def text(value: Any) -> Markup:
    """Record text on one line, HTML-escaped."""
    return escape(" ".join(str(value).split()))


def escape_paragraphs(value: str) -> Markup:
    """Record text with blank-line paragraphs, as HTML paragraphs."""
    paragraphs = [p for p in re.split(r"\n\s*\n", str(value).strip()) if p.strip()]
    return Markup("\n".join(f"<p>{text(p)}</p>" for p in paragraphs))


def escape_attribute(value: str) -> str:
    """Text for an HTML attribute or a title: one line, every special character escaped."""
    return html.escape(" ".join(str(value).split()), quote=True)


# --- URLs and links ---------------------------------------------------------

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


DOWNLOADS_URI = "downloads/index.md"
NAV_PAGES = frozenset({"index.md", "evidence-map.md", CHANGELOG, DOWNLOADS_URI, *(section_uri(kind) for kind in KINDS)})
"""Generated pages that belong in the site's navigation; every other one is reached through links."""


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
        certainty_badge=certainty_badge, filesize=filesize, stance_label=stance_label,
    )
    env.globals.update(
        heading=_heading, CERTAINTY_ORDER=CERTAINTY_ORDER, Stance=Stance, source_type_label=source_type_label,
        contested_marker=contested_marker, passage_link=passage_link, downloads_uri=DOWNLOADS_URI,
        external=external_link, sr=visually_hidden,
    )
    return env


class Renderer:
    def __init__(self, graph: Graph, info: SiteInfo | None = None, history: History | None = None, *,
                 citations: Citations | None = None, downloads: list[Download] | None = None,
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
        self.env = _environment()
        self.context: dict[str, Any] = dict(
            link=self.link, url=self.url, graph=graph, info=self.info,
            weakest_certainty=self.weakest_certainty,
            evidence_table=self.evidence_table, uses_table=self.uses_table,
            claim_line=self.claim_line, reference=self.reference, map_chip=self.map_chip,
            formatted_reference=self.formatted_reference, cite_this=self.cite_this,
            downloads=self.downloads, citation_style_name=self.citations.formatter.style_title,
            theme_chart=lambda: claims_by_theme_chart(graph), source_chart=lambda: sources_by_type_chart(graph),
            last_updated=self.last_updated, base_updated=self.base_updated, history=self.history,
            contested_count=lambda claims: sum(1 for claim in claims if graph.is_contested(claim)),
        )
        """What templates see besides the environment's globals: this graph and its helpers."""

    # --- links ----------------------------------------------------------------

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

    # --- helpers used by templates -----------------------------------------

    def weakest_certainty(self, claim_ids: list[str]) -> Certainty:
        levels = [self.graph.claims[c].certainty for c in claim_ids if c in self.graph.claims]
        return max(levels, key=CERTAINTY_ORDER.index) if levels else Certainty.very_low

    @pass_context
    def evidence_table(self, context: Any, claim: Claim) -> Markup:
        """The quotes behind a claim: quote, stance, source, study."""
        here, g = context["page_url"], self.graph
        rows = []
        for e in claim.evidence:
            source = g.sources[e.source]
            quote = _quote_cell(e.quote, e.locator, e.note, source.url)
            study = (self.link_from(here, g.studies[source.study]) if source.study in g.studies
                     else text(f"{source_type_label(source.type)}, no study"))
            rows.append(f"<tr><td>{quote}</td><td>{stance_label(e.stance)}</td>"
                        f"<td>{self.link_from(here, source)}</td><td>{study}</td></tr>")
        return _table(["Quote", "Stance", "Source", "Study"], rows)

    @pass_context
    def uses_table(self, context: Any, uses: list[QuoteUse]) -> Markup:
        """Backlinks: every quote taken from a source, and the record it serves."""
        here = context["page_url"]
        kind_label = {"claim": "Claim", "recommendation": "Recommendation", "question": "Question"}
        rows = []
        for use in uses:
            role = (stance_label(use.stance) if use.stance else
                    Markup("makes the recommendation" if use.record.kind == "recommendation"
                           else "raises the question"))
            url = self.graph.sources[use.citation.source].url
            rows.append(f"<tr><td>{_quote_cell(use.citation.quote, use.citation.locator, url=url)}</td>"
                        f"<td>{role}</td><td>{kind_label[use.record.kind]}: {self.link_from(here, use.record)}</td>"
                        "</tr>")
        return _table(["Quote", "Stance", "Used in"], rows)

    @pass_context
    def claim_line(self, context: Any, claim: Claim) -> Markup:
        """A claim in a list: link, certainty badge, contested marker."""
        out = f"{self.link_from(context['page_url'], claim)} {certainty_badge(claim.certainty)}"
        if self.graph.is_contested(claim):
            out += f" {contested_marker()}"
        return Markup(out)

    @pass_context
    def reference(self, context: Any, source: Source) -> Markup:
        """A formatted reference whose title links to the source's page, for reference lists.

        Made once per source, with a stand-in for the link that each page fills in.
        """
        made = self._references.get(source.id)
        if made is None:
            made = self._references[source.id] = reference_html(
                self.citations.reference(source), self._addresses(source), (_HREF, source.title))
        return Markup(made.replace(_HREF, href(context["page_url"], self._record_url(source)), 1))

    def formatted_reference(self, record: Source | Claim) -> Markup:
        """The record's formatted reference (citeproc, in the site's CSL style), as HTML."""
        return reference_html(self.citations.reference(record), self._addresses(record), site_url=self.info.url)

    def _addresses(self, record: Source | Claim) -> list[str]:
        """Addresses a reference may print, to be made links."""
        if isinstance(record, Source):
            return [a for a in (f"https://doi.org/{record.doi}" if record.doi else None, record.url) if a]
        return [self.info.permalink("claim", record.id)] if self.info.url else []

    def cite_this(self, record: Source | Claim) -> Markup:
        """A collapsed "Cite this" block: the formatted reference, BibTeX to copy, the permalink."""
        bibtex = html.escape(self.citations.bibtex(record).rstrip("\n"), quote=False)
        out = ['<details class="quote">', "<summary>Cite this</summary>",
               f"<p>{self.formatted_reference(record)}</p>",
               f'<div class="highlight"><pre><span></span><code>{bibtex}</code></pre></div>']
        if self.info.url:
            permalink = escape_attribute(self.info.permalink(record.kind, record.id))
            out.append(f'<p>Permalink: <a href="{permalink}" {REL}>{permalink}</a></p>')
        out.append("</details>")
        return Markup("\n".join(out))

    @pass_context
    def map_chip(self, context: Any, claim: Claim, stances: list[Stance]) -> Markup:
        """A claim in an evidence map cell: its stance letters on its certainty's colour, linking to the claim.

        Screen readers hear the stances, the claim and its certainty instead of the letters.
        """
        letters = "".join(s.value[0].upper() for s in stances)
        spoken = f"{' and '.join(s.value for s in stances)}: {claim.statement} ({claim.certainty.value} certainty)"
        target = href(context["page_url"], self._record_url(claim))
        slug = claim.certainty.value.replace(" ", "-")
        return Markup(f'<a href="{escape_attribute(target)}" title="{escape_attribute(claim.statement)}">'
                      f'<span class="ev-chip ev-certainty-{slug}" aria-hidden="true">{letters}</span>'
                      f"{visually_hidden(spoken)}</a>")

    @pass_context
    def last_updated(self, context: Any, record: Record) -> Markup:
        """When git last saw the record change, with a link to that day in the changelog; empty without history."""
        history = self.history
        if not history.available:
            return Markup("")
        life = history.of(record.kind, record.id, record.aliases)
        changelog = href(context["page_url"], page_url(CHANGELOG, self.info.directory_urls))
        if life is None:
            line = f'Last updated: not committed yet (see the <a href="{changelog}">changelog</a>).'
        elif life.last_changed is None:
            cut = history.cut.isoformat() if history.cut else "an unknown date"
            line = (f"Last updated on or before {cut}; the history available is incomplete "
                    f'(see the <a href="{changelog}">changelog</a>).')
        else:
            day = life.last_changed.isoformat()
            target = f"{changelog}#{day}" if life.last_changed in self._changelog_dates else changelog
            if life.first_added == life.last_changed:
                line = f'Added {day} (see the <a href="{target}">changelog</a>).'
            else:
                cut = history.cut.isoformat() if history.cut else "an unknown date"
                added = life.first_added.isoformat() if life.first_added else f"on or before {cut}"
                line = f'Last updated {day}, first added {added} (see the <a href="{target}">changelog</a>).'
        return Markup(f'<p class="ev-updated">{line}</p>')

    @pass_context
    def base_updated(self, context: Any) -> Markup:
        """When the evidence base last changed, for the home page; empty without history."""
        if not self.history.commits:
            return Markup("")
        day = self.history.commits[0].date.isoformat()
        changelog = href(context["page_url"], page_url(CHANGELOG, self.info.directory_urls))
        return Markup(f'<p>The evidence base was last updated on {day}: see the '
                      f'<a href="{changelog}#{day}">changelog</a> for what changed.</p>')

    # --- pages --------------------------------------------------------------

    def render(self, template: str, uri: str, title: str, **context: Any) -> GeneratedPage:
        headings: list[Heading] = []
        if template not in self._templates:
            self._templates[template] = self.env.get_template(template)
        body = self._templates[template].render(
            self.context, page_uri=uri, page_url=page_url(uri, self.info.directory_urls), headings=headings,
            **context)
        return GeneratedPage(title=title, body=body, headings=headings)

    def pages(self) -> dict[str, GeneratedPage | str]:
        """Every generated page: src_uri → its :class:`GeneratedPage` (or Markdown, for the tags page)."""
        g = self.graph
        pages: dict[str, GeneratedPage | str] = {}
        home = pages["index.md"] = self.render("home.html.j2", "index.md", self.info.name, **self._home_context())
        home.hide.append("navigation")
        home.search = " ".join(filter(None, [self.info.name, self.info.description]))
        pages["evidence-map.md"] = self.render("evidence_map.html.j2", "evidence-map.md", "Evidence map",
                                               **self._map_context())
        pages[TAGS_URI] = TAGS_PAGE
        changelog = pages[CHANGELOG] = self.render("changelog.html.j2", CHANGELOG, "Changelog",
                                                   **self._changelog_context())
        changelog.search = "What changed in the evidence base, newest first."
        if self.downloads is not None:
            downloads = pages[DOWNLOADS_URI] = self.render("downloads.html.j2", DOWNLOADS_URI, "Downloads")
            downloads.search = "Downloads: " + "; ".join(f"{d.name}, {d.title}" for d in self.downloads)
        collections: dict[str, dict[str, Record]] = {
            "theme": g.themes, "claim": g.claims, "source": g.sources, "study": g.studies,
            "recommendation": g.recommendations, "question": g.questions,
        }  # type: ignore[dict-item]
        record_pages = self._record_pages([(kind, record_id) for kind, records in collections.items()
                                           for record_id in records if page_uri(kind, record_id) not in self.reuse])
        record_pages.update(self.reuse)
        for kind, records in collections.items():
            uri = section_uri(kind)
            pages[uri] = self.render(f"{kind}_index.html.j2", uri, KINDS[kind].plural.capitalize(),
                                     records=self._sorted(kind, records))
            for record_id in records:
                uri = page_uri(kind, record_id)
                pages[uri] = record_pages[uri]
        return pages

    def _record_pages(self, wanted: list[tuple[str, str]]) -> dict[str, GeneratedPage]:
        """The page of each (kind, id), by uri; many are rendered by worker processes (:mod:`.workers`),
        after every source's reference is formatted here, once, for all of them."""
        if len(wanted) < PARALLEL_MIN_PAGES or workers.worker_count() < 2:
            return dict(_render_record_pages(self, wanted))
        self.citations.prepare_references()
        return {uri: page for pages in workers.map_in_workers(_render_record_pages, self, workers.share(wanted))
                for uri, page in pages}

    def record_page(self, kind: str, record_id: str) -> GeneratedPage:
        g = self.graph
        record = g.by_kind(kind)[record_id]
        page = self.render(f"{kind}.html.j2", page_uri(kind, record_id), record.title_text, record=record,
                           **self._context_for(record))
        page.search = search_text(record)
        if isinstance(record, Claim):
            page.tags = [g.themes[t].title for t in record.themes if t in g.themes]
        return page

    def _sorted(self, kind: str, records: dict[str, Record]) -> list[Record]:
        if kind == "claim":
            return sorted(records.values(), key=lambda c: (CERTAINTY_ORDER.index(c.certainty),  # type: ignore
                                                           c.statement.lower()))
        if kind == "source":
            return sorted(records.values(), key=lambda s: (s.date or "", s.title), reverse=True)  # type: ignore
        return sorted(records.values(), key=lambda r: r.title_text.lower())

    def _context_for(self, record: Record) -> dict[str, Any]:
        g = self.graph
        if isinstance(record, Claim):
            return {
                "studies": g.independent_studies(record),
                "contradicting_studies": g.independent_studies(record, Stance.contradicts),
                "recommendations": g.recommendations_by_claim.get(record.id, []),
                "questions": g.questions_by_claim.get(record.id, []),
                "cited": self._cited([record]),
            }
        if record.kind == "theme":
            claims = g.claims_by_theme.get(record.id, [])
            by_certainty = {level: [c for c in claims if c.certainty is level] for level in CERTAINTY_ORDER}
            # From the per-claim indexes, so each theme costs its own claims, not the whole base.
            recommendations = {r.id: r for c in claims for r in g.recommendations_by_claim.get(c.id, [])}
            questions = {q.id: q for c in claims for q in g.questions_by_claim.get(c.id, [])}
            return {
                "by_certainty": {k: v for k, v in by_certainty.items() if v},
                "recommendations": [recommendations[k] for k in sorted(recommendations)],
                "questions": [questions[k] for k in sorted(questions)],
                "cited": self._cited(claims),
            }
        if record.kind == "source":
            study_reports = g.reports_by_study.get(record.study or "", [])
            return {
                "uses": g.quotes_by_source.get(record.id, []),
                "other_reports": [s for s in study_reports if s.id != record.id],
            }
        if record.kind == "study":
            reports = g.reports_by_study.get(record.id, [])
            uses = [use for source in reports for use in g.quotes_by_source.get(source.id, [])]
            claims = list({u.record.id: u.record for u in uses if isinstance(u.record, Claim)}.values())
            return {"reports": reports, "uses": uses, "claims": claims}
        return {}

    def _cited(self, claims: list[Claim]) -> list[Source]:
        """The sources the claims quote, once each, newest first: a reference list."""
        sources = {e.source: self.graph.sources[e.source] for c in claims for e in c.evidence
                   if e.source in self.graph.sources}
        return self._sorted("source", sources)  # type: ignore[return-value,arg-type]

    def _home_context(self) -> dict[str, Any]:
        g = self.graph
        headline = [c for c in g.claims.values() if c.headline]
        headline.sort(key=lambda c: (CERTAINTY_ORDER.index(c.certainty), c.statement.lower()))
        return {
            "headline": headline,
            "counts": {
                "sources": len(g.sources), "studies": len(g.studies), "claims": len(g.claims),
                "themes": len(g.themes), "recommendations": len(g.recommendations),
                "questions": len(g.questions),
            },
            "themes": self._sorted("theme", g.themes),  # type: ignore[arg-type]
            "certainty_counts": Counter(c.certainty for c in g.claims.values()),
        }

    def _dates_shown(self) -> set[Any]:
        dates = sorted({c.date for c in self.history.commits}, reverse=True)
        return set(dates[:CHANGELOG_DATES])

    def _changelog_context(self) -> dict[str, Any]:
        """Commits grouped by date, newest first; each date's changes once each, capped (linear in the history)."""
        history = self.history
        days: dict[Any, dict[str, Any]] = {}
        older = 0
        for commit in history.commits:  # newest first
            if commit.date not in self._changelog_dates:
                older += 1
                continue
            day = days.setdefault(commit.date, {"changes": {}, "commits": []})
            day["commits"].append(commit)
            for change in commit.changes:
                # One line per record and action on a day; a record added or renamed that day is not also "changed".
                day["changes"].setdefault((change.action, change.kind, change.record_id, change.old_id), change)
        here = page_url(CHANGELOG, self.info.directory_urls)
        out = []
        for date, day in days.items():
            changes: dict[tuple[Any, ...], Change] = day["changes"]
            fresh = {(c.kind, c.record_id) for c in changes.values() if c.action in (Action.added, Action.renamed)}
            kept = [c for c in changes.values() if not (c.action is Action.changed and (c.kind, c.record_id) in fresh)]
            kept.sort(key=lambda c: (_ACTION_ORDER.index(c.action), list(KINDS).index(c.kind), c.record_id))
            shown, rest = kept[:CHANGELOG_LINES_PER_DATE], kept[CHANGELOG_LINES_PER_DATE:]
            commits = day["commits"]
            out.append({
                "date": date.isoformat(),
                "lines": [self._change_line(c, here) for c in shown],
                "more": _count_changes(rest),
                "commits": commits[:CHANGELOG_COMMITS_PER_DATE],
                "more_commits": len(commits) - CHANGELOG_COMMITS_PER_DATE,
            })
        return {"days": out, "older_commits": older, "max_dates": CHANGELOG_DATES}

    def _change_line(self, change: Change, here: str) -> Markup:
        g, kind = self.graph, change.kind
        noun = KINDS[kind].name
        current = change.now or change.record_id
        record = g.get(kind, current) or g.renamed(kind, current)
        if change.action is Action.removed:
            successor = g.renamed(kind, change.record_id)
            line = f"<strong>Removed</strong> {noun} {code(change.record_id)}"
            if successor is not None:
                line += f"; its address now leads to {self.link_from(here, successor)}"
            return Markup(line)
        label = {Action.added: "Added", Action.changed: "Changed", Action.renamed: "Renamed"}[change.action]
        target = self.link_from(here, record) if record is not None else Markup(f"{code(current)} (since removed)")
        if change.action is Action.renamed:
            return Markup(f"<strong>{label}</strong> {noun} {code(change.old_id or '')} to "
                          f"{code(change.record_id)}: {target}")
        return Markup(f"<strong>{label}</strong> {noun} {target}")

    def _map_context(self) -> dict[str, Any]:
        """Themes × evidence columns: one per study, one per source type for sources of no study."""
        g = self.graph
        here = page_url("evidence-map.md", self.info.directory_urls)
        columns: dict[str, dict[str, Any]] = {}
        for study in sorted(g.studies.values(), key=lambda s: s.title.lower()):
            columns[f"study:{study.id}"] = {"label": self.link_from(here, study), "kind": "study"}
        for source in g.sources.values():
            if source.study not in g.studies:
                key = f"type:{source.type.value}"
                columns.setdefault(key, {"label": text(f"{source_type_label(source.type)} (no study)"),
                                         "kind": "type"})
        cells: dict[tuple[str, str], dict[str, Claim]] = defaultdict(dict)
        stances: dict[tuple[str, str, str], set[Stance]] = defaultdict(set)
        for claim in g.claims.values():
            for evidence in claim.evidence:
                source = g.sources.get(evidence.source)
                if source is None:
                    continue
                column = f"study:{source.study}" if source.study in g.studies else f"type:{source.type.value}"
                for theme in claim.themes:
                    cells[(theme, column)][claim.id] = claim
                    stances[(theme, column, claim.id)].add(evidence.stance)
        themes = self._sorted("theme", g.themes)  # type: ignore[arg-type]
        by_theme: dict[str, list[str]] = defaultdict(list)
        for theme_id, column in cells:
            by_theme[theme_id].append(column)
        order = {key: n for n, key in enumerate(columns)}
        return {
            "themes": themes,
            "columns": columns,
            "grid": len(themes) * len(columns) <= MAP_CELLS,
            "columns_by_theme": {t: sorted(keys, key=order.__getitem__) for t, keys in by_theme.items()},
            "cells": cells,
            "stances": {key: sorted(value, key=STANCE_ORDER.index) for key, value in stances.items()},
        }


# --- template helpers -------------------------------------------------------

_HREF = "\ue020"
"""Stands in for a page's link to a source in a reference made once for every page."""
REL = 'rel="noopener noreferrer"'
"""On every absolute link the templates write, so that ``external_links.add_rel`` has nothing left to do."""


def heading(headings: list[Heading], level: int, title: str, anchor: str | None = None) -> Markup:
    """A heading with its permalink, as Python-Markdown's toc extension writes one; recorded for the page's TOC."""
    anchor = unique(anchor or slugify(title, "-"), {h.id for h in headings})
    headings.append(Heading(level, anchor, " ".join(title.split())))
    return Markup(f'<h{level} id="{anchor}">{text(title)}<a class="headerlink" href="#{anchor}" '
                  f'title="Permanent link">&para;</a></h{level}>')


@pass_context
def _heading(context: Any, level: int, title: str, anchor: str | None = None) -> Markup:
    return heading(context["headings"], level, title, anchor)


def _table(header: list[str], rows: list[str]) -> Markup:
    head = "".join(f"<th>{cell}</th>" for cell in header)
    return Markup(f"<table>\n<thead>\n<tr>{head}</tr>\n</thead>\n<tbody>\n" + "\n".join(rows)
                  + "\n</tbody>\n</table>")


def search_text(record: Record) -> str:
    """What a reader may search a record's page for: its own words and the quotes it rests on."""
    parts: list[str] = [record.title_text]
    if isinstance(record, Claim):
        parts += [record.certainty_rationale, *(e.quote for e in record.evidence)]
    elif isinstance(record, Source):
        parts += [*record.authors, record.outlet or "", record.publisher or "", record.summary or ""]
    elif isinstance(record, Study):
        parts += [record.design, *record.investigators, *record.organisations, record.summary or ""]
    elif isinstance(record, Theme):
        parts.append(record.summary)
    elif isinstance(record, Recommendation):
        parts += [*record.audience, record.rationale, *(c.quote for c in record.made_by)]
    elif isinstance(record, Question):
        parts += [record.why_open, record.would_settle, *(c.quote for c in record.raised_by)]
    return " ".join(" ".join(part.split()) for part in parts if part)


def quoted(quote: str) -> Markup:
    """A verbatim quote in quotation marks, unless it already opens with its own."""
    escaped = text(quote)
    return escaped if quote.lstrip()[:1] in {"“", '"', "‘"} else Markup(f"“{escaped}”")


def external_link(address: str, label: str | None = None, title: str | None = None) -> Markup:
    """A link that leaves the site, marked for print (``ev-external``; ``ev-address`` when it shows its address)."""
    classes = "ev-external" if label is not None and label != address else "ev-external ev-address"
    tooltip = f' title="{escape_attribute(title)}"' if title else ""
    return Markup(f'<a class="{classes}" href="{escape_attribute(address)}"{tooltip} {REL}>'
                  f"{text(address if label is None else label)}</a>")


@cache  # a quote is shown on its claim's page, its source's, its study's and its themes'
def passage_link(url: str | None, quote: str) -> Markup:
    """A link that opens the original at the quoted passage (a URL text fragment), when it has an address."""
    target = link_to_passage(url, quote) if url else None
    if not target:
        return Markup("")
    return external_link(target, "in the source ↗", "Open the original at this passage")


def reference_html(marked: str, addresses: list[str], link: tuple[str, str] | None = None,
                   site_url: str = "") -> Markup:
    """A formatted reference as HTML: all its text escaped, then the style's italics as ``<i>``,
    the first of ``addresses`` it prints as a link (one into ``site_url`` does not leave the site),
    and the title linked to ``link`` (href, tooltip) if given."""
    out = str(text(marked))
    for address in addresses:
        escaped = str(text(address))
        if escaped in out:
            own = site_url and address.startswith(site_url)
            anchor = f'<a href="{escape_attribute(address)}" {REL}>{escaped}</a>' if own else external_link(address)
            out = out.replace(escaped, anchor, 1)
            break
    out = out.replace(ITALIC_START, "<i>").replace(ITALIC_END, "</i>")
    if link:
        target, tooltip = link
        start, end = out.find(TITLE_START), out.find(TITLE_END)
        shown = out[start + len(TITLE_START):end] if 0 <= start < end else None
        title = "" if shown == str(text(tooltip)) else f' title="{escape_attribute(tooltip)}"'
        out = out.replace(TITLE_START, f'<a href="{escape_attribute(target)}"{title}>', 1).replace(TITLE_END, "</a>", 1)
    return Markup(out.replace(TITLE_START, "").replace(TITLE_END, ""))


def _quote_cell(quote: str, locator: str | None = None, note: str | None = None, url: str | None = None) -> Markup:
    out = str(quoted(quote))
    if locator:
        out += f" ({text(locator)})"
    if url and (deep := passage_link(url, quote)):
        out += f" {deep}"
    if note:
        out += f"<br><em>Note:</em> {text(note)}"
    return Markup(out)


def code(value: str) -> Markup:
    """Record text as inline code."""
    return Markup(f"<code>{html.escape(str(value), quote=False)}</code>")


def filesize(size: int) -> Markup:
    """Bytes for readers: "812 bytes", "12.3 kB", "1.4 MB" (powers of 1,000)."""
    if size < 1000:
        return Markup(f"{size} bytes")
    for unit in ("kB", "MB", "GB"):
        size /= 1000  # type: ignore[assignment]
        if size < 1000 or unit == "GB":
            return Markup(f"{size:.1f} {unit}")
    raise AssertionError


def certainty_badge(level: Certainty) -> Markup:
    slug = level.value.replace(" ", "-")
    return Markup(f'<span class="ev-badge ev-certainty-{slug}" title="Certainty: {level.value}">'
                  f"{level.value}</span>")


def visually_hidden(value: str) -> Markup:
    """Text for screen readers only (what a picture or a letter means), escaped like any record text."""
    return Markup(f'<span class="ev-sr">{text(value)}</span>')


def stance_label(stance: Stance) -> Markup:
    return Markup(f'<span class="ev-stance ev-stance-{stance.value}">{stance.value}</span>')


def contested_marker() -> Markup:
    return Markup('<span class="ev-contested" title="Some evidence contradicts this claim">contested</span>')


def source_type_label(source_type: SourceType) -> str:
    return source_type.label


def _count_changes(changes: list[Change]) -> str:
    """ "3 claims added, 1 theme changed" for the changes left off a day of the changelog."""
    counts = Counter((c.action, c.kind) for c in changes)
    parts = []
    for (action, kind), n in sorted(counts.items(), key=lambda item: (_ACTION_ORDER.index(item[0][0]),
                                                                        list(KINDS).index(item[0][1]))):
        noun = KINDS[kind].name if n == 1 else KINDS[kind].plural
        parts.append(f"{n:,} {noun} {action.value}")
    return ", ".join(parts)


def redirect_map(graph: Graph) -> dict[str, str]:
    """Old page → new page for every alias (``claims/old-id.md`` → ``claims/new-id.md``), as docs-relative paths."""
    redirects = {}
    for kind in KINDS:
        for former_id, record in sorted(graph.aliases.get(kind, {}).items()):
            if former_id != record.id and graph.get(kind, former_id) is None:
                redirects[page_uri(kind, former_id)] = page_uri(kind, record.id)
    return redirects


PARALLEL_MIN_PAGES = 1000
"""Fewer record pages than this are rendered in this process: starting workers would cost more than it saves."""


def _render_record_pages(renderer: Renderer, wanted: list[tuple[str, str]]) -> list[tuple[str, GeneratedPage]]:
    return [(page_uri(kind, record_id), renderer.record_page(kind, record_id)) for kind, record_id in wanted]


def render_pages(graph: Graph, info: SiteInfo | None = None, history: History | None = None, *,
                 citations: Citations | None = None, downloads: list[Download] | None = None,
                 reuse: Mapping[str, GeneratedPage] | None = None) -> dict[str, GeneratedPage | str]:
    """Every generated page of the site, keyed by its path in the docs tree: a :class:`GeneratedPage`,
    or Markdown for the tags page. With ``downloads``, also the Downloads page that lists them.

    Record pages in ``reuse`` are taken as they are (see :func:`graph.affected`); the other pages are rendered.
    """
    return Renderer(graph, info, history, citations=citations, downloads=downloads, reuse=reuse).pages()
