"""Render: the graph into Markdown pages, through Jinja templates. Pure functions of the graph and its history.

Record text is data. Every ``{{ expression }}`` in a template is escaped for
Markdown and HTML unless it is :class:`markupsafe.Markup` (what the link and
badge helpers return), so a field can never inject markup, and record text is
only ever a value passed to a template, never template source.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from markupsafe import Markup

from .charts import claims_by_theme_chart, sources_by_type_chart
from .citations import ITALIC_END, ITALIC_START, TITLE_END, TITLE_START, Citations
from .exports import Download
from .graph import Graph, QuoteUse
from .history import Action, Change, History
from .model import CERTAINTY_ORDER, KINDS, Certainty, Claim, Record, Source, SourceType, Stance
from .quotes import link_to_passage
from .site import SiteInfo

__all__ = ["Renderer", "SiteInfo", "escape_inline", "page_uri", "relative", "render_pages"]

TEMPLATES = Path(__file__).parent / "templates"
STANCE_ORDER = [Stance.supports, Stance.contradicts, Stance.qualifies]
CHANGELOG = "changelog.md"
# The changelog stays readable at any size: the newest dates only, and a few lines per date.
CHANGELOG_DATES = 100
CHANGELOG_LINES_PER_DATE = 40
CHANGELOG_COMMITS_PER_DATE = 10
_ACTION_ORDER = [Action.added, Action.renamed, Action.changed, Action.removed]

# --- escaping ---------------------------------------------------------------

_INLINE_SPECIAL = re.compile(r"([\\`*_{}\[\]|])")
_LINE_START = re.compile(r"^(\s*)([#+\->=]|\d+[.)])")


def escape_inline(text: str) -> Markup:
    """One line of record text, safe in Markdown, HTML and table cells."""
    text = " ".join(str(text).split())
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    text = html.escape(text, quote=False)
    text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2) if m.group(2)[0] in "#+->=" else
                           m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)
    return Markup(text)


def escape_paragraphs(text: str) -> Markup:
    """Record text with blank-line paragraphs, each escaped like :func:`escape_inline`."""
    paragraphs = [p for p in re.split(r"\n\s*\n", str(text).strip()) if p.strip()]
    return Markup("\n\n".join(escape_inline(p) for p in paragraphs))


def escape_attribute(text: str) -> str:
    """Text for a Markdown link title: one line, no double quotes or markup."""
    return html.escape(" ".join(str(text).split()), quote=True)


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup) or value is None:
        return value if value is not None else ""
    if isinstance(value, (int, float)):
        return value
    return escape_inline(str(value))


# --- URLs and links ---------------------------------------------------------

def page_uri(kind: str, record_id: str) -> str:
    return f"{KINDS[kind].folder}/{record_id}.md"


def section_uri(kind: str) -> str:
    return f"{KINDS[kind].folder}/index.md"


def relative(from_uri: str, to_uri: str) -> str:
    return posixpath.relpath(to_uri, posixpath.dirname(from_uri) or ".")


DOWNLOADS_URI = "downloads/index.md"


class Renderer:
    def __init__(self, graph: Graph, info: SiteInfo | None = None, history: History | None = None, *,
                 citations: Citations | None = None, downloads: list[Download] | None = None) -> None:
        self.graph = graph
        self.info = info or SiteInfo()
        self.history = history or History.unavailable("no history was given to the renderer")
        self._changelog_dates = self._dates_shown()
        self.citations = citations or Citations(graph, self.info, history=self.history)
        self.downloads = downloads
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=False,  # Markdown, not HTML: escaping is done by _finalize instead
            finalize=_finalize,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(
            paragraphs=escape_paragraphs, attr=escape_attribute, quoted=quoted, code=code,
            certainty_badge=certainty_badge, filesize=filesize,
            stance_label=stance_label,
        )
        self.env.globals.update(
            link=_link, url=_url, graph=graph, info=self.info,
            CERTAINTY_ORDER=CERTAINTY_ORDER, Stance=Stance, source_type_label=source_type_label,
            weakest_certainty=self.weakest_certainty, contested_marker=contested_marker,
            front_matter=front_matter, evidence_table=self.evidence_table, uses_table=self.uses_table,
            claim_line=self.claim_line, reference=self.reference, map_chip=self.map_chip,
            formatted_reference=self.formatted_reference, cite_this=self.cite_this, passage_link=passage_link,
            downloads=self.downloads, downloads_uri=DOWNLOADS_URI,
            citation_style_name=self.citations.formatter.style_title,
            theme_chart=lambda: claims_by_theme_chart(graph), source_chart=lambda: sources_by_type_chart(graph),
            sr=visually_hidden, last_updated=self.last_updated, base_updated=self.base_updated,
            history=self.history,
        )
        self.env.tests["contested"] = graph.is_contested
        self.env.filters["theme_title"] = lambda theme_id: graph.themes[theme_id].title

    # --- helpers used by templates -----------------------------------------

    def weakest_certainty(self, claim_ids: list[str]) -> Certainty:
        levels = [self.graph.claims[c].certainty for c in claim_ids if c in self.graph.claims]
        return max(levels, key=CERTAINTY_ORDER.index) if levels else Certainty.very_low

    @pass_context
    def evidence_table(self, context: Any, claim: Claim) -> Markup:
        """The quotes behind a claim: quote, stance, source, study."""
        page, g = context["page_uri"], self.graph
        rows = ["| Quote | Stance | Source | Study |", "| --- | --- | --- | --- |"]
        for e in claim.evidence:
            source = g.sources[e.source]
            quote = _quote_cell(e.quote, e.locator, e.note, source.url)
            study = (_link_for(g.studies[source.study], page) if source.study in g.studies
                     else escape_inline(f"{source_type_label(source.type)}, no study"))
            rows.append(f"| {quote} | {stance_label(e.stance)} | {_link_for(source, page)} | {study} |")
        return Markup("\n".join(rows))

    @pass_context
    def uses_table(self, context: Any, uses: list[QuoteUse]) -> Markup:
        """Backlinks: every quote taken from a source, and the record it serves."""
        page = context["page_uri"]
        rows = ["| Quote | Stance | Used in |", "| --- | --- | --- |"]
        for use in uses:
            role = (stance_label(use.stance) if use.stance else
                    Markup("makes the recommendation" if use.record.kind == "recommendation"
                           else "raises the question"))
            kind_label = {"claim": "Claim", "recommendation": "Recommendation", "question": "Question"}
            url = self.graph.sources[use.citation.source].url
            rows.append(f"| {_quote_cell(use.citation.quote, use.citation.locator, url=url)} | {role} | "
                        f"{kind_label[use.record.kind]}: {_link_for(use.record, page)} |")
        return Markup("\n".join(rows))

    @pass_context
    def claim_line(self, context: Any, claim: Claim) -> Markup:
        """A claim as a list item: link, certainty badge, contested marker."""
        out = f"{_link_for(claim, context['page_uri'])} {certainty_badge(claim.certainty)}"
        if self.graph.is_contested(claim):
            out += f" {contested_marker()}"
        return Markup(out)

    @pass_context
    def reference(self, context: Any, source: Source) -> Markup:
        """A formatted reference whose title links to the source's page, for reference lists."""
        href = relative(context["page_uri"], page_uri("source", source.id))
        return reference_markdown(self.citations.reference(source), self._addresses(source), (href, source.title))

    def formatted_reference(self, record: Source | Claim) -> Markup:
        """The record's formatted reference (citeproc, in the site's CSL style), as Markdown."""
        return reference_markdown(self.citations.reference(record), self._addresses(record))

    def _addresses(self, record: Source | Claim) -> list[str]:
        """Addresses a reference may print, to be made links."""
        if isinstance(record, Source):
            return [a for a in (f"https://doi.org/{record.doi}" if record.doi else None, record.url) if a]
        return [self.info.permalink("claim", record.id)] if self.info.url else []

    def cite_this(self, record: Source | Claim) -> Markup:
        """A collapsed "Cite this" block: the formatted reference, BibTeX to copy, the permalink."""
        bibtex = self.citations.bibtex(record).rstrip("\n")
        fence = "`" * max([3, *(len(run) + 1 for run in re.findall(r"`+", bibtex))])
        lines = ['??? quote "Cite this"', "", f"    {self.formatted_reference(record)}", "",
                 f"    {fence}bibtex", *(f"    {line}" for line in bibtex.split("\n")), f"    {fence}"]
        if self.info.url:
            permalink = escape_attribute(self.info.permalink(record.kind, record.id))
            lines += ["", f"    Permalink: <{permalink}>"]
        return Markup("\n".join(lines))

    @pass_context
    def map_chip(self, context: Any, claim: Claim, stances: list[Stance]) -> Markup:
        """A claim in an evidence map cell: its stance letters on its certainty's colour, linking to the claim.

        Screen readers hear the stances, the claim and its certainty instead of the letters.
        """
        letters = "".join(s.value[0].upper() for s in stances)
        spoken = f"{' and '.join(s.value for s in stances)}: {claim.statement} ({claim.certainty.value} certainty)"
        href = relative(context["page_uri"], page_uri("claim", claim.id))
        slug = claim.certainty.value.replace(" ", "-")
        return Markup(f'[<span class="ev-chip ev-certainty-{slug}" aria-hidden="true">{letters}</span>'
                      f'{visually_hidden(spoken)}]({href} "{escape_attribute(claim.statement)}")')

    @pass_context
    def last_updated(self, context: Any, record: Record) -> Markup:
        """When git last saw the record change, with a link to that day in the changelog; empty without history."""
        history = self.history
        if not history.available:
            return Markup("")
        life = history.of(record.kind, record.id, record.aliases)
        changelog = relative(context["page_uri"], CHANGELOG)
        if life is None:
            return Markup(f"Last updated: not committed yet (see the [changelog]({changelog})).")
        cut = history.cut.isoformat() if history.cut else "an unknown date"
        if life.last_changed is None:
            return Markup(f"Last updated on or before {cut}; the history available is incomplete "
                          f"(see the [changelog]({changelog})).")
        day = life.last_changed.isoformat()
        target = f"{changelog}#{day}" if life.last_changed in self._changelog_dates else changelog
        if life.first_added == life.last_changed:
            return Markup(f"Added {day} (see the [changelog]({target})).")
        added = life.first_added.isoformat() if life.first_added else f"on or before {cut}"
        return Markup(f"Last updated {day}, first added {added} (see the [changelog]({target})).")

    @pass_context
    def base_updated(self, context: Any) -> Markup:
        """When the evidence base last changed, for the home page; empty without history."""
        if not self.history.commits:
            return Markup("")
        day = self.history.commits[0].date.isoformat()
        return Markup(f"The evidence base was last updated on {day}: see the "
                      f"[changelog]({relative(context['page_uri'], CHANGELOG)}#{day}) for what changed.")

    # --- pages --------------------------------------------------------------

    def render(self, template: str, uri: str, **context: Any) -> str:
        return self.env.get_template(template).render(page_uri=uri, **context)

    def pages(self) -> dict[str, str]:
        """Every generated page: src_uri → Markdown."""
        g = self.graph
        pages: dict[str, str] = {}
        pages["index.md"] = self.render("home.md.j2", "index.md", **self._home_context())
        pages["evidence-map.md"] = self.render("evidence_map.md.j2", "evidence-map.md", **self._map_context())
        pages["tags.md"] = self.render("tags.md.j2", "tags.md")
        pages[CHANGELOG] = self.render("changelog.md.j2", CHANGELOG, **self._changelog_context())
        if self.downloads is not None:
            pages[DOWNLOADS_URI] = self.render("downloads.md.j2", DOWNLOADS_URI)
        collections: dict[str, dict[str, Record]] = {
            "theme": g.themes, "claim": g.claims, "source": g.sources, "study": g.studies,
            "recommendation": g.recommendations, "question": g.questions,
        }  # type: ignore[dict-item]
        for kind, records in collections.items():
            uri = section_uri(kind)
            pages[uri] = self.render(f"{kind}_index.md.j2", uri, records=self._sorted(kind, records))
            for record in records.values():
                uri = page_uri(kind, record.id)
                pages[uri] = self.render(f"{kind}.md.j2", uri, record=record, **self._context_for(record))
        return pages

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
                "lines": [self._change_line(c) for c in shown],
                "more": _count_changes(rest),
                "commits": commits[:CHANGELOG_COMMITS_PER_DATE],
                "more_commits": len(commits) - CHANGELOG_COMMITS_PER_DATE,
            })
        return {"days": out, "older_commits": older, "max_dates": CHANGELOG_DATES}

    def _change_line(self, change: Change) -> Markup:
        g, kind = self.graph, change.kind
        noun = KINDS[kind].name
        current = change.now or change.record_id
        record = g.get(kind, current) or g.renamed(kind, current)
        if change.action is Action.removed:
            successor = g.renamed(kind, change.record_id)
            line = f"**Removed** {noun} {code(change.record_id)}"
            if successor is not None:
                line += f"; its address now leads to {_link_for(successor, CHANGELOG)}"
            return Markup(line)
        label = {Action.added: "Added", Action.changed: "Changed", Action.renamed: "Renamed"}[change.action]
        target = _link_for(record, CHANGELOG) if record is not None else Markup(f"{code(current)} (since removed)")
        if change.action is Action.renamed:
            return Markup(f"**{label}** {noun} {code(change.old_id or '')} to {code(change.record_id)}: {target}")
        return Markup(f"**{label}** {noun} {target}")

    def _map_context(self) -> dict[str, Any]:
        """Themes × evidence columns: one per study, one per source type for sources of no study."""
        g = self.graph
        columns: dict[str, dict[str, Any]] = {}
        for study in sorted(g.studies.values(), key=lambda s: s.title.lower()):
            columns[f"study:{study.id}"] = {"label": _link_for(study, "evidence-map.md"), "kind": "study"}
        for source in g.sources.values():
            if source.study not in g.studies:
                key = f"type:{source.type.value}"
                columns.setdefault(key, {"label": Markup(escape_inline(
                    f"{source_type_label(source.type)} (no study)")), "kind": "type"})
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
        return {
            "themes": self._sorted("theme", g.themes),  # type: ignore[arg-type]
            "columns": columns,
            "cells": cells,
            "stances": {key: sorted(value, key=STANCE_ORDER.index) for key, value in stances.items()},
        }


