"""Record pages: what each kind of record's page shows besides the record (its neighbours in the graph)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup

from build_tools.engine.graph import Graph, QuoteUse
from build_tools.engine.model import (
    BASIS_ORDER,
    CERTAINTY_ORDER,
    Certainty,
    Claim,
    Question,
    Recommendation,
    Record,
    Source,
    Study,
    Theme,
)
from build_tools.site.render.addresses import page_uri
from build_tools.site.render.markup import (
    STANCE_ORDER,
    certainty_badge,
    contested_marker,
    qualified_marker,
    quote_cell,
    source_type_label,
    stance_label,
    table,
    text,
)
from build_tools.site.render.page import GeneratedPage


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
    def evidence_table(self, context: Any, claim: Claim) -> Markup:
        """The quotes behind a claim: quote, stance, source, study."""
        here, g = context["page_url"], self.graph
        rows = []
        for e in claim.evidence:
            source = g.sources[e.source]
            quote = quote_cell(e.quote, e.locator, e.note, source.url, e.elision_note)
            study = (self.link_from(here, g.studies[source.study]) if source.study in g.studies
                     else text(f"{source_type_label(source.type)}, no study"))
            rows.append(f"<tr><td>{quote}</td><td>{stance_label(e.stance)}</td>"
                        f"<td>{self.link_from(here, source)}</td><td>{study}</td></tr>")
        return table(["Quote", "Stance", "Source", "Study"], rows)

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
            cell = quote_cell(use.citation.quote, use.citation.locator, url=url,
                              elision_note=use.citation.elision_note)
            rows.append(f"<tr><td>{cell}</td>"
                        f"<td>{role}</td><td>{kind_label[use.record.kind]}: {self.link_from(here, use.record)}</td>"
                        "</tr>")
        return table(["Quote", "Stance", "Used in"], rows)

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

    def record_page(self, kind: str, record_id: str) -> GeneratedPage:
        g = self.graph
        record = g.by_kind(kind)[record_id]
        page = self.render(f"{kind}.html.j2", page_uri(kind, record_id), record.title_text, record=record,
                           **self._context_for(record))
        page.search = search_text(record)
        if isinstance(record, Claim):
            page.tags = [g.themes[t].title for t in record.themes if t in g.themes]
        return page

    def _context_for(self, record: Record) -> dict[str, Any]:
        g = self.graph
        if isinstance(record, Claim):
            return {
                "counts": {stance: g.evidence_count(record, stance) for stance in STANCE_ORDER},
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
