"""The summary of findings: the table a GRADE-CERQual review publishes, one row per claim, grouped by theme."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from build_tools.engine.graph import Graph
from build_tools.engine.model import CERTAINTY_ORDER, Claim, Source, Study, Theme
from build_tools.site.render.markup import slug


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

    def _summary_rows(self) -> list[tuple[Theme | None, FindingRow]]:
        """Every row of the table, each under its group's theme, in the table's order (for paging)."""
        return [(theme, row) for theme, rows in finding_groups(self.graph) for row in rows]

    def _summary_context(self, rows: list[tuple[Theme | None, FindingRow]]) -> dict[str, Any]:
        starts: dict[str, tuple[Theme | None, int, int]] = {}  # group → its theme, first row, rows
        for index, (theme, _) in enumerate(rows):
            key = theme.id if theme else ""
            first = starts.get(key, (theme, index, 0))
            starts[key] = (first[0], first[1], first[2] + 1)
        return {"group_starts": list(starts.values()),
                "regroup": regroup, "themes": [theme for theme, _, _ in starts.values() if theme is not None]}


def summary_filters(item: tuple[Theme | None, FindingRow]) -> dict[str, list[str]]:
    """The values of the summary of findings' filters for one row (as its ``data-`` attributes carry them)."""
    claim = item[1].claim
    return {"themes": list(claim.themes), "certainty": [slug(claim.certainty.value)]}


def regroup(rows: Iterable[tuple[Theme | None, FindingRow]]) -> list[tuple[Theme | None, list[FindingRow]]]:
    """Consecutive rows of one theme as one group (a page of the table may start or end inside a group)."""
    groups: list[tuple[Theme | None, list[FindingRow]]] = []
    for theme, row in rows:
        if not groups or groups[-1][0] is not theme:
            groups.append((theme, []))
        groups[-1][1].append(row)
    return groups
