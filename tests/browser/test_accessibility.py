"""axe-core finds no serious or critical accessibility violation on any page type, in either palette."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from pygments.token import STANDARD_TYPES

from .harness import DESKTOP, PAGE_TYPES, PHONE

AXE = Axe()


def violations(page) -> list[str]:
    results = AXE.run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(", ".join(n["target"]) for n in v["nodes"][:4])
            for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", sorted(PAGE_TYPES))
def test_no_serious_or_critical_violation(browser, site, types, kind, scheme):
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme, reduced_motion="reduce")
    try:
        page = context.new_page()
        page.goto(site.url + types[kind])
        found = violations(page)
        assert not found, f"/{types[kind]} ({scheme}):\n" + "\n".join(found)
    finally:
        context.close()


@pytest.mark.parametrize("kind", ["home", "claim", "evidence-map"])
def test_no_serious_or_critical_violation_on_a_phone(browser, site, types, kind):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, color_scheme="light")
    try:
        page = context.new_page()
        page.goto(site.url + types[kind])
        found = violations(page)
        assert not found, f"/{types[kind]} (phone):\n" + "\n".join(found)
    finally:
        context.close()


TOKENS = """classes => {
  const code = document.querySelector('.highlight pre code').cloneNode(false);
  const block = document.createElement('div');
  block.className = 'highlight';
  block.append(document.createElement('pre'));
  block.firstChild.append(code);
  for (const name of classes) {
    const token = document.createElement('span');
    token.className = name;
    token.textContent = name;
    code.append(token);
  }
  document.querySelector('article').append(block);
  return {
    page: getComputedStyle(document.body).backgroundColor,
    code: getComputedStyle(code).backgroundColor,
    tokens: Object.fromEntries([...code.children].map(token => [token.className, getComputedStyle(token).color])),
  };
}"""
"""A highlighted block holding one token of every class Pygments writes, appended to a page; its computed colours."""


def _rgba(css: str) -> tuple[float, ...]:
    values = [float(v) for v in re.findall(r"[\d.]+", css)]
    return (*values[:3], values[3] if len(values) > 3 else 1.0)


def _over(top: tuple[float, ...], below: tuple[float, ...]) -> tuple[float, ...]:
    """``top`` painted over the opaque ``below``, rounded to whole values as the browser paints them."""
    alpha = top[3]
    return (*(round(t * alpha + b * (1 - alpha)) for t, b in zip(top[:3], below[:3], strict=True)), 1.0)


def _contrast(one: tuple[float, ...], other: tuple[float, ...]) -> float:
    """WCAG 2 contrast ratio of two opaque colours."""
    def luminance(colour: tuple[float, ...]) -> float:
        linear = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour[:3]]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_code_token_meets_aa_in_both_palettes(browser, site, types, scheme):
    """axe checks only the tokens a page happens to have: this measures every class Pygments may write."""
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme, reduced_motion="reduce")
    try:
        page = context.new_page()
        page.goto(site.url + types["contributing"])
        assert page.locator(".highlight .nv").count(), "the contributor guide has no highlighted variable for axe"
        colours = page.evaluate(TOKENS, sorted({name for name in STANDARD_TYPES.values() if name}))
        background = _over(_rgba(colours["code"]), _rgba(colours["page"]))
        ratios = {name: _contrast(_over(_rgba(colour), background), background)
                  for name, colour in colours["tokens"].items()}
        low = {name: f"{ratio:.2f}:1 ({colours['tokens'][name]})" for name, ratio in ratios.items() if ratio < 4.5}
        assert not low, f"code tokens below 4.5:1 on {colours['code']} ({scheme}): {low}"
    finally:
        context.close()
