"""Long lists in pages of a bounded size (issue #20): every record stays reachable, each part has a stable
address and a pager, the evidence map aggregates, and a small synthesis looks exactly as before."""

from __future__ import annotations

import re

import pytest
from support import Project, build_synthetic_site, write_site_base

from build_tools.engine.graph import build_graph
from build_tools.engine.load import load_evidence
from build_tools.engine.model import CERTAINTY_ORDER
from build_tools.site.render import TAGS_URI, paging, render_pages, renderer
from build_tools.site.render import evidence_map as evidence_map_module
from build_tools.site.render.paging import part_owner, part_uri, parts


def test_part_addresses_depend_only_on_the_page_number_and_lead_back_to_their_list():
    assert part_uri("claims/index.md", 1) == "claims/index.md"
    assert part_uri("claims/index.md", 2) == "claims/pages/2.md"
    assert part_uri("themes/autonomy.md", 3) == "themes/autonomy/3.md"
    assert part_uri("evidence-map.md", 2) == "evidence-map/2.md"
    for base in ["claims/index.md", "themes/autonomy.md", "evidence-map.md", "summary-of-findings.md"]:
        for number in (1, 2, 17):
            assert part_owner(part_uri(base, number)) == base
    # pages that are no later part own themselves: a record whose id is a number, a map below a theme
    for uri in ["claims/2.md", "themes/autonomy/map.md", "themes/autonomy.md", "index.md", "claims/pages.md"]:
        assert part_owner(uri) == uri


def test_parts_cover_the_list_once_and_the_pager_stays_short():
    split = parts("claims/index.md", 1001, 100)
    assert [p.number for p in split] == list(range(1, 12)) and {p.count for p in split} == {11}
    items = list(range(1001))
    assert [i for p in split for i in p.take(items)] == items
    assert split[-1].take(items) == [1000]
    assert parts("claims/index.md", 0, 100)[0].count == 1  # an empty list is one (empty) page
    assert split[5].window() == [1, None, 4, 5, 6, 7, 8, None, 11]
    assert split[0].window() == [1, 2, 3, None, 11]
    assert all(len(p.window()) <= 9 for p in parts("x.md", 10**6, 1))
    assert split[0].number_of(0) == 1 and split[0].number_of(100) == 2 and split[0].number_of(1000) == 11


@pytest.fixture
def graph(project: Project):
    write_site_base(project)
    return build_graph(load_evidence(project.evidence))


def _links(body: str, folder: str) -> set[str]:
    return set(re.findall(rf'href="(?:\.\./)*{folder}/([a-z0-9-]+)/"', body))


def test_a_small_synthesis_has_no_pager_and_no_later_parts(graph):
    pages = render_pages(graph)
    assert not any("ev-pager" in page.body for page in pages.values() if not isinstance(page, str))
    assert all(part_owner(uri) == uri for uri in pages)
    assert "<!-- material/tags -->" in pages[TAGS_URI]
    assert "ev-chip" in pages["evidence-map.md"].body  # the map shows every claim
    assert not any(uri.endswith("/map.md") for uri in pages)
    assert "evidence map of this theme" not in pages["themes/autonomy.md"].body


def test_long_lists_are_split_into_parts_that_together_list_every_record(graph, monkeypatch):
    monkeypatch.setattr(paging, "LIST_SIZE", 2)
    monkeypatch.setattr(paging, "ENTRIES_SIZE", 1)
    pages = render_pages(graph)
    claims = set(graph.claims)
    assert len(claims) > 2
    index_parts = [uri for uri in pages if part_owner(uri) == "claims/index.md"]
    assert index_parts[0] == "claims/index.md" and "claims/pages/2.md" in index_parts
    listed: list[str] = []
    for number, uri in enumerate(index_parts, start=1):
        body = pages[uri].body
        rows = re.findall(r'<tr><td[^>]*><a href="(?:\.\./)*(?:claims/)?([a-z0-9-]+)/"', body)
        assert 0 < len(rows) <= 2, uri
        listed += rows
        assert f'<a aria-current="page">{number}</a>' in body
        assert pages[uri].title == ("Claims" if number == 1 else f"Claims (page {number} of {len(index_parts)})")
        if number > 1:
            assert 'rel="prev"' in body
    assert sorted(listed) == sorted(claims), "each claim on exactly one page of the index"
    # each level of certainty is reachable from the first page, at the page where it starts
    first = pages["claims/index.md"].body
    assert "By certainty:" in first and re.search(r'href="pages/\d+/">', first)

    # a theme's claims, one page each, all of them over the parts; the summary on every part
    theme = "autonomy"
    theme_parts = [uri for uri in pages if part_owner(uri) == f"themes/{theme}.md"]
    assert len(theme_parts) == len(graph.claims_by_theme[theme]) > 1
    shown = [link for uri in theme_parts for link in _links(pages[uri].body, "claims")]
    assert sorted(shown) == sorted(c.id for c in graph.claims_by_theme[theme])
    assert all(pages[uri].search is None for uri in theme_parts[1:]), "later parts stay out of search"
    assert pages[theme_parts[0]].search

    # a source's quoting records, over its parts
    source = "journal-report"
    source_parts = [uri for uri in pages if part_owner(uri) == f"sources/{source}.md"]
    quoting = {use.record.id for use in graph.quotes_by_source[source] if use.record.kind == "claim"}
    assert len(source_parts) > 1
    assert {link for uri in source_parts for link in _links(pages[uri].body, "claims")} >= quoting
    assert "Provenance" in pages[source_parts[0]].body and "Provenance" not in pages[source_parts[1]].body

    # the summary of findings: every claim once, and each theme's rows found from the first page
    sof = [uri for uri in pages if part_owner(uri) == "summary-of-findings.md"]
    rows = [row for uri in sof for row in re.findall(r'<tr data-themes="[^"]*" data-certainty', pages[uri].body)]
    assert len(sof) > 1 and len(rows) == len(claims)
    for anchor, target in re.findall(r'<li><a href="([^"#]*)#(sof-[a-z0-9-]+)"',
                                     pages["summary-of-findings.md"].body):
        number = anchor.strip("/").split("/")[-1]
        uri = "summary-of-findings.md" if anchor == "./" else f"summary-of-findings/{number}.md"
        assert f'id="{target}"' in pages[uri].body, (anchor, target)