# --- template helpers -------------------------------------------------------

def quoted(quote: str) -> Markup:
    """A verbatim quote in quotation marks, unless it already opens with its own."""
    text = escape_inline(quote)
    return text if quote.lstrip()[:1] in {"“", '"', "‘"} else Markup(f"“{text}”")


def passage_link(url: str | None, quote: str) -> Markup:
    """A link that opens the original at the quoted passage (a URL text fragment), when it has an address."""
    target = link_to_passage(url, quote) if url else None
    if not target:
        return Markup("")
    return Markup(f'[in the source ↗]({escape_attribute(target)} "Open the original at this passage")')


def reference_markdown(marked: str, addresses: list[str], link: tuple[str, str] | None = None) -> Markup:
    """A formatted reference as Markdown: all its text escaped, then the style's italics as ``<i>``,
    the first of ``addresses`` it prints as a link, and the title linked to ``link`` (href, tooltip) if given."""
    text = str(escape_inline(marked))
    for url in addresses:
        escaped = str(escape_inline(url))
        if escaped in text:
            text = text.replace(escaped, f"<{escape_attribute(url)}>", 1)
            break
    text = text.replace(ITALIC_START, "<i>").replace(ITALIC_END, "</i>")
    if link:
        href, tooltip = link
        text = text.replace(TITLE_START, "[", 1).replace(TITLE_END, f']({href} "{escape_attribute(tooltip)}")', 1)
    return Markup(text.replace(TITLE_START, "").replace(TITLE_END, ""))


