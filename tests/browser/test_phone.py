"""At a phone's width (375 px) nothing scrolls sideways, not even a table (rows become cards), and tables stay
readable; at a desktop's (1280 px) no table is cut off by the width of the text column."""

from __future__ import annotations

import pytest

from .harness import DESKTOP, PHONE

# Everything in the content that sticks out of the viewport without being inside a scroll container,
# and, for every table, whether it fits or scrolls inside its own container, and how narrow its text cells get.
MEASURE = r"""() => {
  const vw = document.documentElement.clientWidth;
  const scroller = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const overflow = getComputedStyle(p).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') return p;
    }
    return null;
  };
  const name = el => el.tagName.toLowerCase()
    + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const sticking_out = [];
  for (const el of document.querySelectorAll('.md-content *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if ((r.right > vw + 1 || r.left < -1) && !scroller(el)) {
      sticking_out.push(name(el) + ' right=' + Math.round(r.right));
    }
  }
  const measure = document.createElement('canvas').getContext('2d');
  // the text a cell shows: not what only screen readers hear (.ev-sr, one pixel wide by design)
  const shown = cell => {
    const copy = cell.cloneNode(true);
    copy.querySelectorAll('.ev-sr').forEach(hidden => hidden.remove());
    copy.querySelectorAll('br').forEach(br => br.replaceWith(' '));
    return copy.textContent.replace(/\s+/g, ' ');
  };
  // a word of up to 20 letters (hyphens and slashes may break) wider than the cell is cut in two: hard to read
  const brokenWord = cell => {
    const style = getComputedStyle(cell);
    measure.font = style.font;
    const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return shown(cell).split(/[\s\/\u2010-\u2015-]+/).filter(w => w.length <= 20)
      .find(w => measure.measureText(w).width > inner + 1);
  };
  const tables = [...document.querySelectorAll('.md-content table')].map(table => {
    const box = scroller(table);
    // it fits when nothing of it scrolls sideways: not its scroll container (Material wraps every table in one,
    // which would hide an overflow from a comparison with the table's parent), not the screen
    const fits = !(box && box.scrollWidth > box.clientWidth + 1) && table.getBoundingClientRect().right <= vw + 1;
    // a header row kept for screen readers only (the rows are cards, each cell under its label) is not shown
    const headerHidden = table.tHead && table.tHead.getBoundingClientRect().width <= 1;
    const cramped = [...table.querySelectorAll('th, td')]
      .filter(cell => !(headerHidden && table.tHead.contains(cell)))
      .filter(cell => shown(cell).trim().length > 12)
      .filter(cell => cell.getBoundingClientRect().width < 96 || cell.scrollWidth > cell.clientWidth + 1
                      || parseFloat(getComputedStyle(cell).fontSize) < 12 || brokenWord(cell))
      .map(cell => shown(cell).trim().slice(0, 40) + ' (' + Math.round(cell.getBoundingClientRect().width) + 'px'
                   + (brokenWord(cell) ? ', breaks "' + brokenWord(cell) + '"' : '') + ')');
    return {fits, scrolls: !!box && box.getBoundingClientRect().right <= vw + 1, cramped};
  });
  return {scrollWidth: document.documentElement.scrollWidth, clientWidth: vw, sticking_out, tables};
}"""


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  color_scheme="light")
    yield context.new_page()
    context.close()


def test_no_page_scrolls_sideways_and_tables_stay_readable_at_375px(phone, site, types):
    """One page of each type proves its layout: each record page is the richest of its kind (widest tables)."""
    problems = []
    assert set(types.values()) <= set(site.pages()), "a page of every type"
    for path in types.values():
        phone.goto(site.url + path)
        found = phone.evaluate(MEASURE)
        if found["scrollWidth"] > found["clientWidth"]:
            problems.append(f"/{path}: the page is {found['scrollWidth']}px wide")
        if found["sticking_out"]:
            problems.append(f"/{path}: sticks out of the screen: {found['sticking_out'][:3]}")
        for number, table in enumerate(found["tables"], start=1):
            if not table["fits"]:
                problems.append(f"/{path}: table {number} is wider than the screen: it would scroll sideways")
            if table["cramped"]:
                problems.append(f"/{path}: table {number} squeezes its text: {table['cramped'][:3]}")
    assert not problems, "\n".join(problems)


def test_charts_fit_a_phone_and_their_text_stays_legible(phone, site):
    for path in ("", "sources/"):
        phone.goto(site.url + path)
        charts = phone.locator("svg.ev-chart")
        assert charts.count() == 1
        box = charts.first.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        smallest = charts.first.evaluate(
            "svg => Math.min(...[...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect().height))")
        assert smallest >= 11, f"/{path}: chart text only {smallest:.1f}px tall"


# Every table whose content is wider than the box it is shown in (Material lets such a table scroll inside itself).
CUT_OFF = r"""() => [...document.querySelectorAll('.md-content table')]
  .filter(table => table.scrollWidth > table.clientWidth + 1 || table.getBoundingClientRect().right
                   > table.closest('.md-content__inner').getBoundingClientRect().right + 1)
  .map(table => (table.querySelector('th') || table).textContent.trim().slice(0, 30))"""


def test_no_table_is_cut_off_at_desktop_width(browser, site):
    context = browser.new_context(viewport=DESKTOP, color_scheme="light")
    page = context.new_page()
    problems = []
    for path in site.pages():
        page.goto(site.url + path)
        if cut := page.evaluate(CUT_OFF):
            problems.append(f"/{path}: tables cut off at 1280 px: {cut}")
    context.close()
    assert not problems, "\n".join(problems)


def test_the_home_page_shows_the_navigation_at_desktop_width(browser, site):
    context = browser.new_context(viewport=DESKTOP, color_scheme="light")
    page = context.new_page()
    page.goto(site.url)
    navigation = page.locator(".md-sidebar--primary")
    assert navigation.is_visible() and navigation.bounding_box()["width"] > 100
    assert page.locator(".md-sidebar--primary a[href$='overview/']").is_visible()
    assert page.locator(".md-sidebar--primary a.md-nav__link--active").inner_text().strip() == "Home"
    context.close()