def test_a_large_evidence_map_counts_each_theme_and_maps_each_theme_on_its_own_page(graph, monkeypatch):
    monkeypatch.setattr(evidence_map_module, "MAP_CHIPS", 1)
    pages = render_pages(graph)
    summary = pages["evidence-map.md"].body
    assert "ev-chip" not in summary
    for theme_id, claims in graph.claims_by_theme.items():
        row = re.search(rf'<tr><th scope="row"><a href="../themes/{theme_id}/">.*?</tr>', summary).group(0)
        assert re.search(rf'</th><td data-label="Claims">{len(claims)}</td>', row), row
        contested = sum(1 for c in claims if graph.is_contested(c))
        assert f'"Contested">{contested}</td>' in row
        assert f'href="../themes/{theme_id}/map/"' in row
        theme_map = pages[f"themes/{theme_id}/map.md"].body
        assert {m for m in _links(theme_map, "claims")} == {c.id for c in claims}
        assert "ev-chip" in theme_map
        assert '<a href="map/">evidence map of this theme</a>' in pages[f"themes/{theme_id}.md"].body


def test_past_a_thousand_tagged_claims_the_tags_page_lists_the_themes(graph, monkeypatch):
    monkeypatch.setattr(renderer, "TAGGED_MAX", 1)
    page = render_pages(graph)[TAGS_URI]
    assert not isinstance(page, str)
    assert _links(page.body, "themes") == set(graph.themes)




@pytest.mark.slow
def test_a_synthesis_of_a_thousand_claims_builds_strict_with_every_page_light(tmp_path):
    """The defaults, end to end: at 1,000 claims the map, the summary of findings and the claims index were
    0.4 to 1.4 MB each before lists were paged."""
    build_synthetic_site(tmp_path, 1000)
    site = tmp_path / "site"
    sizes = {path.relative_to(site).as_posix(): path.stat().st_size for path in site.rglob("*.html")}
    heaviest = max(sizes, key=sizes.__getitem__)
    assert sizes[heaviest] <= 500_000, (heaviest, sizes[heaviest])
    assert (site / "claims" / "pages" / "2" / "index.html").is_file()
    assert (site / "summary-of-findings" / "2" / "index.html").is_file()
    evidence_map = (site / "evidence-map" / "index.html").read_text(encoding="utf-8")
    assert "ev-chip" not in evidence_map and 'href="../themes/' in evidence_map


def test_the_home_page_and_its_chart_stay_short_however_many_themes_and_headlines(project, monkeypatch):
    from build_tools.site import charts
    from build_tools.site.render import home

    write_site_base(project)
    project.write("theme", "engagement", "id: engagement\ntitle: Engagement\nsummary: Few claims so far.\n")
    claim = project.evidence / "claims" / "effect-unknown.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace("themes: [autonomy]", "themes: [engagement]"),
                     encoding="utf-8")
    graph = build_graph(load_evidence(project.evidence))
    assert len(graph.claims_by_theme["engagement"]) < len(graph.claims_by_theme["autonomy"])
    for claim_id, claim in graph.claims.items():  # every claim a headline finding
        graph.claims[claim_id] = claim.model_copy(update={"headline": True})
    monkeypatch.setattr(home, "HOME_HEADLINES", 1)
    monkeypatch.setattr(home, "HOME_THEMES", 1)
    monkeypatch.setattr(charts, "CHART_THEMES", 1)
    body = render_pages(graph)["index.md"].body
    key_messages = re.findall(r'<a class="ev-more" href="claims/([a-z0-9-]+)/"', body)
    most_certain = min(graph.claims.values(), key=lambda c: (CERTAINTY_ORDER.index(c.certainty), c.title_text))
    assert key_messages == [most_certain.id]
    assert f"And {len(graph.claims) - 1} more headline findings, less certain than these" in body
    largest = max(graph.themes, key=lambda t: len(graph.claims_by_theme.get(t, [])))
    themes = body[body.index('id="themes"'):body.index('id="how-certain-is-the-evidence"')]
    assert _links(themes, "themes") == {largest}
    assert f"The 1 themes with most claims, of {len(graph.themes)}" in themes
    assert f"the 1 themes with most claims, of {len(graph.themes)}" in body  # the chart's title says so too


def test_a_theme_that_draws_on_many_studies_has_its_map_in_pages(graph, monkeypatch):
    monkeypatch.setattr(evidence_map_module, "MAP_CHIPS", 1)
    monkeypatch.setattr(paging, "ENTRIES_SIZE", 1)
    pages = render_pages(graph)
    theme = "autonomy"
    parts = [uri for uri in pages if part_owner(uri) == f"themes/{theme}/map.md"]
    assert len(parts) > 1 and parts[1] == f"themes/{theme}/map/2.md"
    chips = set().union(*(_links(pages[uri].body, "claims") for uri in parts))
    assert chips == {c.id for c in graph.claims_by_theme[theme]}
    assert 'rel="next"' in pages[parts[0]].body and 'rel="prev"' in pages[parts[1]].body
