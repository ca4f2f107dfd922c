"""Graph: every index the validator and the site need, computed once, in one pass.

The graph tolerates references that do not resolve: it leaves them out of the
indexes and lists them in :attr:`Graph.unresolved`, for the validator to report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from build_tools.engine.load import EvidenceBase
from build_tools.engine.model import (
    CERTAINTY_ORDER,
    Certainty,
    Citation,
    Claim,
    Evidence,
    Question,
    Recommendation,
    Record,
    Source,
    SourceType,
    Stance,
    Study,
    Theme,
)


class EvidenceCount(NamedTuple):
    """The evidence of one stance on a claim, counted as a reader should weigh it."""

    studies: list[str]
    """Distinct studies, by id: two reports of one study are one study."""
    without_study: dict[SourceType, int]
    """Distinct sources that report no study, by type (opinion pieces, news reports, ...)."""

    @property
    def sources_without_study(self) -> int:
        return sum(self.without_study.values())

    def __bool__(self) -> bool:
        return bool(self.studies or self.without_study)


class Reference(NamedTuple):  # named tuples: ten times as many as records, and quicker to make than dataclasses
    """A field of ``record`` at ``loc`` that names the ``kind`` record ``target``."""

    record: Record
    loc: tuple[str | int, ...]
    kind: str
    target: str


class QuoteUse(NamedTuple):
    """One citation of a source: who cites it (a claim, recommendation or question) and how."""

    record: Record
    loc: tuple[str | int, ...]
    citation: Citation

    @property
    def stance(self) -> Stance | None:
        return self.citation.stance if isinstance(self.citation, Evidence) else None


def references(record: Record) -> Iterator[Reference]:
    """Every reference a record makes to another record."""
    if isinstance(record, Source) and record.study:
        yield Reference(record, ("study",), "study", record.study)
    elif isinstance(record, Claim):
        for i, theme in enumerate(record.themes):
            yield Reference(record, ("themes", i), "theme", theme)
    elif isinstance(record, (Recommendation, Question)):
        for i, claim in enumerate(record.claims):
            yield Reference(record, ("claims", i), "claim", claim)
    for loc, citation in citations(record):
        yield Reference(record, (*loc, "source"), "source", citation.source)


def citations(record: Record) -> Iterator[tuple[tuple[str | int, ...], Citation]]:
    """Every quote a record makes, with its place in the record."""
    if isinstance(record, Claim):
        for i, item in enumerate(record.evidence):
            yield ("evidence", i), item
    elif isinstance(record, Recommendation):
        for i, item in enumerate(record.made_in):
            yield ("made_in", i), item
    elif isinstance(record, Question):
        for i, item in enumerate(record.raised_by):
            yield ("raised_by", i), item


@dataclass
class Graph:
    sources: dict[str, Source]
    studies: dict[str, Study]
    claims: dict[str, Claim]
    themes: dict[str, Theme]
    recommendations: dict[str, Recommendation]
    questions: dict[str, Question]
    claims_by_theme: dict[str, list[Claim]] = field(default_factory=lambda: defaultdict(list))
    quotes_by_source: dict[str, list[QuoteUse]] = field(default_factory=lambda: defaultdict(list))
    reports_by_study: dict[str, list[Source]] = field(default_factory=lambda: defaultdict(list))
    recommendations_by_claim: dict[str, list[Recommendation]] = field(default_factory=lambda: defaultdict(list))
    questions_by_claim: dict[str, list[Question]] = field(default_factory=lambda: defaultdict(list))
    unresolved: list[Reference] = field(default_factory=list)
    # kind → former id → the record that lists it in its aliases (the first one, if two do).
    aliases: dict[str, dict[str, Record]] = field(default_factory=lambda: defaultdict(dict))

    def __post_init__(self) -> None:
        self._by_kind: dict[str, dict[str, Record]] = {
            "source": self.sources, "study": self.studies, "claim": self.claims, "theme": self.themes,
            "recommendation": self.recommendations, "question": self.questions,
        }  # type: ignore[dict-item]

    def get(self, kind: str, record_id: str) -> Record | None:
        return self._by_kind[kind].get(record_id)

    def by_kind(self, kind: str) -> dict[str, Record]:
        return self._by_kind[kind]

    def renamed(self, kind: str, former_id: str) -> Record | None:
        """The record that was once ``kind:former_id`` and lists that id in its aliases."""
        return self.aliases.get(kind, {}).get(former_id)

    def evidence_count(self, claim: Claim, stance: Stance = Stance.supports) -> EvidenceCount:
        """What stands behind the evidence of one stance: the distinct studies (reports of one study count
        once), and apart from them the sources that report no study (an opinion piece is not a study)."""
        studies: set[str] = set()
        without_study: dict[str, Source] = {}
        for evidence in claim.evidence:
            source = self.sources.get(evidence.source)
            if evidence.stance is not stance or source is None:
                continue
            if source.study in self.studies:
                studies.add(source.study)  # type: ignore[arg-type]
            else:
                without_study[source.id] = source
        kinds: dict[SourceType, int] = {}
        for source in without_study.values():
            kinds[source.type] = kinds.get(source.type, 0) + 1
        return EvidenceCount(sorted(studies), dict(sorted(kinds.items(), key=lambda item: list(SourceType).index(
            item[0]))))

    def independent_studies(self, claim: Claim, stance: Stance = Stance.supports) -> list[str]:
        """The ids of the distinct studies behind the evidence of one stance; sources of no study are no study."""
        return self.evidence_count(claim, stance).studies

    def certainty_spread(self, claim_ids: list[str]) -> dict[Certainty, int]:
        """How many of these claims are at each certainty (each claim once), most certain first; levels no claim
        has are left out."""
        counts = dict.fromkeys(CERTAINTY_ORDER, 0)
        for claim_id in dict.fromkeys(claim_ids):
            claim = self.claims.get(claim_id)
            if claim is not None:
                counts[claim.certainty] += 1
        return {level: count for level, count in counts.items() if count}

    def is_contested(self, claim: Claim) -> bool:
        """Some evidence contradicts the claim."""
        return any(e.stance is Stance.contradicts for e in claim.evidence)

    def is_qualified(self, claim: Claim) -> bool:
        """Some evidence qualifies the claim (limits, conditions or nuances it)."""
        return any(e.stance is Stance.qualifies for e in claim.evidence)

    def neighbours(self, record: Record) -> Iterator[Record]:
        """The records this one names, and those that name it (a source: the claims quoting it)."""
        for ref in references(record):
            target = self.get(ref.kind, ref.target)
            if target is not None:
                yield target
        if isinstance(record, Source):
            yield from (use.record for use in self.quotes_by_source.get(record.id, []))
        elif isinstance(record, Study):
            yield from self.reports_by_study.get(record.id, [])
        elif isinstance(record, Theme):
            yield from self.claims_by_theme.get(record.id, [])
        elif isinstance(record, Claim):
            yield from self.recommendations_by_claim.get(record.id, [])
            yield from self.questions_by_claim.get(record.id, [])


def affected(old: Graph, new: Graph, hops: int = 2) -> set[tuple[str, str]]:
    """(kind, id) of the records whose pages may differ between two graphs.

    Those added, removed or changed, and the records up to ``hops`` links away from
    them in either graph: a page shows its record's neighbours, and some of theirs
    (a claim page, the studies behind the sources it quotes). A study page also shows
    the titles of the themes of the claims that quote its reports, three links away:
    those studies are added for the themes that changed, rather than a third hop for all.
    """
    changed: set[tuple[str, str]] = set()
    for kind in old._by_kind:
        before, after = old.by_kind(kind), new.by_kind(kind)
        for record_id in before.keys() | after.keys():
            was, now = before.get(record_id), after.get(record_id)
            if was is None or now is None or was.__dict__ != now.__dict__:  # fields, not where they were written
                changed.add((kind, record_id))
    found, frontier = set(changed), changed
    for _ in range(hops):
        reached = {(n.kind, n.id) for graph in (old, new) for kind, record_id in frontier
                   if (record := graph.get(kind, record_id)) is not None for n in graph.neighbours(record)}
        frontier = reached - found
        found |= frontier
    for graph in (old, new):
        for kind, theme_id in changed:
            if kind != "theme":
                continue
            for claim in graph.claims_by_theme.get(theme_id, []):
                for evidence in claim.evidence:
                    source = graph.sources.get(evidence.source)
                    if source is not None and source.study:
                        found.add(("study", source.study))
    return found


def build_graph(base: EvidenceBase) -> Graph:
    r = base.records
    graph = Graph(
        sources=r["source"], studies=r["study"], claims=r["claim"], themes=r["theme"],  # type: ignore[arg-type]
        recommendations=r["recommendation"], questions=r["question"],  # type: ignore[arg-type]
    )
    # What `references` yields, checked here field by field: making a Reference of each of the tens of
    # thousands that resolve would take half the time of building the graph.
    unresolved, quotes_by_source = graph.unresolved, graph.quotes_by_source
    for record in base.all_records():
        for alias in record.aliases:
            graph.aliases[record.kind].setdefault(alias, record)
        if isinstance(record, Source):
            if record.study and record.study not in graph.studies:
                unresolved.append(Reference(record, ("study",), "study", record.study))
            continue
        if isinstance(record, Claim):
            for i, theme in enumerate(record.themes):
                if theme not in graph.themes:
                    unresolved.append(Reference(record, ("themes", i), "theme", theme))
        elif isinstance(record, (Recommendation, Question)):
            for i, claim_id in enumerate(record.claims):
                if claim_id not in graph.claims:
                    unresolved.append(Reference(record, ("claims", i), "claim", claim_id))
        for loc, citation in citations(record):
            if citation.source in graph.sources:
                quotes_by_source[citation.source].append(QuoteUse(record, loc, citation))
            else:
                unresolved.append(Reference(record, (*loc, "source"), "source", citation.source))
    for claim in graph.claims.values():
        for theme in dict.fromkeys(claim.themes):
            if theme in graph.themes:
                graph.claims_by_theme[theme].append(claim)
    for source in graph.sources.values():
        if source.study in graph.studies:
            graph.reports_by_study[source.study].append(source)
    for recommendation in graph.recommendations.values():
        for claim_id in dict.fromkeys(recommendation.claims):
            if claim_id in graph.claims:
                graph.recommendations_by_claim[claim_id].append(recommendation)
    for question in graph.questions.values():
        for claim_id in dict.fromkeys(question.claims):
            if claim_id in graph.claims:
                graph.questions_by_claim[claim_id].append(question)
    return graph
