"""A reader's path through the fixture's site in Chromium: home, search, claim ⇄ source, previews, map, palette."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixture_synthesis import SITE_NAME
from support import pagefind_entries

WORD = re.compile(r"(?<![\w'’-])[a-z]{7,}(?![\w'’-])")


def words(text: str) -> set[str]:
    return set(WORD.findall(text.lower()))


# Material's instant navigation makes every link absolute: links are matched on the full address.


def heading(page) -> str:
    return " ".join(page.locator(".md-content h1").first.inner_text().replace("¶", "").split())


def test_home_loads_with_headline_findings_and_themes(page, site, graph):
    response = page.goto(site.url)
    assert response is not None and response.ok
    expect(page).to_have_title(re.compile(re.escape(SITE_NAME)))
    assert heading(page) == SITE_NAME
    headline = [c for c in graph.claims.values() if c.headline]
    assert headline
    for claim in headline:
        expect(page.locator(f'.md-content a[href="{site.url}claims/{claim.id}/"]').first).to_be_visible()
    for theme in graph.themes.values():
        expect(page.locator(f'.md-content a[href="{site.url}themes/{theme.id}/"]').first).to_be_visible()


def quote_only_word(graph) -> tuple[str, str]:
    """A word that occurs in the quotes of exactly one claim and in no claim's statement or any record's title.

    Long words first (short ones are likelier to be stemmed into common ones), then alphabetical.
    """
    in_statements = set().union(*(words(f"{c.statement} {c.title_text} {c.id.replace('-', ' ')}")
                                  for c in graph.claims.values()))
    titles = [r.title_text for kind in ("sources", "studies", "themes", "recommendations", "questions")
              for r in getattr(graph, kind).values()]
    excluded = in_statements | set().union(*(words(t) for t in titles))
    owners: dict[str, set[str]] = {}
    for claim in graph.claims.values():
        for evidence in claim.evidence:
            for word in words(evidence.quote) - excluded:
                owners.setdefault(word, set()).add(claim.id)
    candidates = {word: next(iter(ids)) for word, ids in owners.items() if len(ids) == 1}
    assert candidates, "no word of the quotes is absent from every statement"
    return min(candidates.items(), key=lambda item: (len(item[0]) < 8, item[0]))


def test_search_finds_a_claim_by_a_word_only_in_one_of_its_quotes(page, site, graph):
    word, claim_id = quote_only_word(graph)
    claim = graph.claims[claim_id]
    assert word not in claim.statement.lower()
    pages_with_word = Counter(d["location"].split("#")[0] for d in pagefind_entries(site.directory)
                              if word in d["text"].lower())
    assert f"claims/{claim_id}/" in pages_with_word
    page.goto(site.url)
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially(word, delay=20)
    result = page.locator(f".md-search-result a[href*='claims/{claim_id}/']").first
    expect(result).to_be_visible()
    result.click()
    page.wait_for_url(re.compile(rf"/claims/{claim_id}/"))
    expect(page.locator(".md-content h1")).to_contain_text(claim.title_text)


def test_claim_to_source_and_back_to_the_claim(page, site, types, graph):
    claim_id = types["claim"].split("/")[1]
    claim = graph.claims[claim_id]
    source_id = claim.evidence[0].source
    page.goto(site.url + types["claim"])
    assert claim.title_text in heading(page)
    page.locator(f"#evidence ~ * a[href='{site.url}sources/{source_id}/']").first.click()
    page.wait_for_url(re.compile(rf"/sources/{source_id}/$"))
    expect(page.locator(".md-content h1")).to_contain_text(graph.sources[source_id].title)
    # the browser's back button returns to the claim (instant navigation keeps history)
    page.go_back()
    page.wait_for_url(re.compile(rf"/claims/{claim_id}/$"))
    expect(page.locator(".md-content h1")).to_contain_text(claim.title_text)
    # and the source page links back to every claim quoting it
    page.go_forward()
    page.wait_for_url(re.compile(rf"/sources/{source_id}/$"))
    page.locator(f".md-content a[href='{site.url}claims/{claim_id}/']").first.click()
    page.wait_for_url(re.compile(rf"/claims/{claim_id}/$"))
    expect(page.locator(".md-content h1")).to_contain_text(claim.title_text)


def test_hovering_a_cross_reference_shows_a_preview_of_its_target(page, site, graph):
    page.goto(site.url + "overview/")
    link = page.locator(f".md-content a[href^='{site.url}claims/']").first
    claim_id = link.get_attribute("href").removeprefix(site.url).split("/")[1]
    link.hover()
    preview = page.locator(".md-tooltip2--active[role='dialog']")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text(graph.claims[claim_id].title_text)


def test_evidence_map_renders_and_its_cells_link_to_claims(page, site, graph):
    page.goto(site.url + "evidence-map/")
    table = page.locator(".md-content table").first
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() == len(graph.themes)
    links = table.locator(f"tbody a[href^='{site.url}claims/']")
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    linked = {href.removeprefix(site.url).split("/")[1] for href in hrefs}
    assert linked == set(graph.claims), "every claim draws on some evidence, so every claim is in the map"
    first = links.first
    claim_id = first.get_attribute("href").removeprefix(site.url).split("/")[1]
    first.click()
    page.wait_for_url(re.compile(rf"/claims/{claim_id}/$"))
    expect(page.locator(".md-content h1")).to_contain_text(graph.claims[claim_id].title_text)


def test_palette_toggle_switches_scheme_and_remembers_it(page, site):
    page.goto(site.url)
    body = page.locator("body")
    expect(body).to_have_attribute("data-md-color-scheme", "default")
    page.locator("label.md-header__button[for^='__palette']:visible").click()
    expect(body).to_have_attribute("data-md-color-scheme", "slate")
    page.goto(site.url + "claims/")
    expect(body).to_have_attribute("data-md-color-scheme", "slate")
    page.locator("label.md-header__button[for^='__palette']:visible").click()
    expect(body).to_have_attribute("data-md-color-scheme", "default")


def colours(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("els => els.map(e => getComputedStyle(e).backgroundColor)")


def test_certainty_has_four_distinct_colours_in_both_palettes_and_the_map_uses_them(page, site):
    """Badges, map chips and chart bars share one scale per palette, with four visibly different colours."""
    page.goto(site.url + "evidence-map/")
    for scheme in ("default", "slate"):
        page.evaluate(f"document.body.setAttribute('data-md-color-scheme', '{scheme}')")
        legend = colours(page, ".ev-legend .ev-badge")
        assert len(legend) == 4 and len(set(legend)) == 4, legend
        assert "rgba(0, 0, 0, 0)" not in legend
        for level, colour in zip(("high", "moderate", "low", "very-low"), legend, strict=True):
            chips = colours(page, f".md-content td .ev-chip.ev-certainty-{level}")
            assert set(chips) <= {colour}
    page.goto(site.url)
    bars = page.locator("svg.ev-chart rect.ev-fill-moderate").first.evaluate("r => getComputedStyle(r).fill")
    badge = page.locator(".md-content .ev-badge.ev-certainty-moderate").first.evaluate(
        "b => getComputedStyle(b).backgroundColor")
    assert bars == badge


def test_charts_of_claims_and_sources_are_named_pictures_with_their_numbers_in_words(page, site, graph):
    for path, name, count in (("", "Claims by theme and certainty", len(graph.themes)),
                              ("sources/", "Sources by type", len({s.type for s in graph.sources.values()}))):
        page.goto(site.url + path)
        chart = page.get_by_role("img", name=name)
        expect(chart).to_be_visible()
        description = chart.locator("desc").text_content() or ""
        assert description.count(":") >= count
        assert chart.evaluate("svg => svg.getBoundingClientRect().height") > 50
