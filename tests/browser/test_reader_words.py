"""What a reader sees in Chromium: no record id, enum value or archive file name on any page, and a study page
that names each claim once."""

from __future__ import annotations

import re

RAW = {"news-report", "research-report", "opinion-piece", "peer-reviewed-article", "study-findings",
       "authors-interpretation", "expert-opinion", "the-field", "these-documents", "methodological_limitations",
       "no-or-very-minor", "very_low"}

# The article's visible words, leaving out what is not prose for readers: code blocks (a BibTeX entry's key),
# the folded Provenance block (where the archive file is named on purpose) and addresses.
SHOWN = r"""() => {
  const article = document.querySelector('.md-content article').cloneNode(true);
  article.querySelectorAll('pre, details.ev-provenance, .ev-sr').forEach(el => el.remove());
  return article.innerText.replace(/https?:\/\/\S+/g, ' ');
}"""


def test_no_reader_page_shows_a_record_id_an_enum_value_or_an_archive_file(page, site, graph):
    ids = {record_id for kind in ("claim", "source", "study", "theme", "recommendation", "question")
           for record_id in graph.by_kind(kind)}
    archived = {path.name for path in site.archive.iterdir()}
    assert archived, "the archive's file names are looked for"
    problems = []
    for path in site.pages():
        if path.startswith(("contributing/", "changelog/")):  # for contributors; commit subjects
            continue
        page.goto(site.url + path)
        if not page.locator(".md-content article").count():
            continue  # a page that forwards an old address
        shown = set(re.findall(r"[A-Za-z0-9_.-]+", page.evaluate(SHOWN)))
        if found := shown & (ids | RAW | archived):
            problems.append(f"/{path}: {sorted(found)[:5]}")
    assert not problems, "\n".join(problems)


def test_a_study_page_names_each_claim_once(page, site, graph):
    for study_id in graph.studies:
        page.goto(f"{site.url}studies/{study_id}/")
        links = page.locator(".md-content a[href*='/claims/']")
        targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert targets, study_id
        repeated = {t for t in targets if targets.count(t) > 1}
        assert not repeated, f"{study_id}: {sorted(repeated)[:3]}"
        # folded sections too: their text is on the page, a click away
        shown = " ".join(page.locator(".md-content article").evaluate("el => el.textContent").split())
        for claim in {t.rstrip("/").rsplit("/", 1)[-1] for t in targets}:
            message = " ".join(graph.claims[claim].title_text.split())
            assert shown.count(message) == 1, (study_id, claim)
