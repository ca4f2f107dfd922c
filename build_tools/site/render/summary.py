"""The summary of findings: the table a GRADE-CERQual review publishes, one row per claim, grouped by theme."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from build_tools.engine.graph import Graph
from build_tools.engine.model import CERTAINTY_ORDER, Claim, Source, Study, Theme


class FindingRow(NamedTuple):
    """One claim in the summary of findings: what contributes to it, studies apart from other sources."""

    claim: Claim
    studies: list[Study]
    """The distinct studies whose reports the claim quotes, whatever the stance."""
    other_sources: list[Source]
    """The sources it quotes that report no study."""


def finding_groups(graph: Graph, claims: Iterable[Claim] | None = None) -> list[tuple[Theme | None, list[FindingRow]]]:
    """Claims (every claim, unless given) grouped under the first of their themes that exists (each claim once),
    themes by title, claims most certain first; claims with no theme that exists last (under ``None``). The
    site's table and the printable brief both list them so."""
    groups: dict[str, list[FindingRow]] = {}
    for claim in graph.claims.values() if claims is None else claims:
        home = next((t for t in claim.themes if t in graph.themes), "")
        groups.setdefault(home, []).append(finding_row(graph, claim))
    for rows in groups.values():
        rows.sort(key=lambda row: (CERTAINTY_ORDER.index(row.claim.certainty), row.claim.title_text.lower()))
    themes = sorted(graph.themes.values(), key=lambda theme: theme.title_text.lower())
    ordered: list[tuple[Theme | None, list[FindingRow]]] = [
        (theme, groups[theme.id]) for theme in themes if theme.id in groups]
    if "" in groups:
        ordered.append((None, groups[""]))
    return ordered


def finding_row(graph: Graph, claim: Claim) -> FindingRow:
    studies: dict[str, Study] = {}
    others: dict[str, Source] = {}
    for evidence in claim.evidence:
        source = graph.sources.get(evidence.source)
        if source is None:
            continue
        study = graph.studies.get(source.study or "")
        if study is not None:
            studies.setdefault(study.id, study)
        else:
            others.setdefault(source.id, source)
    return FindingRow(claim, list(studies.values()), list(others.values()))


class SummaryOfFindings:
    """Part of :class:`~build_tools.site.render.renderer.Renderer`: the summary of findings page's context."""

    def _summary_context(self) -> dict[str, Any]:
        ordered = finding_groups(self.graph)
        return {"groups": ordered, "themes": [theme for theme, _ in ordered if theme is not None]}
