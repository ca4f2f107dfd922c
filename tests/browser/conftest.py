"""One real site and one Chromium for the whole browser session; a fresh browser context for each test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from .harness import CHROMIUM, DESKTOP, Site, archive_dir, launch_chromium, page_types, served_site

# Generous waits for slow CI machines: a passing test never waits them out.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not archive_dir().is_dir():
        message = f"the source archive {archive_dir()} is missing: the real site cannot be built"
        if os.environ.get("CI"):  # in CI a missing archive is a broken set-up, never a reason to skip
            pytest.fail(message + " (set EVIDENCE_ARCHIVE)", pytrace=False)
        pytest.skip(message)
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
def types() -> dict[str, str]:
    """Page type name → path of one page of that type."""
    return page_types()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=DESKTOP, color_scheme="light", reduced_motion="reduce")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()
