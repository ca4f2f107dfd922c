"""One site, of the fixture synthesis the tests write, and one Chromium for the whole browser session; a fresh
browser context for each test. No test here reads the real evidence base or its archive."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from build_tools.engine.graph import Graph, build_graph
from build_tools.engine.load import load_evidence

from .harness import CHROMIUM, DESKTOP, Site, launch_chromium, page_types, served_site

# Generous waits for slow CI machines: a passing test never waits them out.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The fixture synthesis, built strict and served: it needs no archive but its own, so it never skips."""
    with served_site(tmp_path_factory.mktemp("browser")) as served:
        yield served


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium (apt-get install -y chromium); "
                    "they never download a browser", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def graph(site: Site) -> Graph:
    """The records of the site's evidence base: what the tests expect to see."""
    return build_graph(load_evidence(site.evidence))


@pytest.fixture(scope="package")
def types(site: Site) -> dict[str, str]:
    """Page type name → path of one page of that type."""
    return page_types(site.evidence)


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=DESKTOP, color_scheme="light", reduced_motion="reduce")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()