def _quote_cell(quote: str, locator: str | None = None, note: str | None = None, url: str | None = None) -> Markup:
    out = str(quoted(quote))
    if locator:
        out += f" ({escape_inline(locator)})"
    if url and (deep := passage_link(url, quote)):
        out += f" {deep}"
    if note:
        out += f"<br>*Note:* {escape_inline(note)}"
    return Markup(out)


def _link_for(record: Record, from_uri: str, target: Record | None = None, text: str | None = None) -> Markup:
    target = target or record
    href = relative(from_uri or "index.md", page_uri(target.kind, target.id))
    if text is None or " ".join(text.split()) == " ".join(target.title_text.split()):
        # No title when it would repeat the link text: screen readers would read it twice,
        # and at 10,000 claims the repeats were a quarter of the Markdown to convert.
        return Markup(f"[{escape_inline(target.title_text)}]({href})")
    return Markup(f'[{escape_inline(text)}]({href} "{escape_attribute(target.title_text)}")')


@pass_context
def _link(context: Any, record: Record, text: str | None = None) -> Markup:
    return _link_for(record, context["page_uri"], text=text)


@pass_context
def _url(context: Any, target_uri: str) -> str:
    return relative(context["page_uri"], target_uri)


def code(text: str) -> Markup:
    """Record text as inline code: HTML-escaped only, since Markdown escapes do not apply in code."""
    return Markup(f"<code>{html.escape(str(text), quote=False)}</code>")


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


