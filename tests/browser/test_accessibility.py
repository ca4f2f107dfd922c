"""axe-core finds no serious or critical accessibility violation on any page type, in either palette."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from .harness import DESKTOP, PHONE, page_types

AXE = Axe()
TYPES = page_types()


def violations(page) -> list[str]:
    results = AXE.run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(", ".join(n["target"]) for n in v["nodes"][:4])
            for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", sorted(TYPES))
def test_no_serious_or_critical_violation(browser, site, kind, scheme):
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme, reduced_motion="reduce")
    try:
        page = context.new_page()
        page.goto(site.url + TYPES[kind])
        found = violations(page)
        assert not found, f"/{TYPES[kind]} ({scheme}):\n" + "\n".join(found)
    finally:
        context.close()


@pytest.mark.parametrize("kind", ["home", "claim", "evidence-map"])
def test_no_serious_or_critical_violation_on_a_phone(browser, site, kind):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, color_scheme="light")
    try:
        page = context.new_page()
        page.goto(site.url + TYPES[kind])
        found = violations(page)
        assert not found, f"/{TYPES[kind]} (phone):\n" + "\n".join(found)
    finally:
        context.close()
