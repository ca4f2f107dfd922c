"""The summary of findings and the recommendations can be narrowed and reordered in the browser, without a server."""

from __future__ import annotations

from playwright.sync_api import expect

from build_tools.engine.model import CERTAINTY_ORDER

VISIBLE_ROWS = "table tbody tr:not(.ev-group):not([hidden])"


def _visible_claims(page) -> list[str]:
    """The ids of the records in the rows shown, in order (from the address of each row's first link)."""
    hrefs = page.locator(f"{VISIBLE_ROWS} td:first-child a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    return [href.rstrip("/").rsplit("/", 1)[-1] for href in hrefs]


def test_the_summary_of_findings_narrows_to_a_certainty_and_a_theme(page, site, graph):
    page.goto(site.url + "summary-of-findings/")
    form = page.locator("form.ev-filters")
    assert form.is_visible(), "the filters are shown once the script runs"
    every = _visible_claims(page)
    assert len(every) == len(graph.claims)
    assert form.locator("output").inner_text() == f"{len(graph.claims)} shown"

    level = next(level for level in CERTAINTY_ORDER if any(c.certainty is level for c in graph.claims.values()))
    wanted = {c.id for c in graph.claims.values() if c.certainty is level}
    form.locator("select[name=certainty]").select_option(level.value.replace(" ", "-"))
    shown = _visible_claims(page)
    assert set(shown) == wanted
    assert form.locator("output").inner_text() == f"{len(wanted)} of {len(graph.claims)} shown"

    theme = max(graph.themes, key=lambda t: len(graph.claims_by_theme.get(t, [])))
    form.locator("select[name=certainty]").select_option("")
    form.locator("select[name=themes]").select_option(theme)
    in_theme = {c.id for c in graph.claims_by_theme[theme]}
    assert set(_visible_claims(page)) == in_theme
    hidden_groups = page.locator("table tbody[hidden]").count()
    groups_with_rows = {next(t for t in c.themes if t in graph.themes) for c in graph.claims_by_theme[theme]}
    assert page.locator("table tbody:not([hidden])").count() == len(groups_with_rows)
    assert hidden_groups == page.locator("table tbody").count() - len(groups_with_rows)


def test_the_recommendations_can_be_filtered_by_basis_and_reordered(page, site, graph):
    page.goto(site.url + "recommendations/")
    form = page.locator("form.ev-filters")
    assert form.is_visible()
    default = _visible_claims(page)
    assert len(default) == len(graph.recommendations)
    form.locator("select[name=sort]").select_option("title")
    by_title = _visible_claims(page)
    titles = {r.id: r.statement.lower() for r in graph.recommendations.values()}
    assert by_title == sorted(by_title, key=titles.__getitem__)
    form.locator("select[name=sort]").select_option("")
    assert _visible_claims(page) == default

    basis = next(iter(graph.recommendations.values())).basis
    form.locator("select[name=basis]").select_option(basis.value)
    assert sorted(_visible_claims(page)) == sorted(r.id for r in graph.recommendations.values() if r.basis is basis)


def test_without_javascript_the_whole_table_is_shown_and_the_filters_are_not(browser, site, graph):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site.url + "summary-of-findings/")
    assert not page.locator("form.ev-filters").is_visible()
    assert page.locator(VISIBLE_ROWS).count() == len(graph.claims)
    context.close()


def test_the_filters_work_after_instant_navigation_between_pages(page, site, graph):
    page.goto(site.url)
    page.locator(".md-content a[href$='summary-of-findings/']").first.click()
    page.wait_for_url("**/summary-of-findings/")
    form = page.locator("form.ev-filters")
    expect(form).to_be_visible()
    level = next(iter(graph.claims.values())).certainty
    form.locator("select[name=certainty]").select_option(level.value.replace(" ", "-"))
    wanted = sum(1 for claim in graph.claims.values() if claim.certainty is level)
    assert len(_visible_claims(page)) == wanted < len(graph.claims)
    page.wait_for_url(f"**/summary-of-findings/?certainty={level.value.replace(' ', '-')}")  # the address keeps it
    page.locator(".md-nav a[href$='recommendations/']").first.click()
    page.wait_for_url("**/recommendations/")
    expect(page.locator("form.ev-filters")).to_be_visible()
    page.go_back()
    page.wait_for_url("**/summary-of-findings/?certainty=*")
    # the page shown again is filtered as its address says
    expect(page.locator("form.ev-filters output")).to_have_text(f"{wanted} of {len(graph.claims)} shown")
    expect(page.locator("select[name=certainty]")).to_have_value(level.value.replace(" ", "-"))
