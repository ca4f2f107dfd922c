"""A claim or theme page prints as its content alone, with the address of every source link that leaves the site."""

from __future__ import annotations

import pytest

CHROME = [".md-header", ".md-sidebar--primary", ".md-sidebar--secondary", ".md-footer", ".md-search", ".md-tags",
          ".md-top", ".md-content__button"]
AFTER = "el => getComputedStyle(el, '::after').content"


def pages_citing_an_address(graph) -> dict[str, str]:
    """A claim and a theme whose cited sources include one with a DOI or web address."""
    with_address = {s.id for s in graph.sources.values() if s.doi or s.url}
    assert any(graph.sources[s].doi for s in with_address), "the fixture has a source with a DOI"
    claim = next(c for c in sorted(graph.claims.values(), key=lambda c: c.id)
                 if any(e.source in with_address for e in c.evidence))
    theme = next(t for t in sorted(graph.themes) if claim.id in {c.id for c in graph.claims_by_theme[t]})
    return {"claim": f"claims/{claim.id}/", "theme": f"themes/{theme}/"}


@pytest.mark.parametrize("kind", ["claim", "theme"])
def test_page_prints_without_navigation_and_with_source_addresses(page, site, graph, kind):
    path = pages_citing_an_address(graph)[kind]
    page.goto(site.url + path)
    external = page.locator(".md-content a.ev-external").first
    href = external.get_attribute("href")
    assert href and href.startswith("https://")
    assert external.evaluate(AFTER) == "none", "on screen the address is not repeated"
    expect_visible = [selector for selector in CHROME if page.locator(selector).first.is_visible()]
    assert ".md-header" in expect_visible, "the header is there on screen"

    page.emulate_media(media="print")
    still_shown = [selector for selector in CHROME if page.locator(selector).first.is_visible()]
    assert not still_shown, f"printed with the page: {still_shown}"
    assert page.locator(".md-content h1").is_visible()
    assert page.locator(".md-content #sources-cited").is_visible()
    assert href in external.evaluate(AFTER)
    # links inside the site (absolute in the browser too) print no address
    internal = page.locator(f".md-content a[href^='{site.url}sources/']").first
    assert internal.evaluate(AFTER) == "none"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_the_summary_of_findings_prints_as_its_table_alone_on_a4(page, site, graph):
    page.goto(site.url + "summary-of-findings/")
    assert page.locator("form.ev-filters").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("form.ev-filters").is_visible(), "the filters are no use on paper"
    still_shown = [selector for selector in CHROME if page.locator(selector).first.is_visible()]
    assert not still_shown, f"printed with the page: {still_shown}"
    assert page.locator(".ev-sof thead").evaluate("el => getComputedStyle(el).display") == "table-header-group"
    rows = page.locator(".ev-sof tbody tr:not(.ev-group)")
    assert rows.count() == len(graph.claims) and rows.first.is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
