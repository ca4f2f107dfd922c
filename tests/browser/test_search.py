"""Search as a reader uses it, in Chromium, on a small site with the project's search settings and contributor guide:
a page whose title matches comes before pages that match only through a tag, and the guide is not searched.
Material's search box is answered from Pagefind's index (build_tools/adapters/mkdocs/search.py)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from build_tools.adapters.project import Project as Settings

from .harness import ROOT, SiteServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import Project, build, write_site_base

HOSTILE = 'Zyxwvu <img src=x onerror="window.__injected=1"> & <b>bold</b>'
"""Record text that looks like markup, with a word found nowhere else: search shows it as text."""



def guide_only_word(site: Path) -> str:
    """A word of the contributor guide's prose that no other page of the small site has, nor any word that begins
    with its first six letters (search stems words): the longest, then the first in the alphabet."""
    guide = (site / "contributing" / "index.html").read_text(encoding="utf-8")
    prose = " ".join(re.sub(r"<[^>]+>", " ", paragraph) for paragraph in re.findall(r"<p>(.*?)</p>", guide, re.S))
    others = " ".join(page.read_text(encoding="utf-8") for page in site.rglob("*.html")
                      if "contributing" not in page.relative_to(site).parts).lower()
    candidates = {word for word in re.findall(r"(?<![\w&])[A-Za-z]{8,}(?!\w)", prose) if word[:6].lower() not in others}
    assert candidates, "every word of the guide is on some other page"
    return min(candidates, key=lambda word: (-len(word), word))


@pytest.fixture(scope="module")
def search_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, SiteServer]]:
    project = Project(tmp_path_factory.mktemp("search"))
    write_site_base(project)
    shutil.copy(ROOT / "CONTRIBUTING.md", project.root / "CONTRIBUTING.md")
    shutil.copy(ROOT / "content" / "contributing.md", project.root / "content" / "contributing.md")
    search = Settings.read(ROOT / "mkdocs.yml").plugins["search"]
    server = SiteServer(project.root / "site")
    config = project.root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    changes = {"http://127.0.0.1:8000/": server.url,
               "  - search\n": f"  - search: {json.dumps(search)}\n",
               "markdown_extensions: [": "markdown_extensions: [{pymdownx.snippets: {base_path: ['.']}}, "}
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    config.write_text(text + "  - Contribute: contributing.md\n", encoding="utf-8")
    claim = project.evidence / "claims" / "change-is-quick.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace(
        "statement: Doctors on the boards can change services quickly.",
        f"statement: 'Doctors on the boards can change services quickly. {HOSTILE}'"), encoding="utf-8")
    result = build(project)
    assert result.returncode == 0, result.stderr
    server.start()
    try:
        yield project.root / "site", server
    finally:
        server.close()


@pytest.fixture(scope="module")
def search_site(search_project: tuple[Path, SiteServer]) -> str:
    return search_project[1].url


def _search(page: Any, url: str, words: str) -> Any:
    """Type into the search box; the result list once search has answered."""
    page.goto(url)
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially(words, delay=20)
    expect(page.locator(".md-search-result__meta")).to_have_text(re.compile(r"matching document", re.I))
    return page.locator(".md-search-result__item > a.md-search-result__link")


def test_the_theme_named_by_the_search_comes_before_the_claims_tagged_with_it(page, search_site):
    results = _search(page, search_site, "autonomy")
    expect(results.first).to_have_attribute("href", re.compile(r"/themes/autonomy/$"))
    expect(results.first).to_contain_text("Autonomy")
    tagged = page.locator(".md-search-result__item > a[href*='/claims/']")
    expect(tagged).to_have_count(3)  # every claim of the theme is still found through its tag


def test_the_contributor_guide_is_left_out_of_readers_searches(page, search_site, search_project):
    word = guide_only_word(search_project[0])
    assert word in (search_project[0] / "contributing" / "index.html").read_text(encoding="utf-8")
    results = _search(page, search_site, word)
    expect(page.locator(".md-search-result__meta")).to_have_text(re.compile(r"no matching", re.I))
    expect(results).to_have_count(0)
    assert page.locator(".md-search-result a[href*='contributing']").count() == 0


def test_the_site_has_a_pagefind_index_and_no_documents_in_search_index_json(search_project):
    site, _ = search_project
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["docs"] == [] and index["config"]["fields"]["title"] == {"boost": 1000}
    assert (site / "pagefind" / "pagefind.js").is_file() and any((site / "pagefind" / "fragment").iterdir())
    worker = re.search(r'"search": *"([^"]+)"', (site / "index.html").read_text(encoding="utf-8"))
    assert worker and worker[1].endswith("workers/search.pagefind.js") and (site / worker[1]).is_file()


def test_a_search_from_the_address_finds_the_theme_first_and_asks_only_the_local_server(context, search_project):
    _, server = search_project
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.goto(server.url + "?q=autonomy")
    results = page.locator(".md-search-result__item > a.md-search-result__link")
    expect(results.first).to_have_attribute("href", re.compile(r"/themes/autonomy/$"))
    expect(page.locator(".md-search-result__meta")).to_have_text(re.compile(r"4 matching documents", re.I))
    page.wait_for_load_state("networkidle")
    paths = {urlsplit(url).path for url in requests}
    assert any(path.startswith("/pagefind/fragment/") for path in paths), paths
    foreign = sorted({url for url in requests if urlsplit(url).netloc != server.host})
    assert not foreign, "requests to other hosts:\n" + "\n".join(foreign)


def test_a_claim_is_found_by_its_words_and_the_lists_that_name_it_are_not(page, search_site):
    results = _search(page, search_site, "quickly")
    expect(results.first).to_have_attribute("href", re.compile(r"/claims/change-is-quick/"))
    expect(results.first).to_contain_text("Doctors on the boards can change services quickly")
    hrefs = results.evaluate_all("links => links.map(link => new URL(link.href).pathname)")
    assert "/claims/" not in hrefs and "/themes/autonomy/" not in hrefs and "/summary-of-findings/" not in hrefs



@pytest.fixture(scope="module")
def batched_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, SiteServer]]:
    """The small site with its record pages indexed in batches of three, as a large site's are, and three results
    listed of a query's (built in this process, so that these can be made small)."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from build_tools.adapters.mkdocs import search

    project = Project(tmp_path_factory.mktemp("batched"))
    write_site_base(project)
    server = SiteServer(project.root / "site")
    config = project.root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("http://127.0.0.1:8000/", server.url),
                      encoding="utf-8")
    patch = pytest.MonkeyPatch()
    patch.setattr(search, "BATCH", 3)
    patch.setattr(search, "FIRST_RESULTS", 1)
    patch.setattr(search, "LISTED_RESULTS", 3)
    try:
        settings = load_config(str(config), site_dir=str(project.root / "site"), strict=True)
        settings.plugins.on_startup(command="build", dirty=False)
        try:
            mkdocs_build(settings)
        finally:
            settings.plugins.on_shutdown()
    finally:
        patch.undo()
    server.start()
    try:
        yield project.root / "site", server
    finally:
        server.close()


