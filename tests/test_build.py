"""A real strict build with the plugin (ProperDocs): what it writes into the site, what it leaves alone, and
what makes it fail."""

from __future__ import annotations

import json
import re

from support import build, html


def test_site_builds_strict_with_backlinks_anchors_and_contested_marker(site_project):
    result = build(site_project)
    assert result.returncode == 0, result.stderr
    source = html(site_project, "sources/journal-report/index.html")
    # backlinks: every record that quotes the source links back from its page
    for target in ("claims/boards-feel-freer/", "claims/change-is-quick/", "recommendations/wait-and-see/",
                   "questions/patient-effects/"):
        assert f'href="../../{target}"' in source
    assert "could change services quickly" in source
    # anchors exist for the sections linked as #fragments
    claim = html(site_project, "claims/change-is-quick/index.html")
    assert 'id="evidence"' in claim
    # contested marker on the claim page and in lists
    assert 'class="ev-contested"' in claim
    assert "Contested" in claim
    assert 'class="ev-contested"' in html(site_project, "claims/index.html")
    assert 'class="ev-contested"' in html(site_project, "themes/autonomy/index.html")


def test_invalid_records_fail_the_build_with_findings(site_project):
    path = site_project.evidence / "claims" / "boards-feel-freer.yaml"
    path.write_text(path.read_text().replace("themes: [autonomy]", "themes: [autonom]"))
    result = build(site_project)
    assert result.returncode != 0
    assert "evidence/claims/boards-feel-freer.yaml:3:10: error: theme 'autonom' does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_item_pages_stay_out_of_the_nav(site_project):
    assert build(site_project).returncode == 0
    methods = html(site_project, "methods/index.html")  # its content links nothing: every link is navigation
    assert 'href="../claims/"' in methods
    assert "boards-feel-freer" not in methods


def test_edit_link_opens_the_record_yaml(site_project):
    result = build(site_project, {"REPO_URL": "https://github.com/example/evidence"})
    assert result.returncode == 0, result.stderr
    claim = html(site_project, "claims/boards-feel-freer/index.html")
    assert 'href="https://github.com/example/evidence/edit/main/evidence/claims/boards-feel-freer.yaml"' in claim
    overview = html(site_project, "overview/index.html")
    assert 'href="https://github.com/example/evidence/edit/main/content/overview.md"' in overview


def test_build_never_writes_into_docs_dir(site_project):
    before = sorted(p.relative_to(site_project.root) for p in (site_project.root / "content").rglob("*"))
    assert build(site_project).returncode == 0
    after = sorted(p.relative_to(site_project.root) for p in (site_project.root / "content").rglob("*"))
    assert before == after


def test_hand_written_page_cannot_shadow_a_generated_one(site_project):
    (site_project.root / "content" / "index.md").write_text("# Home\n")
    result = build(site_project)
    assert result.returncode != 0
    assert "index.md is generated from the records" in result.stderr


def test_no_third_party_fonts_or_scripts(site_project):
    assert build(site_project).returncode == 0
    for page in (site_project.root / "site").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in text and "fonts.gstatic.com" not in text, page
        for src in re.findall(r'<script[^>]+src="([^"]+)"', text):
            assert not src.startswith(("http://", "https://", "//")), (page, src)


def test_a_failed_build_leaves_the_previous_site_as_it_was(site_project):
    """Built aside and swapped in: neither invalid records nor a strict-mode warning wipe the published site."""
    assert build(site_project).returncode == 0
    marker = site_project.root / "site" / "marker.txt"
    marker.write_text("previous build", encoding="utf-8")

    overview = site_project.root / "content" / "overview.md"
    overview.write_text(overview.read_text(encoding="utf-8") + "\n[gone](missing.md)\n", encoding="utf-8")
    warned = build(site_project)
    assert warned.returncode == 1 and "missing.md" in warned.stderr  # a warning, fatal only in strict mode
    assert marker.read_text(encoding="utf-8") == "previous build"

    claim = site_project.evidence / "claims" / "effect-unknown.yaml"
    original = claim.read_text(encoding="utf-8")
    claim.write_text("id: [broken\n", encoding="utf-8")
    invalid = build(site_project)
    assert invalid.returncode == 1 and "effect-unknown.yaml" in invalid.stderr
    assert marker.read_text(encoding="utf-8") == "previous build"
    assert sorted(p.name for p in site_project.root.iterdir() if p.name.startswith(".site")) == []

    overview.write_text(overview.read_text(encoding="utf-8").replace("[gone](missing.md)", ""), encoding="utf-8")
    claim.write_text(original, encoding="utf-8")
    assert build(site_project).returncode == 0
    assert not marker.exists() and (site_project.root / "site" / "index.html").is_file()


def test_without_git_the_changelog_says_why_and_pages_give_no_date(site_project):
    assert build(site_project).returncode == 0
    changelog = html(site_project, "changelog/index.html")
    assert "No history is shown: the records are not in a git repository." in changelog
    assert "Last updated" not in html(site_project, "claims/boards-feel-freer/index.html")
    assert 'href="../changelog/"' in html(site_project, "methods/index.html")  # in the navigation


def test_downloads_are_built_with_the_site_and_linked_from_their_page(site_project):
    result = build(site_project)
    assert result.returncode == 0, result.stderr
    downloads = site_project.root / "site" / "downloads"
    names = ["brief.pdf", "evidence.json", "evidence.schema.json", "claims.csv", "sources.bib", "sources.ris",
             "sources.json"]
    page = html(site_project, "downloads/index.html")
    for name in names:
        assert (downloads / name).stat().st_size > 0
        assert f'href="{name}"' in page
    document = json.loads((downloads / "evidence.json").read_text(encoding="utf-8"))
    assert document["claims"][0]["page"].startswith("http://127.0.0.1:8000/claims/")
    assert "copyrighted" in page
    assert 'href="downloads/"' in html(site_project, "index.html")  # the home page links it
    assert 'href="downloads/brief.pdf"' in html(site_project, "index.html")  # and the brief
    assert (downloads / "brief.pdf").read_bytes().startswith(b"%PDF-")
    claim = html(site_project, "claims/change-is-quick/index.html")
    assert re.search(r'<details class="quote">\s*<summary>Cite this</summary>', claim)
    details = claim[claim.index('<details class="quote">'):claim.index("</details>")]
    assert "@misc{change-is-quick," in re.sub(r"<[^>]+>", "", details)  # the BibTeX, in a code block
    assert "<pre" in details and "Permalink: <a" in details
    permalink = re.search(r'Permalink: <a ([^>]*)>', details).group(1)
    assert 'href="http://127.0.0.1:8000/claims/change-is-quick/"' in permalink
    assert "ev-external" not in permalink  # a link into the site itself does not print its address
