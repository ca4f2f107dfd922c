"""Pages a policy reader reads: key messages first, evidence as readable blocks, each claim once on a source's
or a study's page, provenance folded away, and reader words only."""

from __future__ import annotations

import re

import pytest
from support import Project, page_bodies, write_valid_base

from build_tools.engine.graph import build_graph
from build_tools.engine.load import load_evidence
from build_tools.engine.model import KINDS
from build_tools.site.render import SiteInfo, render_pages
from build_tools.site.render.markup import quoted


def words(html: str) -> str:
    """What a reader sees: the text without tags, on one line."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def base(project: Project) -> Project:
    """The valid base, plus a claim that the journal report supports, contradicts and qualifies, twice each."""
    write_valid_base(project)
    project.write("claim", "mixed-picture", """
        id: mixed-picture
        statement: The picture is mixed.
        themes: [autonomy]
        certainty: low
        certainty_rationale: One news report, pulling both ways.
        evidence:
          - source: journal-report
            quote: “less constrained by the centre”
            stance: supports
            note: Said by a board chair.
          - source: journal-report
            quote: the picture varied widely between areas
            stance: contradicts
          - source: journal-report
            quote: the findings were early
            stance: qualifies
            locator: paragraph 3
        key_message: The picture may be mixed.
    """)
    return project


def test_a_claim_page_shows_each_stance_under_its_own_heading_as_quote_blocks_of_equal_weight(base):
    page = page_bodies(base)["claims/mixed-picture.md"]
    supports, contradicts, qualifies = (page.index(f'id="what-{s}-it"') for s in ("supports", "contradicts",
                                                                                  "qualifies"))
    assert page.index('id="evidence-profile"') < supports < contradicts < qualifies
    blocks = re.findall(r'<figure class="ev-quote ev-quote-(\w+)">\n<blockquote><p>(.*?)</p></blockquote>', page)
    assert blocks == [("supports", "“‘less constrained by the centre’”"),
                      ("contradicts", "“the picture varied widely between areas”"),
                      ("qualifies", "“the findings were early”")]
    contradicting = page[contradicts:qualifies]
    assert "Boards less constrained by the centre" in words(contradicting)  # the source, named beside the quote
    assert "study: A survey of local boards" in words(contradicting)
    assert "Said by a board chair." in words(page[supports:contradicts])  # who says it
    assert "paragraph 3" in words(page[qualifies:])
    assert "<table" not in page[supports:]  # the evidence is read as blocks, not as a table


def test_a_source_page_names_each_claim_once_with_its_quotes_under_it_and_folds_provenance_away(base):
    page = page_bodies(base)["sources/journal-report.md"]
    assert page.index('class="ev-citation"') < page.index('class="ev-facts"')  # the citation comes first
    assert page.count(">The picture may be mixed.</a>") == 1
    use = page[page.index(">The picture may be mixed.</a>"):]
    use = use[:use.index("</div>")]
    assert [stance for stance in ("supports", "contradicts", "qualifies") if f"ev-stance-{stance}" in use] == [
        "supports", "contradicts", "qualifies"]
    provenance = page[page.index('<details class="ev-provenance">'):]
    provenance = provenance[:provenance.index("</details>") + len("</details>")]
    assert "journal.txt" in provenance and "SHA-256" in provenance
    assert "journal.txt" not in page.replace(provenance, "")  # the archive file is named in Provenance only


def test_a_study_page_names_each_claim_once_grouped_by_theme(base):
    page = page_bodies(base)["studies/board-study.md"]
    for message in ("The picture may be mixed.", "Board members probably see their boards as freer from central "
                                                  "control."):
        assert page.count(f">{message}</a>") == 1, message
    assert '<details class="ev-group" open>\n<summary>Autonomy (' in page  # a few records: open


def test_a_study_drawing_on_many_claims_folds_its_groups(base):
    for n in range(13):
        base.write("claim", f"many-{n}", f"""
            id: many-{n}
            statement: Claim number {n}.
            themes: [autonomy]
            certainty: low
            certainty_rationale: One news report.
            evidence:
              - source: journal-report
                quote: the findings were early
                stance: supports
            key_message: Claim {n} may hold.
        """)
    page = page_bodies(base)["studies/board-study.md"]
    assert '<details class="ev-group">' in page and '<details class="ev-group" open>' not in page


@pytest.mark.parametrize(("quote", "shown"), [
    ("plain words", "“plain words”"),
    ("“a quotation”", "“‘a quotation’”"),
    ("clinicians are “acting differently”", "“clinicians are ‘acting differently’”"),
    ("“saw themselves as able” than before", "“‘saw themselves as able’ than before”"),
    ('a "straight" pair', "“a ‘straight’ pair”"),
])
def test_quotation_marks_are_never_doubled(quote, shown):
    assert str(quoted(quote)) == shown
    assert "””" not in shown and "““" not in shown


def test_the_home_page_gives_key_messages_by_certainty_and_entry_points_to_pages_that_exist(base):
    home = page_bodies(base, SiteInfo("Test synthesis", pages=frozenset({"methods.md"})))["index.md"]
    assert home.index('id="key-messages"') < home.index('id="where-to-start"')
    # no claim is a headline in the fixture: the home page says where every claim is
    assert "every claim is in the" in words(home)
    assert 'href="methods/"' in home and 'href="overview/"' not in home  # the site has no overview page
    assert 'href="summary-of-findings/"' in home and 'href="evidence-map/"' in home
    claim = base.evidence / "claims" / "mixed-picture.yaml"
    claim.write_text(claim.read_text(encoding="utf-8") + "headline: true\n", encoding="utf-8")
    home = page_bodies(base, SiteInfo("Test synthesis", pages=frozenset({"overview.md"})))["index.md"]
    assert 'id="low-certainty"' in home and 'href="overview/"' in home
    item = home[home.index("The picture may be mixed."):]
    item = item[:item.index("</li>")]
    assert "contested" in item and "qualified" in item and 'class="ev-more"' in item


def test_reader_pages_show_no_record_ids_enum_values_or_archive_files(base):
    graph = build_graph(load_evidence(base.evidence))
    ids = {record_id for kind in KINDS for record_id in graph.by_kind(kind)}
    raw = {"news-report", "research-report", "study-findings", "authors-interpretation", "expert-opinion",
           "the-field", "these-documents", "methodological_limitations", "very_low", "journal.txt", "other.txt"}
    for uri, body in page_bodies(base).items():
        if uri.endswith("tags.md"):
            continue
        if uri.startswith("sources/") and "ev-provenance" in body:
            body = re.sub(r'<details class="ev-provenance">.*?</details>', "", body, flags=re.S)
        body = re.sub(r"<pre.*?</pre>", "", body, flags=re.S)  # a BibTeX entry's key is for reference managers
        seen = set(re.findall(r"[a-z0-9_.-]+", words(body)))
        assert not seen & (ids | raw), f"{uri}: {sorted(seen & (ids | raw))}"


def test_recommendation_and_question_pages_say_who_speaks_in_each_quote(base):
    for kind, field_name in (("recommendations/wait-and-see", "made_in"), ("questions/patient-effects", "raised_by")):
        path = base.evidence / f"{kind}.yaml"
        text = path.read_text(encoding="utf-8")
        anchor = "quote: too soon to say" if field_name == "made_in" else "quote: the findings were early"
        path.write_text(text.replace(anchor, anchor + "\n    note: A fellow commenting on the report."),
                        encoding="utf-8")
    rendered = page_bodies(base)
    for uri in ("recommendations/wait-and-see.md", "questions/patient-effects.md"):
        assert "Note: A fellow commenting on the report." in words(rendered[uri]), uri


def test_a_link_to_the_passage_is_set_apart_from_the_source_it_follows(base):
    source = base.evidence / "sources" / "journal-report.yaml"
    source.write_text(source.read_text(encoding="utf-8") + "url: https://example.org/report\n", encoding="utf-8")
    checked = 0
    for uri, page in page_bodies(base).items():
        for match in re.finditer(r'<a class="ev-external" href="[^"]*#:~:text=', page):
            assert page[:match.start()].endswith("· "), (uri, page[match.start() - 60:match.start()])
            assert "open the passage ↗</a>" in page[match.start():match.start() + 300], uri
            checked += 1
    assert checked >= 3  # the claim, theme and source pages all link passages


def test_a_large_evidence_map_lists_each_themes_evidence_instead_of_a_grid(site_project, monkeypatch):
    """Themes × studies grows with the square of the records: past a size, only cells with claims are shown."""
    from build_tools.site.render import evidence_map

    project = site_project
    graph = build_graph(load_evidence(project.evidence))
    grid = render_pages(graph)["evidence-map.md"].body
    assert '<th>Theme</th><th><a href="../studies/' in grid  # a column per study
    monkeypatch.setattr(evidence_map, "MAP_CELLS", 1)
    listed = render_pages(graph)["evidence-map.md"].body
    assert "a grid would be too large to read" in listed and '<th>Theme</th><th>Evidence it draws on</th>' in listed
    assert 'href="../studies/board-study/"' in listed and "ev-chip" in listed
    assert re.search(r"no evidence from \d+ of \d+", listed)
