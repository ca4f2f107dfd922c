"""The evidence map: themes × studies, each cell the claims that draw on them.

Small, it is one grid of chips, one chip a claim. Past ``MAP_CHIPS`` chips the map aggregates: a row per
theme, counting its claims by certainty and its evidence by stance, each theme's chips on a map of its own
(``themes/<id>/map/``), so that no page grows with the square of the records.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup

import build_tools.site.render.paging as paging
from build_tools.engine.model import CERTAINTY_ORDER, Claim, Stance
from build_tools.site.render.addresses import EVIDENCE_MAP, href, page_uri, page_url
from build_tools.site.render.markup import STANCE_ORDER, escape_attribute, source_type_label, text, visually_hidden
from build_tools.site.render.page import GeneratedPage

MAP_CHIPS = 1500
"""Up to this many chips (a claim in a cell) the map shows them all on one page; beyond, it aggregates."""

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

    def map_pages(self) -> dict[str, GeneratedPage]:
        """The evidence map, whole when small, else aggregated by theme, with a map of each theme."""
        g = self.graph
        columns = self._map_columns()
        cells, stances = self._map_cells()
        themes = self._sorted("theme", g.themes)  # type: ignore[arg-type]
        order = {key: n for n, key in enumerate(columns)}
        by_theme: dict[str, list[str]] = defaultdict(list)
        for theme_id, column in cells:
            by_theme[theme_id].append(column)
        shared = {"cells": cells, "stances": {key: sorted(value, key=STANCE_ORDER.index)
                                              for key, value in stances.items()},
                  "columns_by_theme": {t: sorted(keys, key=order.__getitem__) for t, keys in by_theme.items()}}
        self.theme_maps = sum(len(claims) for claims in cells.values()) > MAP_CHIPS
        if not self.theme_maps:
            return {EVIDENCE_MAP: self.render(
                "evidence_map.html.j2", EVIDENCE_MAP, "Evidence map", themes=themes, of_theme=None,
                columns=self._labelled(columns, EVIDENCE_MAP), grid=len(themes) * len(columns) <= MAP_CELLS, **shared)}
        pages: dict[str, GeneratedPage] = self.render_parts(
            "evidence_map_summary.html.j2", EVIDENCE_MAP, "Evidence map", themes, rows=self._map_rows(cells, stances),
            columns=columns, map_uri=theme_map_uri)
        for theme in themes:  # each theme's map in pages of studies: a broad theme draws on many
            pages.update(self.render_parts(
                "evidence_map.html.j2", theme_map_uri(theme.id), f"Evidence map: {theme.title_text}",
                shared["columns_by_theme"].get(theme.id, []), size=paging.ENTRIES_SIZE, themes=[theme],
                of_theme=theme, columns=columns, grid=False, **shared))
        return pages

    def _labelled(self, columns: dict[str, dict[str, Any]], uri: str) -> dict[str, dict[str, Any]]:
        """Columns with their headings as links from the page at ``uri``."""
        here = page_url(uri, self.info.directory_urls)
        return {key: {"label": self.link_from(here, column["record"]) if "record" in column else column["label"],
                      "kind": column["kind"]} for key, column in columns.items()}

    def _map_columns(self) -> dict[str, dict[str, Any]]:
        """Evidence columns: one per study, one per source type for sources of no study."""
        g = self.graph
        columns: dict[str, dict[str, Any]] = {}
        for study in sorted(g.studies.values(), key=lambda s: s.title.lower()):
            columns[f"study:{study.id}"] = {"record": study, "kind": "study"}
        for source in g.sources.values():
            if source.study not in g.studies:
                key = f"type:{source.type.value}"
                columns.setdefault(key, {"label": text(f"{source_type_label(source.type)} (no study)"),
                                         "kind": "type"})
        return columns

    def _map_cells(self) -> tuple[dict[tuple[str, str], dict[str, Claim]], dict[tuple[str, str, str], set[Stance]]]:
        """The claims of each (theme, column) cell, and each claim's stances there: one pass over the evidence."""
        g = self.graph
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
        return cells, stances

    def _map_rows(self, cells: dict[tuple[str, str], dict[str, Claim]],
                  stances: dict[tuple[str, str, str], set[Stance]]) -> dict[str, dict[str, Any]]:
        """Each theme's counts for the aggregated map: claims by certainty (and how many contested), evidence
        columns drawn on, claims by how the evidence bears on them."""
        g = self.graph
        rows: dict[str, dict[str, Any]] = {}
        for theme_id, claims in g.claims_by_theme.items():
            by_certainty = {level: 0 for level in CERTAINTY_ORDER}
            for claim in claims:
                by_certainty[claim.certainty] += 1
            rows[theme_id] = {"claims": len(claims), "by_certainty": by_certainty,
                              "contested": sum(1 for claim in claims if g.is_contested(claim)),
                              "columns": 0, "stances": {stance: 0 for stance in STANCE_ORDER}}
        for theme_id, _column in cells:
            if theme_id in rows:
                rows[theme_id]["columns"] += 1
        for (theme_id, _column, _claim), its in stances.items():
            if theme_id in rows:
                for stance in its:
                    rows[theme_id]["stances"][stance] += 1
        return rows


def theme_map_uri(theme_id: str) -> str:
    """The map of one theme's evidence, below the theme's page: ``themes/<id>/map.md``."""
    return page_uri("theme", theme_id).removesuffix(".md") + "/map.md"
