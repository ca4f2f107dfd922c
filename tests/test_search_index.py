"""The built site's search index (Pagefind, answering Material's search box): record pages and their quotes in
it, themes as tags, lists of records left out."""

from __future__ import annotations

import json
import re

from support import build, html, searched


def test_search_index_tags_and_palettes(site_project):
    """Quotes are searchable, themes are tags listing their claims, and both palettes can be toggled."""
    assert build(site_project).returncode == 0
    assert json.loads(html(site_project, "search/search_index.json"))["docs"] == []  # Pagefind's index has them
    claim_docs = [d for d in searched(site_project) if d["location"].startswith("claims/change-is-quick/")]
    assert any("could change services quickly" in d["text"] for d in claim_docs)
    assert claim_docs[0]["tags"] == ["Autonomy"]
    claim = html(site_project, "claims/change-is-quick/index.html")
    assert re.search(r'<a href="../../tags/#tag:autonomy" class="md-tag">Autonomy</a>', claim)
    tags = html(site_project, "tags/index.html")
    assert 'href="../claims/change-is-quick/"' in tags


def test_lists_of_records_are_left_out_of_search_and_record_pages_are_in(site_project):
    """A claim's words find the claim's page, not every index, map and tag list that repeats them."""
    assert build(site_project).returncode == 0
    pages = {entry["location"].split("#")[0] for entry in searched(site_project)}
    assert {"claims/boards-feel-freer/", "sources/journal-report/", "themes/autonomy/", ""} <= pages
    assert not pages & {"claims/", "sources/", "themes/", "evidence-map/", "tags/"}


def test_with_a_search_plugin_that_is_not_materials_record_pages_are_left_out_with_a_warning(caplog):
    """Record pages are kept from the search plugin's HTML parser; only Material's index can take their text."""
    from types import SimpleNamespace

    from build_tools.adapters.mkdocs.plugin import EvidencePlugin

    plugin = EvidencePlugin()
    entries: list[dict[str, str]] = []
    material = SimpleNamespace(plugins={"material/search": SimpleNamespace(search_index=SimpleNamespace(
        entries=entries))})
    assert plugin._search_entries(material) is entries  # type: ignore[arg-type]
    other = SimpleNamespace(plugins={"search": SimpleNamespace(search_index=SimpleNamespace(_entries=[]))})
    with caplog.at_level("WARNING"):
        assert plugin._search_entries(other) is None  # type: ignore[arg-type]
        assert plugin._search_entries(other) is None  # type: ignore[arg-type]
    warnings = [r.getMessage() for r in caplog.records if "left out of its search index" in r.getMessage()]
    assert len(warnings) == 1  # once per build, not once per page
