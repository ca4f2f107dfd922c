"""Study counts never mislead: a source that reports no study is not a study, reports of one study are one,
and evidence against or qualifying a claim is counted per stance and marked in every list."""

from __future__ import annotations

import json
import re

import pytest
from support import ARCHIVE_TEXT, Project, write_valid_base

from build_tools.engine.findings import Severity
from build_tools.engine.graph import build_graph
from build_tools.engine.load import load_evidence
from build_tools.engine.model import SourceType, Stance
from build_tools.engine.validate import run
from build_tools.site.citations import Citations
from build_tools.site.exports import build_exports
from build_tools.site.info import SiteInfo
from build_tools.site.render import render_pages


def _add_sources_without_study(project: Project) -> None:
    """An opinion piece and a news report, neither reporting a study, quoting the shared archived text."""
    sha = project.archive_file("journal.txt", ARCHIVE_TEXT)
    for source_id, kind in (("an-opinion", "opinion-piece"), ("a-news-story", "news-report")):
        project.write("source", source_id, f"""
            id: {source_id}
            title: {source_id.replace("-", " ").capitalize()}
            authors: ["Writer, C."]
            date: 2016
            type: {kind}
            archive:
              file: journal.txt
              sha256: {sha}
        """)


@pytest.fixture
def counted(project: Project) -> Project:
    write_valid_base(project)
    _add_sources_without_study(project)
    # Supported only by sources of no study; the one study there is contradicts it.
    project.write("claim", "change-is-quick", """
        id: change-is-quick
        statement: Doctors on the boards change services quickly.
        themes: [autonomy]
        certainty: low
        certainty_rationale: Commentary only; the one study disagrees.
        evidence:
          - source: an-opinion
            quote: could change services quickly
            stance: supports
          - source: a-news-story
            quote: often within months
            stance: supports
          - source: an-opinion
            quote: when managers had tried for years
            stance: supports
          - source: journal-report
            quote: the picture varied widely between areas
            stance: contradicts
    """)
    # Two reports of one study support it, one source qualifies it.
    project.write("claim", "one-study-twice", """
        id: one-study-twice
        statement: Boards feel less constrained by the centre.
        themes: [autonomy]
        certainty: moderate
        certainty_rationale: One survey, in two reports.
        headline: true
        key_message: The finding probably holds.
        evidence:
          - source: journal-report
            quote: less constrained by the centre
            stance: supports
          - source: journal-report-2
            quote: less constrained by the centre
            stance: supports
          - source: a-news-story
            quote: the findings were early
            stance: qualifies
    """)
    project.write("question", "how-lasting", """
        id: how-lasting
        question: Will boards stay this free?
        why_open: Too early.
        claims: [one-study-twice]
        would_settle: A second survey.
        raised_by:
          - source: journal-report
            quote: the findings were early
    """)
    sha = project.archive_file("journal2.txt", ARCHIVE_TEXT)
    project.write("source", "journal-report-2", f"""
        id: journal-report-2
        title: The same survey, reported again
        authors: ["Writer, D."]
        date: 2014-05
        type: news-report
        study: board-study
        archive:
          file: journal2.txt
          sha256: {sha}
    """)
    return project


def test_a_source_of_no_study_is_not_a_study_and_each_stance_is_counted_apart(counted):
    graph = build_graph(load_evidence(counted.evidence))
    quick = graph.claims["change-is-quick"]
    support = graph.evidence_count(quick, Stance.supports)
    assert support.studies == [] and support.without_study == {SourceType.news_report: 1,
                                                                 SourceType.opinion_piece: 1}
    assert graph.independent_studies(quick) == [], "an opinion piece is not a study"
    assert graph.evidence_count(quick, Stance.contradicts).studies == ["board-study"]
    twice = graph.claims["one-study-twice"]
    assert graph.evidence_count(twice).studies == ["board-study"], "two reports of one study are one study"
    assert graph.evidence_count(twice).without_study == {}
    assert graph.evidence_count(twice, Stance.qualifies).without_study == {SourceType.news_report: 1}
    assert graph.is_qualified(twice) and not graph.is_contested(twice)
    assert graph.is_contested(quick) and not graph.is_qualified(quick)


def test_pages_say_studies_and_the_rest_plainly_and_mark_contested_and_qualified_claims(counted):
    pages = render_pages(build_graph(load_evidence(counted.evidence)), SiteInfo("Test"))
    quick = pages["claims/change-is-quick.md"].body
    assert "<strong>Supported by</strong> no study: only 1 news report and 1 opinion piece" in quick
    assert "<strong>Contradicted by</strong> 1 study" in quick
    assert "independent stud" not in quick
    twice = pages["claims/one-study-twice.md"].body
    assert "<strong>Supported by</strong> 1 study</li>" in twice
    assert "<strong>Qualified by</strong> no study: only 1 news report" in twice
    index = pages["claims/index.md"].body
    row = index[index.index('href="change-is-quick/"'):].split("</tr>")[0]
    assert "contested" in row and "no study: only 1 news report and 1 opinion piece" in row
    row = index[index.index('href="one-study-twice/"'):].split("</tr>")[0]
    assert "qualified" in row and "contested" not in row and re.search(r"<td[^>]*>1 study</td>", row)
    for page in ("themes/autonomy.md", "index.md", "questions/how-lasting.md"):
        body = pages[page].body
        at = body.index("claims/one-study-twice/")
        line = body[body.rindex("<li", 0, at):].split("</li>")[0]  # the whole item: markers before or after
        assert 'class="ev-qualified"' in line, page


def test_mixed_support_says_the_studies_first_and_the_rest_without_a_study(counted):
    claim = counted.evidence / "claims" / "one-study-twice.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace("evidence:\n", """evidence:
  - source: an-opinion
    quote: could change services quickly
    stance: supports
""", 1), encoding="utf-8")
    page = render_pages(build_graph(load_evidence(counted.evidence)), SiteInfo("Test"))["claims/one-study-twice.md"]
    assert "<strong>Supported by</strong> 1 study; also 1 opinion piece without a study" in page.body


def test_evidence_json_carries_the_counts_of_each_stance(counted):
    graph = build_graph(load_evidence(counted.evidence))
    info = SiteInfo("Test")
    files = {d.name: d.content for d in build_exports(graph, info, Citations(graph, info))}
    claims = {c["id"]: c for c in json.loads(files["evidence.json"])["claims"]}
    assert claims["change-is-quick"]["evidence_counts"] == {
        "supports": {"studies": [], "sources_without_study": {"news-report": 1, "opinion-piece": 1}},
        "contradicts": {"studies": ["board-study"], "sources_without_study": {}},
    }
    assert claims["one-study-twice"]["evidence_counts"]["supports"]["studies"] == ["board-study"]


def test_a_high_claim_that_no_study_supports_is_a_warning(counted):
    claim = counted.evidence / "claims" / "change-is-quick.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace("certainty: low", "certainty: high"),
                     encoding="utf-8")
    findings = [f for f in run(counted.evidence, counted.archive).findings if f.code == "certainty-without-study"]
    assert len(findings) == 1 and findings[0].severity is Severity.warning
    assert "claims/change-is-quick.yaml:" in str(findings[0].location)
