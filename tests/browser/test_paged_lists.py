"""Lists split into pages, in Chromium, on a synthetic synthesis of 1,000 claims (large enough to be split): the
pager leads through the list, a filter says which other pages hold matches and takes its choice along, and the
aggregated evidence map and the pager fit a phone."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from build_tools.engine.graph import Graph, build_graph
from build_tools.engine.load import load_evidence

from .harness import PHONE, ROOT, SiteServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import build_synthetic_site


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Graph]]:
    root = tmp_path_factory.mktemp("large")
    build_synthetic_site(root, 1000, theme_overrides=ROOT / "theme_overrides")
    server = SiteServer(root / "site")
    server.start()
    try:
        yield server.url, build_graph(load_evidence(root / "evidence"))
    finally:
        server.close()


def _certainties(page: Any) -> list[str]:
    return page.locator("#ev-sof tbody tr:not(.ev-group):not([hidden])").evaluate_all(
        "rows => rows.map(row => row.dataset.certainty)")


def test_a_filter_names_the_other_pages_with_matches_and_they_open_filtered(page, large):
    url, graph = large
    page.goto(url + "summary-of-findings/")
    form = page.locator("form.ev-filters")
    form.locator("select[name=certainty]").select_option("low")
    total = sum(1 for claim in graph.claims.values() if claim.certainty.value == "low")
    output = form.locator("output")
    expect(output).to_contain_text(" in all; more on pages ")
    counts = re.match(r"(\d+) shown on this page, ([\d,]+) in all", output.inner_text())
    shown, in_all = (int(count.replace(",", "")) for count in counts.groups())
    assert in_all == total and shown == len(_certainties(page)) < total
    assert set(_certainties(page)) <= {"low"}
    page.wait_for_url("**/summary-of-findings/?certainty=low")

    link = output.locator("a").first
    number, count = map(int, re.match(r"(\d+) \((\d+)\)", link.inner_text()).groups())
    link.click()
    page.wait_for_url(f"**/summary-of-findings/{number}/?certainty=low")
    expect(page.locator("select[name=certainty]")).to_have_value("low")
    assert _certainties(page) == ["low"] * count
    expect(page.locator(".ev-pager a[aria-current=page]").first).to_have_text(str(number))


def test_the_pager_leads_through_the_claims(page, large):
    url, graph = large
    page.goto(url + "claims/")
    first = page.locator("table tbody td:first-child a").first.get_attribute("href")
    page.locator(".ev-pager a[rel=next]").first.click()
    page.wait_for_url("**/claims/pages/2/")
    expect(page.locator(".ev-pager a[aria-current=page]").first).to_have_text("2")
    assert page.locator("table tbody td:first-child a").first.get_attribute("href") != first
    expect(page.locator(".ev-pager-range").first).to_contain_text(f"of {len(graph.claims):,}")


@pytest.mark.parametrize("path", ["claims/pages/2/", "evidence-map/", "summary-of-findings/2/"])
def test_paged_lists_and_the_aggregated_map_fit_a_phone(browser, large, path):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(large[0] + path)
        expect(page.locator(".ev-pager, table").first).to_be_visible()
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways on a phone: {width} px"
    finally:
        context.close()


def test_the_aggregated_map_links_each_theme_to_its_own_map(page, large):
    url, graph = large
    page.goto(url + "evidence-map/")
    assert page.locator(".ev-chip").count() == 0
    theme = next(iter(sorted(graph.themes.values(), key=lambda t: t.title_text.lower())))
    page.locator(f"a[href$='themes/{theme.id}/map/']").click()
    page.wait_for_url(f"**/themes/{theme.id}/map/")
    chips: set[str] = set()
    while True:  # a broad theme's map runs over pages of studies
        chips |= {Path(href.rstrip("/")).name for href in page.locator("a:has(> .ev-chip)").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))")}
        following = page.locator(".ev-pager a[rel=next]")
        if not following.count():
            break
        following.first.click()
        page.wait_for_load_state()
    assert chips == {claim.id for claim in graph.claims_by_theme[theme.id]}
