"""Renamed records: their old addresses forward to the new pages (mkdocs-redirects, beside the redirects of
mkdocs.yml), and a cross-reference by a former id says the new one."""

from __future__ import annotations

import json

from support import build, html, searched


def test_the_old_address_of_a_renamed_record_forwards_to_its_page_keeping_the_anchor(site_project):
    result = build(site_project)
    assert result.returncode == 0, result.stderr
    redirect = html(site_project, "claims/quick-change/index.html")
    assert '<meta http-equiv="refresh" content="0; url=../change-is-quick/">' in redirect
    assert '<link rel="canonical" href="../change-is-quick/">' in redirect
    # the #fragment of the old address is carried over to the new one
    assert 'location.href="../change-is-quick/"+(anchor?"#"+anchor:"")' in redirect
    assert 'id="evidence"' in html(site_project, "claims/change-is-quick/index.html")
    sitemap = html(site_project, "sitemap.xml")
    assert "claims/change-is-quick/" in sitemap and "quick-change" not in sitemap
    assert not [entry for entry in searched(site_project) if "quick-change" in json.dumps(entry)]


def test_redirects_from_mkdocs_yml_are_kept_beside_the_records_aliases(site_project):
    config = site_project.root / "mkdocs.yml"
    config.write_text(config.read_text().replace(
        "  - redirects\n", "  - redirects:\n      redirect_maps:\n        old-methods.md: methods.md\n"))
    result = build(site_project)
    assert result.returncode == 0, result.stderr
    assert "url=../methods/" in html(site_project, "old-methods/index.html")
    assert "url=../change-is-quick/" in html(site_project, "claims/quick-change/index.html")


def test_redirects_work_whatever_the_order_of_the_plugins(site_project):
    """mkdocs-redirects reads its map and the pages in its on_files: the evidence plugin's on_files runs first."""
    config = site_project.root / "mkdocs.yml"
    text = config.read_text().replace("  - redirects\n", "")
    config.write_text(text.replace("  - search\n", "  - search\n  - redirects\n"))
    assert config.read_text().index("- redirects") < config.read_text().index("- evidence")
    result = build(site_project)
    assert result.returncode == 0, result.stderr
    assert "url=../change-is-quick/" in html(site_project, "claims/quick-change/index.html")


def test_aliases_without_the_redirects_plugin_fail_the_strict_build(site_project):
    config = site_project.root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - redirects\n", ""))
    result = build(site_project)
    assert result.returncode != 0
    assert ("records have aliases (1 old addresses), but the 'redirects' plugin is not configured, so those "
            "addresses lead nowhere: add `- redirects` to `plugins:` in mkdocs.yml") in result.stderr


def test_a_redirect_in_mkdocs_yml_that_contradicts_an_alias_fails_the_strict_build(site_project):
    config = site_project.root / "mkdocs.yml"
    config.write_text(config.read_text().replace(
        "  - redirects\n", "  - redirects:\n      redirect_maps:\n        claims/quick-change.md: methods.md\n"))
    result = build(site_project)
    assert result.returncode != 0
    assert ("mkdocs.yml redirects claims/quick-change.md to methods.md, but a record lists that address among its "
            "aliases, for claims/change-is-quick.md: remove one of the two") in result.stderr


def test_a_cross_reference_by_a_former_id_fails_with_the_new_id(site_project):
    page = site_project.root / "content" / "overview.md"
    page.write_text(page.read_text() + "\nSee [how fast](claim:quick-change).\n")
    result = build(site_project)
    assert result.returncode != 0
    assert ("content/overview.md:7: claim 'quick-change' was renamed to 'change-is-quick': "
            "write [how fast](claim:change-is-quick)") in result.stderr
    assert "Traceback" not in result.stderr
