"""Hostile record text, in the browser: shown as text, never run.

The HTML-level checks are in tests/test_site.py; here a real Chromium opens the
pages, with search and instant previews working, and nothing a record says may run.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .harness import SiteServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import Project, build, write_site_base

PAYLOADS = [
    "<script>window.__pwned = 'script'</script>",
    "<img src=x onerror=\"window.__pwned='img'\">",
    "</title><svg onload=\"window.__pwned='svg'\">",
    "[click](javascript:window.__pwned='link')",
    "{{ 7 * 7 }} {% raw %}",
]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    project = Project(tmp_path_factory.mktemp("hostile"))
    write_site_base(project)
    text = " ".join(PAYLOADS)
    claim = project.evidence / "claims" / "boards-feel-freer.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace(
        "statement: Board members see their boards as freer from central control than earlier bodies.",
        f"statement: {json.dumps('Statement ' + text)}").replace(
        "key_message: Board members probably see their boards as freer from central control.",
        f"key_message: {json.dumps('Boards probably ' + text)}"), encoding="utf-8")
    theme = project.evidence / "themes" / "autonomy.yaml"
    theme.write_text(theme.read_text(encoding="utf-8").replace(
        "title: Autonomy", f"title: {json.dumps('Autonomy ' + PAYLOADS[1])}"), encoding="utf-8")
    server = SiteServer(project.root / "site")
    config = project.root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("http://127.0.0.1:8000/", server.url).replace(
        "archive: archive", "archive: archive\n      key_messages: {max_words: 500}"), encoding="utf-8")
    result = build(project)
    assert result.returncode == 0, result.stderr
    server.start()
    try:
        yield server.url
    finally:
        server.close()


def test_hostile_record_text_is_shown_and_never_run(hostile_site: str, page: Any) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in ("", "claims/", "claims/boards-feel-freer/", "themes/autonomy/", "themes/", "tags/",
                 "evidence-map/", "sources/journal-report/"):
        page.goto(hostile_site + path)
        expect(page.locator("article")).to_be_visible()
        assert page.evaluate("window.__pwned") is None, path
    page.goto(hostile_site + "claims/boards-feel-freer/")
    heading = page.locator("article h1")
    expect(heading).to_contain_text("<script>window.__pwned = 'script'</script>")
    expect(heading).to_contain_text("{{ 7 * 7 }} {% raw %}")
    assert page.locator("article script").count() == 0
    assert page.locator("article a[href^='javascript:']").count() == 0
    assert page.title().startswith("Boards probably <script>")
    expect(page.locator("article .ev-statement")).to_contain_text("Statement <script>window.__pwned = 'script'")
    structured = page.locator('script[type="application/ld+json"]')  # the statement is in JSON-LD too
    assert structured.count() == 1
    data = json.loads(structured.text_content())
    assert data["@type"] == "Claim" and data["name"].startswith("Boards probably <script>window.__pwned")
    assert data["text"].startswith("Statement <script>window.__pwned")
    expect(page.locator("details.quote summary")).to_have_text("Cite this")
    page.locator("details.quote summary").click()  # the formatted citation shows the text, inert
    expect(page.locator("details.quote p").first).to_contain_text("<img src=x onerror=")
    assert page.evaluate("window.__pwned") is None

    search = page.locator("input.md-search__input")  # the search index carries the text too
    search.click()
    search.press_sequentially("Boards", delay=20)
    result = page.locator(".md-search-result a[href*='claims/boards-feel-freer/']").first
    expect(result).to_be_visible()
    expect(result).to_contain_text("window.__pwned")
    result.hover()
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