def test_a_site_indexed_in_batches_is_searched_across_all_of_them(context, batched_site):
    """Pagefind holds what it indexes in memory: a large site's record pages are indexed in batches, each an
    index of its own, and the search box searches them all as one."""
    site, server = batched_site
    folders = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["config"]["indexes"]
    assert len(folders) > 2 and folders[0] == "pagefind"
    assert all((site / folder / "pagefind-entry.json").is_file() for folder in folders)
    page = context.new_page()
    page.goto(server.url + "?q=autonomy")
    # the theme and the three claims tagged with it match, from several batches; the best three are listed, and
    # the count says how many matched (the order across batches of three pages is Pagefind's to choose: a word's
    # rarity is judged in each batch)
    expect(page.locator(".md-search-result__meta")).to_have_text("4 matching documents, the best 3 listed")
    results = page.locator(".md-search-result__item > a.md-search-result__link")
    expect(results).to_have_count(3)
    found = {urlsplit(href).path for href in results.evaluate_all("links => links.map(link => link.href)")}
    assert found <= {"/themes/autonomy/", *(f"/claims/{c}/" for c in ("boards-feel-freer", "change-is-quick",
                                                                       "effect-unknown"))}, found
    page.goto(server.url + "?q=quickly")
    expect(results.first).to_have_attribute("href", re.compile(r"/claims/change-is-quick/"))


def test_record_text_that_looks_like_markup_is_shown_as_text_in_search_results(page, search_site):
    results = _search(page, search_site, "zyxwvu")
    expect(results.first).to_have_attribute("href", re.compile(r"/claims/change-is-quick/"))
    shown = page.locator(".md-search-result__item").first
    expect(shown).to_contain_text('<img src=x onerror="window.__injected=1"> & <b>bold</b>')
    assert shown.locator("img, b").count() == 0 and page.evaluate("window.__injected") is None
    expect(shown.locator("mark").first).to_have_text(re.compile("zyxwvu", re.I))
