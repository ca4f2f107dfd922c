"""The home page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import Any

from build_tools.engine.model import CERTAINTY_ORDER, Source


class Home:
    """Part of :class:`~build_tools.site.render.renderer.Renderer`: the home page's context."""

    def _home_context(self) -> dict[str, Any]:
        g = self.graph
        headline = [c for c in g.claims.values() if c.headline]
        headline.sort(key=lambda c: (CERTAINTY_ORDER.index(c.certainty), c.title_text.lower()))
        return {
            "headline": headline,
            "counts": {
                "sources": len(g.sources), "studies": len(g.studies), "claims": len(g.claims),
                "themes": len(g.themes), "recommendations": len(g.recommendations),
                "questions": len(g.questions),
            },
            "themes": self._sorted("theme", g.themes),  # type: ignore[arg-type]
            "certainty_counts": Counter(c.certainty for c in g.claims.values()),
            "published": publication_span(g.sources.values()),
        }


def publication_span(sources: Collection[Source]) -> dict[str, int | None]:
    """The first and last year in which the sources appeared, and how many carry no date."""
    years = [int(source.date[:4]) for source in sources if source.date]
    undated = sum(1 for source in sources if not source.date)
    return {"first": min(years, default=None), "last": max(years, default=None), "undated": undated}
