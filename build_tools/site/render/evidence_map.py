"""The evidence map: themes × studies, each cell the claims that draw on them."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup

from build_tools.engine.model import Claim, Stance
from build_tools.site.render.addresses import EVIDENCE_MAP, href, page_url
from build_tools.site.render.markup import STANCE_ORDER, escape_attribute, source_type_label, text, visually_hidden

MAP_CELLS = 2500
"""Up to this many cells (themes × columns), the evidence map is a grid whose empty cells show the gaps;
beyond it, a grid would grow with the square of the records, so each theme lists only the studies it draws on."""


class EvidenceMap:
    """Part of :class:`~build_tools.site.render.renderer.Renderer`: the evidence map page."""

    @pass_context
    def map_chip(self, context: Any, claim: Claim, stances: list[Stance]) -> Markup:
        """A claim in an evidence map cell: its stance letters on its certainty's colour, linking to the claim.

        Screen readers hear the stances, the claim and its certainty instead of the letters.
        """
        letters = "".join(s.value[0].upper() for s in stances)
        spoken = f"{' and '.join(s.value for s in stances)}: {claim.title_text} ({claim.certainty.value} certainty)"
        target = href(context["page_url"], self._record_url(claim))
        slug = claim.certainty.value.replace(" ", "-")
        return Markup(f'<a href="{escape_attribute(target)}" title="{escape_attribute(claim.title_text)}">'
                      f'<span class="ev-chip ev-certainty-{slug}" aria-hidden="true">{letters}</span>'
                      f"{visually_hidden(spoken)}</a>")

    def _map_context(self) -> dict[str, Any]:
        """Themes × evidence columns: one per study, one per source type for sources of no study."""
        g = self.graph
        here = page_url(EVIDENCE_MAP, self.info.directory_urls)
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