def visually_hidden(text: str) -> Markup:
    """Text for screen readers only (what a picture or a letter means), escaped like any record text."""
    return Markup(f'<span class="ev-sr">{escape_inline(text)}</span>')


def stance_label(stance: Stance) -> Markup:
    return Markup(f'<span class="ev-stance ev-stance-{stance.value}">{stance.value}</span>')


def contested_marker() -> Markup:
    return Markup('<span class="ev-contested" title="Some evidence contradicts this claim">contested</span>')


def source_type_label(source_type: SourceType) -> str:
    return source_type.label


def front_matter(title: str, tags: list[str] | None = None) -> Markup:
    """YAML front matter for a generated page.

    MkDocs would otherwise take the title from the h1 as *unescaped* text, and
    Material prints titles and tag names into the HTML as they are; so both are
    given here, HTML-escaped once. JSON strings are valid YAML scalars.
    """
    lines = ["---", f"title: {json.dumps(escape_attribute(title), ensure_ascii=False)}"]
    if tags:
        lines.append("tags:")
        lines.extend(f"  - {json.dumps(escape_attribute(tag), ensure_ascii=False)}" for tag in tags)
    lines.append("---")
    return Markup("\n".join(lines))


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


def render_pages(graph: Graph, info: SiteInfo | None = None, history: History | None = None, *,
                 citations: Citations | None = None, downloads: list[Download] | None = None) -> dict[str, str]:
    """Every generated page of the site, as Markdown keyed by its path in the docs tree.

    With ``downloads``, also the Downloads page that lists them.
    """
    return Renderer(graph, info, history, citations=citations, downloads=downloads).pages()
