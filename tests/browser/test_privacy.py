"""While a reader browses every page type, searches and hovers previews, the browser asks only the local server."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect


def test_every_request_goes_to_the_local_server(context, site, types, graph):
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    for path in types.values():
        page.goto(site.url + path)
        page.wait_for_load_state("networkidle")
    # an instant preview fetches the linked page
    page.goto(site.url + "overview/")
    page.locator(f".md-content a[href^='{site.url}claims/']").first.hover()
    expect(page.locator(".md-tooltip2--active")).to_be_visible()
    # search runs in a web worker that loads the index
    search = page.locator("input.md-search__input")
    search.click()
    theme = min(graph.themes.values(), key=lambda t: t.id)  # a word of a theme's title: some page matches it
    search.press_sequentially(max(theme.title.split(), key=len).lower(), delay=20)
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    seen = {urlsplit(url).path for url in requests}
    assert "/search/search_index.json" in seen and any("/workers/search" in p for p in seen), \
        "the search worker's requests must be observed, or this test proves nothing about them"
    foreign = sorted({url for url in requests if urlsplit(url).netloc != site.host})
    assert not foreign, "requests to other hosts:\n" + "\n".join(foreign)
