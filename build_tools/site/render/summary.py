"""The summary of findings: the table a GRADE-CERQual review publishes, one row per claim, grouped by theme."""

from __future__ import annotations

from typing import Any, NamedTuple

from build_tools.engine.model import CERTAINTY_ORDER, Claim, Source, Study, Theme


class FindingRow(NamedTuple):
    """One claim in the summary of findings: what contributes to it, studies apart from other sources."""

    claim: Claim
    studies: list[Study]
    """The distinct studies whose reports the claim quotes, whatever the stance."""
    other_sources: list[Source]
    """The sources it quotes that report no study."""


class SummaryOfFindings:
    """Part of :class:`~build_tools.site.render.renderer.Renderer`: the summary of findings page's context."""

    def _summary_context(self) -> dict[str, Any]:
        """Claims grouped under the first of their themes that exists (each claim once), themes by title, claims
        most certain first; claims with no theme that exists last."""
        g = self.graph
        groups: dict[str, list[FindingRow]] = {}
        for claim in g.claims.values():
            home = next((t for t in claim.themes if t in g.themes), "")
            groups.setdefault(home, []).append(self._finding_row(claim))
        for rows in groups.values():
            rows.sort(key=lambda row: (CERTAINTY_ORDER.index(row.claim.certainty), row.claim.title_text.lower()))
        themes: list[Theme] = self._sorted("theme", g.themes)  # type: ignore[assignment,arg-type]
        ordered = [(theme, groups[theme.id]) for theme in themes if theme.id in groups]
        if "" in groups:
            ordered.append((None, groups[""]))
        return {"groups": ordered, "themes": [theme for theme, _ in ordered if theme is not None]}

    def _finding_row(self, claim: Claim) -> FindingRow:
        g = self.graph
        studies: dict[str, Study] = {}
        others: dict[str, Source] = {}
        for evidence in claim.evidence:
            source = g.sources.get(evidence.source)
            if source is None:
                continue
            study = g.studies.get(source.study or "")
            if study is not None:
                studies.setdefault(study.id, study)
            else:
                others.setdefault(source.id, source)
        return FindingRow(claim, list(studies.values()), list(others.values()))
