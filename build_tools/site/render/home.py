"""The home page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import Any

from build_tools.engine.model import CERTAINTY_ORDER, Certainty, Claim, Source, Theme
from build_tools.site.render.addresses import EVIDENCE_MAP, SUMMARY_OF_FINDINGS, section_uri

HOME_THEMES = 30
"""Themes listed on the home page, at most."""

HOME_HEADLINES = 40
"""Key messages on the home page, at most: the most certain of the claims marked as headline findings."""


class Home:
    """Part of :class:`~build_tools.site.render.renderer.Renderer`: the home page's context."""

    def _home_context(self) -> dict[str, Any]:
        g = self.graph
        headline: dict[Certainty, list[Claim]] = {}
        marked = sorted((c for c in g.claims.values() if c.headline),
                        key=lambda c: (CERTAINTY_ORDER.index(c.certainty), c.title_text.lower()))
        for claim in marked[:HOME_HEADLINES]:  # the most certain, when editors marked more than a page holds
            headline.setdefault(claim.certainty, []).append(claim)
        for claims in headline.values():
            claims.sort(key=lambda c: c.title_text.lower())
        return {
            "headline": {level: headline[level] for level in CERTAINTY_ORDER if level in headline},
            "headlines_left_out": max(0, len(marked) - HOME_HEADLINES),
            "entry_points": self._entry_points(),
            "counts": {
                "sources": len(g.sources), "studies": len(g.studies), "claims": len(g.claims),
                "themes": len(g.themes), "recommendations": len(g.recommendations),
                "questions": len(g.questions),
            },
            "themes": self._home_themes(),
            "certainty_counts": Counter(c.certainty for c in g.claims.values()),
            "published": publication_span(g.sources.values()),
        }

    def _home_themes(self) -> list[Theme]:
        """The themes by title; past ``HOME_THEMES``, the themes with most claims (the themes index has them all)."""
        themes: list[Theme] = self._sorted("theme", self.graph.themes)  # type: ignore[arg-type,assignment]
        if len(themes) > HOME_THEMES:
            largest = {t.id for t in sorted(themes, key=lambda t: -len(self.graph.claims_by_theme.get(t.id, [])))
                       [:HOME_THEMES]}
            themes = [theme for theme in themes if theme.id in largest]
        return themes

    def _entry_points(self) -> list[tuple[str, str, str]]:
        """Where a reader starts: page, label, what it gives; hand-written pages only when the site has them."""
        points = [
            ("overview.md", "Overview", "The findings in prose, and where the sources disagree"),
            (SUMMARY_OF_FINDINGS, "Summary of findings", "Every key message, how certain it is, and why"),
            (EVIDENCE_MAP, "Evidence map", "Where the evidence is strong, thin or contested"),
            (section_uri("recommendation"), "Recommendations", "What the sources propose, who proposes it, "
                                                               "and on what basis"),
            (section_uri("question"), "Open questions", "What nobody knows yet, and what would settle it"),
            ("methods.md", "Methods", "How the synthesis was made and how certainty is judged"),
        ]
        generated = {SUMMARY_OF_FINDINGS, EVIDENCE_MAP, section_uri("recommendation"), section_uri("question")}
        return [point for point in points if point[0] in generated or point[0] in self.info.pages]


def publication_span(sources: Collection[Source]) -> dict[str, int | None]:
    """The first and last year in which the sources appeared, and how many carry no date."""
    years = [int(source.date[:4]) for source in sources if source.date]
    undated = sum(1 for source in sources if not source.date)
    return {"first": min(years, default=None), "last": max(years, default=None), "undated": undated}
