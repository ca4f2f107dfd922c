"""Record pages: what each kind of record's page shows besides the record (its neighbours in the graph)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup

import build_tools.site.render.paging as paging
from build_tools.engine.graph import Graph, QuoteUse
from build_tools.engine.model import (
    BASIS_ORDER,
    CERTAINTY_ORDER,
    Certainty,
    Claim,
    Evidence,
    Question,
    Recommendation,
    Record,
    Source,
    SourceType,
    Study,
    Theme,
)
from build_tools.site.render.addresses import page_uri, theme_feed
from build_tools.site.render.evidence_map import theme_map_uri
from build_tools.site.render.markup import (
    STANCE_ORDER,
    certainty_badge,
    contested_marker,
    passage_link,
    qualified_marker,
    quote_cell,
    quoted,
    source_type_label,
    stance_label,
    text,
)
from build_tools.site.render.page import GeneratedPage
from build_tools.site.render.paging import part_title, parts


def weakest_certainty(graph: Graph, claim_ids: list[str]) -> Certainty:
    """The lowest certainty among these claims (very low when there are none)."""
    return next(reversed(graph.certainty_spread(claim_ids)), Certainty.very_low)


def best_founded_first(graph: Graph, recommendations: Iterable[Recommendation]) -> list[Recommendation]:
    """Recommendations by the certainty of the weakest claim each rests on, then by basis, then by statement."""
    return sorted(recommendations, key=lambda r: (CERTAINTY_ORDER.index(weakest_certainty(graph, r.claims)),
                                                  BASIS_ORDER.index(r.basis), r.statement.lower()))


class RecordPages:
    """Part of :class:`~build_tools.site.render.renderer.Renderer`: record pages and their templates' helpers."""

    def weakest_certainty(self, claim_ids: list[str]) -> Certainty:
        """The lowest certainty among these claims (very low when there are none)."""
        return weakest_certainty(self.graph, claim_ids)

    def spread_line(self, recommendation: Recommendation, lowest: bool = True) -> Markup:
        """The certainty of the claims a recommendation rests on: "lowest low: 2 moderate and 1 low (3 claims)"."""
        spread = self.graph.certainty_spread(recommendation.claims)
        total = sum(spread.values())
        if not total:
            return Markup("no claim")
        parts = [f"{count} {level.value}" for level, count in spread.items()]
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        said = f"{listed} ({total} claim{'s' if total != 1 else ''})" if total > 1 else f"{listed} (1 claim)"
        if not lowest:
            return Markup(said)
        return Markup(f"lowest {certainty_badge(self.weakest_certainty(recommendation.claims))}: {said}")

    def recommendation_orders(self, ordered: list[Recommendation]) -> dict[str, dict[str, int]]:
        """Other orders the recommendations index can be sorted in, as each one's rank: by basis, by title."""
        by_basis = sorted(ordered, key=lambda r: BASIS_ORDER.index(r.basis))  # stable: then as listed
        by_title = sorted(ordered, key=lambda r: r.statement.lower())
        return {"basis": {r.id: i for i, r in enumerate(by_basis)},
                "title": {r.id: i for i, r in enumerate(by_title)}}

    @pass_context
    def evidence_block(self, context: Any, evidence: Evidence) -> Markup:
        """One quote behind a claim, as a reader reads it: the words, then who says them, where, and in which
        study."""
        here, g = context["page_url"], self.graph
        source = g.sources[evidence.source]
        kind = "" if source.type is SourceType.other else f", {text(source_type_label(source.type).lower())}"
        where = [f"{self.link_from(here, source)}{kind}" + (f", {text(source.date[:4])}" if source.date else "")]
        if evidence.locator:
            where.append(str(text(evidence.locator)))
        where.append(f"study: {self.link_from(here, g.studies[source.study])}" if source.study in g.studies
                     else "reports no study")
        if source.url and (deep := passage_link(source.url, evidence.quote)):
            where.append(str(deep))
        caption = f'<span class="ev-who">{text(evidence.note)}</span><br>' if evidence.note else ""
        caption += " · ".join(where)
        if evidence.elision_note:
            caption += f"<br><em>Words left out:</em> {text(evidence.elision_note)}"
        return Markup(f'<figure class="ev-quote ev-quote-{evidence.stance.value}">\n'
                      f"<blockquote><p>{quoted(evidence.quote)}</p></blockquote>\n"
                      f"<figcaption>{caption}</figcaption>\n</figure>")

    @pass_context
    def quotes_of_record(self, context: Any, record: Record, uses: list[QuoteUse]) -> Markup:
        """The quotes one record takes from a source (or a study's reports), under that record's title, once."""
        here = context["page_url"]
        kind_label = {"claim": "Claim", "recommendation": "Recommendation", "question": "Open question"}
        head = f"{kind_label[record.kind]}: {self.link_from(here, record)}"
        if isinstance(record, Claim):
            head += f" {certainty_badge(record.certainty)}{self.claim_markers(record)}"
        items = []
        for use in uses:
            source = self.graph.sources[use.citation.source]
            role = (f"{stance_label(use.stance)} " if use.stance else
                    ("makes it: " if record.kind == "recommendation" else "raises it: "))
            cell = quote_cell(use.citation.quote, use.citation.locator, url=source.url,
                              elision_note=use.citation.elision_note)
            items.append(f"<li>{role}{cell}</li>")
        return Markup(f'<div class="ev-use">\n<p class="ev-use-record">{head}</p>\n'
                      f'<ul class="ev-use-quotes">\n' + "\n".join(items) + "\n</ul>\n</div>")

    def quote_entries(self, uses: list[QuoteUse]) -> list[tuple[tuple[int, str], str, Record, list[QuoteUse]]]:
        """Quotes grouped by the record that uses them, each under its section's title: the records by theme
        (a claim under its first theme), then recommendations, then open questions; each record once, however
        many quotes it takes."""
        by_record: dict[tuple[str, str], tuple[Record, list[QuoteUse]]] = {}
        for use in uses:
            by_record.setdefault((use.record.kind, use.record.id), (use.record, []))[1].append(use)
        # keyed by theme id (two themes may share a title), then recommendations, then questions
        entries: list[tuple[tuple[int, str], str, Record, list[QuoteUse]]] = []
        for record, its_uses in by_record.values():
            if isinstance(record, Claim):
                theme = self.graph.themes.get(record.themes[0])
                key, title = ((0, theme.title.lower() + "\0" + theme.id), theme.title) if theme else ((1, ""), "Claims")
            elif record.kind == "recommendation":
                key, title = (2, ""), "Recommendations"
            else:
                key, title = (3, ""), "Open questions"
            entries.append((key, title, record, its_uses))
        entries.sort(key=lambda entry: entry[0])  # stable: records keep their order within a section
        return entries

    @pass_context
    def claim_line(self, context: Any, claim: Claim) -> Markup:
        """A claim in a list: link, certainty badge, contested and qualified markers."""
        return Markup(f"{self.link_from(context['page_url'], claim)} {certainty_badge(claim.certainty)}"
                      f"{self.claim_markers(claim)}")

    def claim_markers(self, claim: Claim) -> Markup:
        """ " contested" when some evidence contradicts the claim, " qualified" when some qualifies it."""
        out = f" {contested_marker()}" if self.graph.is_contested(claim) else ""
        out += f" {qualified_marker()}" if self.graph.is_qualified(claim) else ""
        return Markup(out)

    def record_page(self, kind: str, record_id: str) -> dict[str, GeneratedPage]:
        """The record's page by its docs path, and the later parts of its list when it is long (:mod:`.paging`):
        a theme's claims with their quotes, a source's or a study's quoting records."""
        g = self.graph
        record = g.by_kind(kind)[record_id]
        base = page_uri(kind, record_id)
        entries, context = self._context_for(record)
        pages = {}
        for part in parts(base, len(entries), paging.ENTRIES_SIZE):
            page = self.render(f"{kind}.html.j2", part.uri, part_title(record.title_text, part), record=record,
                               part=part, **context, **self._part_context(record, part.take(entries)))
            if part.number == 1:
                page.search = search_text(record)
            if isinstance(record, Claim):
                page.tags = [g.themes[t].title for t in record.themes if t in g.themes]
            if kind == "theme":
                page.feed = theme_feed(record_id)
            pages[part.uri] = page
        return pages

    def _context_for(self, record: Record) -> tuple[list[Any], dict[str, Any]]:
        """What the record's page lists in parts (its entries), and what every part shows."""
        g = self.graph
        if isinstance(record, Claim):
            return [], {
                "counts": {stance: g.evidence_count(record, stance) for stance in STANCE_ORDER},
                "by_stance": {stance: entries for stance in STANCE_ORDER
                              if (entries := [e for e in record.evidence if e.stance is stance])},
                "recommendations": g.recommendations_by_claim.get(record.id, []),
                "questions": g.questions_by_claim.get(record.id, []),
                "cited": self._cited([record]),
            }
        if record.kind == "theme":
            claims = g.claims_by_theme.get(record.id, [])
            ordered = [c for level in CERTAINTY_ORDER for c in claims if c.certainty is level]
            # From the per-claim indexes, so each theme costs its own claims, not the whole base.
            recommendations = {r.id: r for c in claims for r in g.recommendations_by_claim.get(c.id, [])}
            questions = {q.id: q for c in claims for q in g.questions_by_claim.get(c.id, [])}
            return ordered, {
                "recommendations": [recommendations[k] for k in sorted(recommendations)],
                "questions": [questions[k] for k in sorted(questions)],
                "shown": paging.LIST_SIZE,
                "theme_map": theme_map_uri(record.id) if self.theme_maps else None,
                "feed": theme_feed(record.id),
            }
        if record.kind == "source":
            study_reports = g.reports_by_study.get(record.study or "", [])
            return self.quote_entries(g.quotes_by_source.get(record.id, [])), {
                "other_reports": [s for s in study_reports if s.id != record.id],
            }
        if record.kind == "study":
            reports = g.reports_by_study.get(record.id, [])
            uses = [use for source in reports for use in g.quotes_by_source.get(source.id, [])]
            return self.quote_entries(uses), {"reports": reports}
        return [], {}

    def _part_context(self, record: Record, entries: Sequence[Any]) -> dict[str, Any]:
        """What one part of a record's page lists: a theme's claims by certainty and the sources they cite;
        a source's or study's quoting records, by section."""
        if record.kind == "theme":
            by_certainty: dict[Certainty, list[Claim]] = {}
            for claim in entries:
                by_certainty.setdefault(claim.certainty, []).append(claim)
            return {"by_certainty": by_certainty, "cited": self._cited(list(entries))}
        if record.kind in ("source", "study"):
            sections: dict[tuple[int, str], tuple[str, list[tuple[Record, list[QuoteUse]]]]] = {}
            for key, title, quoting, uses in entries:
                sections.setdefault(key, (title, []))[1].append((quoting, uses))
            return {"sections": list(sections.values())}
        return {}

    def _cited(self, claims: list[Claim]) -> list[Source]:
        """The sources the claims quote, once each, newest first: a reference list."""
        sources = {e.source: self.graph.sources[e.source] for c in claims for e in c.evidence
                   if e.source in self.graph.sources}
        return self._sorted("source", sources)  # type: ignore[return-value,arg-type]


def search_text(record: Record) -> str:
    """What a reader may search a record's page for: its own words and the quotes it rests on."""
    parts: list[str] = [record.title_text]
    if isinstance(record, Claim):
        parts += [record.statement, record.certainty_rationale, *(e.quote for e in record.evidence)]
    elif isinstance(record, Source):
        parts += [*record.authors, record.outlet or "", record.publisher or "", record.summary or ""]
    elif isinstance(record, Study):
        parts += [record.design, *record.investigators, *record.organisations, record.summary or ""]
    elif isinstance(record, Theme):
        parts.append(record.summary)
    elif isinstance(record, Recommendation):
        parts += [*record.made_by, *record.audience, record.rationale, *(c.quote for c in record.made_in)]
    elif isinstance(record, Question):
        parts += [record.why_open, record.would_settle, *(c.quote for c in record.raised_by)]
    return " ".join(" ".join(part.split()) for part in parts if part)
