"""The method readers must be able to trust: a GRADE-CERQual assessment on every claim, key messages hedged to
their certainty, a summary of findings, and recommendations shown with who makes them and what they stand on."""

from __future__ import annotations

import csv
import io
import json
import subprocess

import pytest
import yaml
from support import Project, run_cli, write_valid_base

from build_tools.engine.findings import Severity
from build_tools.engine.graph import build_graph
from build_tools.engine.load import load_evidence
from build_tools.engine.method import KeyMessageRules, MethodError
from build_tools.engine.model import Certainty
from build_tools.engine.validate import run
from build_tools.site.exports import build_exports
from build_tools.site.info import SiteInfo
from build_tools.site.render import render_pages

CLAIM = "boards-feel-freer"
MESSAGES = {"high": "Boards are freer.", "moderate": "Boards are probably freer.", "low": "Boards may be freer.",
            "very low": "It is uncertain whether boards are freer."}


def _edit(project: Project, kind: str, record_id: str, **changes: object) -> None:
    """Set fields of a record (``None`` removes one), keeping the rest as written."""
    folder = {"claim": "claims", "recommendation": "recommendations", "source": "sources"}[kind]
    path = project.evidence / folder / f"{record_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _assessment(**concerns: str) -> dict[str, dict[str, str]]:
    names = ("methodological_limitations", "coherence", "adequacy", "relevance")
    return {name: {"concerns": concerns.get(name, "no or very minor"), "explanation": f"Why, for {name.split('_')[0]}."}
            for name in names}


def _codes(project: Project, code: str, *, strict: bool = False) -> list:
    return [f for f in run(project.evidence, project.archive, strict_mode=strict).findings if f.code == code]


@pytest.fixture
def base(project: Project) -> Project:
    write_valid_base(project)
    assert run(project.evidence, project.archive, strict_mode=True).findings == []
    return project


# --- the assessment -------------------------------------------------------------------------------------

def test_every_component_must_be_judged_with_file_and_line(base):
    path = base.evidence / "claims" / f"{CLAIM}.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  coherence:\n")
    end = text.index("  adequacy:\n")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    finding = _codes(base, "missing-field")[0]
    assert finding.message == "missing required field 'assessment.coherence'"
    assert finding.severity is Severity.error and finding.line == text[:text.index("assessment:")].count("\n") + 1
    assert "Do the sources fit together" in finding.hint


def test_a_judgement_outside_the_four_levels_is_refused_with_the_levels(base):
    _edit(base, "claim", CLAIM, assessment=_assessment(adequacy="some"))
    finding = _codes(base, "bad-value")[0]
    assert finding.message == "assessment.adequacy.concerns: 'some' is not an allowed value"
    assert finding.hint.endswith("choose one of: no or very minor, minor, moderate, serious")
    _edit(base, "claim", CLAIM, assessment=_assessment(adequacy="none"))
    assert _codes(base, "bad-value")[0].hint.startswith("did you mean 'no or very minor'?")


@pytest.mark.parametrize("written", [None, ["minor"], "minor"])
def test_a_component_written_as_one_value_says_which_fields_go_under_it(base, written):
    _edit(base, "claim", CLAIM, assessment={**_assessment(), "coherence": written})
    finding = next(f for f in run(base.evidence, base.archive).findings if f.code == "wrong-type")
    assert finding.message.startswith("assessment.coherence should be a mapping of fields")
    assert finding.hint == "write its fields on the lines below it, indented: `concerns:`, `explanation:`"


def test_contradicting_evidence_is_a_concern_about_coherence(base):
    _edit(base, "claim", "effect-unknown", evidence=[
        {"source": "journal-report", "quote": "It's too soon to say what the effect on patients will be",
         "stance": "supports"},
        {"source": "journal-report", "quote": "the picture varied widely between areas", "stance": "contradicts"}])
    finding = _codes(base, "contested-but-coherent")[0]
    assert finding.severity is Severity.warning and "effect-unknown" in finding.message
    _edit(base, "claim", "effect-unknown", assessment=_assessment(adequacy="moderate", coherence="minor"))
    assert _codes(base, "contested-but-coherent") == []


def test_the_old_flat_list_of_concerns_says_what_replaced_it(base):
    path = base.evidence / "claims" / f"{CLAIM}.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "certainty_concerns: [adequacy]\n", encoding="utf-8")
    finding = _codes(base, "unknown-field")[0]
    assert "certainty_concerns was replaced by `assessment:`" in finding.hint


@pytest.mark.parametrize(("certainty", "concerns", "code"), [
    ("high", {"coherence": "moderate"}, "certainty-above-concerns"),
    ("high", {"adequacy": "serious"}, "certainty-above-concerns"),
    ("moderate", {}, "certainty-below-concerns"),
    ("low", {}, "certainty-below-concerns"),
    ("very low", {"adequacy": "minor", "relevance": "minor"}, "certainty-below-concerns"),
])
def test_an_overall_level_that_does_not_fit_the_judgements_asks_why(base, certainty, concerns, code):
    _edit(base, "claim", CLAIM, certainty=certainty, assessment=_assessment(**concerns),
          key_message=MESSAGES[certainty])
    findings = _codes(base, code)
    assert len(findings) == 1 and findings[0].severity is Severity.warning
    assert "why_overall_differs" in findings[0].hint
    assert _codes(base, code, strict=True)[0].severity is Severity.error
    _edit(base, "claim", CLAIM, assessment={**_assessment(**concerns),
                                            "why_overall_differs": "The reviewers explain it here."})
    assert _codes(base, code) == []


@pytest.mark.parametrize(("certainty", "concerns"), [
    ("high", {"coherence": "minor"}), ("moderate", {"adequacy": "moderate"}), ("low", {"adequacy": "serious"}),
    ("very low", {"methodological_limitations": "serious"}),
])
def test_levels_that_fit_the_judgements_pass(base, certainty, concerns):
    _edit(base, "claim", CLAIM, certainty=certainty, assessment=_assessment(**concerns))
    codes = {f.code for f in run(base.evidence, base.archive).findings}
    assert not codes & {"certainty-above-concerns", "certainty-below-concerns"}


def _only_a_news_story(project: Project) -> None:
    """The claim's support becomes one news report that reports no study."""
    project.write("source", "a-news-story", f"""
        id: a-news-story
        title: A news story
        authors: []
        date: 2016
        type: news-report
        archive: {{file: journal.txt, sha256: {project.archive_file("journal.txt", "")}}}
    """)
    from support import ARCHIVE_TEXT
    sha = project.archive_file("journal.txt", ARCHIVE_TEXT)
    _edit(project, "source", "a-news-story", archive={"file": "journal.txt", "sha256": sha})
    _edit(project, "claim", CLAIM, evidence=[{"source": "a-news-story", "quote": "less constrained by the centre",
                                              "stance": "supports"}])


def test_a_claim_no_study_supports_is_at_most_low_unless_the_assessment_says_why(base):
    _only_a_news_story(base)
    finding = _codes(base, "certainty-without-study")[0]  # rated moderate in the base
    assert "no study supports it" in finding.message and finding.severity is Severity.warning
    _edit(base, "claim", CLAIM, certainty="low", key_message="Boards may be freer.",
          assessment=_assessment(methodological_limitations="moderate"))
    assert _codes(base, "certainty-without-study") == []
    _edit(base, "claim", CLAIM, certainty="moderate", key_message="Boards are probably freer.",
          assessment={**_assessment(methodological_limitations="minor"),
                      "why_overall_differs": "The report quotes official figures directly."})
    assert _codes(base, "certainty-without-study") == []


# --- key messages -----------------------------------------------------------------------------------------

def test_a_missing_key_message_is_a_warning_and_an_error_under_strict(base):
    _edit(base, "claim", CLAIM, key_message=None)
    finding = _codes(base, "missing-key-message")[0]
    assert finding.severity is Severity.warning and finding.file.endswith(f"{CLAIM}.yaml") and finding.line == 1
    assert _codes(base, "missing-key-message", strict=True)[0].severity is Severity.error


def test_a_key_message_over_the_limit_is_a_warning(base):
    _edit(base, "claim", CLAIM, key_message="Board members probably " + "really " * 30 + "feel freer.")
    finding = _codes(base, "key-message-too-long")[0]
    assert "has 35 words; the limit is 25" in finding.message


@pytest.mark.parametrize(("certainty", "message", "flagged"), [
    ("moderate", "Board members see their boards as freer.", True),
    ("moderate", "Board members probably see their boards as freer.", False),
    ("moderate", "Board members are LIKELY to see their boards as freer.", False),
    ("low", "The mayor sees the boards as freer.", True),  # "may" only as a whole word
    ("low", "Board members may see their boards as freer.", False),
    ("very low", "Board members probably see their boards as freer.", True),
    ("very low", "It is uncertain whether board members see their boards as freer.", False),
    ("high", "Board members see their boards as freer.", False),
])
def test_a_key_message_below_high_must_be_hedged_for_its_level(base, certainty, message, flagged):
    worst = {"high": {}, "moderate": {"adequacy": "minor"}, "low": {"adequacy": "moderate"},
             "very low": {"adequacy": "serious"}}[certainty]
    _edit(base, "claim", CLAIM, certainty=certainty, key_message=message, assessment=_assessment(**worst))
    findings = _codes(base, "key-message-unhedged")
    assert len(findings) == int(flagged)
    if flagged:
        assert f"rated {certainty}" in findings[0].message
        lines = (base.evidence / "claims" / f"{CLAIM}.yaml").read_text(encoding="utf-8").splitlines()
        assert lines[findings[0].line - 1].startswith("key_message:")


def test_hedges_are_the_projects_to_set(base):
    rules = KeyMessageRules.from_settings({"max_words": 12, "hedges": {"low": ["perhaps"]}})
    assert rules.hedge_used("Perhaps boards are freer.", Certainty.low) == "perhaps"
    assert rules.hedge_used("Boards may be freer.", Certainty.low) is None
    assert rules.hedge_used("Boards are probably freer.", Certainty.moderate) == "probably"  # defaults kept
    for settings, problem in [("yes", "expected settings"), ({"hedges": {"medium": ["x"]}}, "'medium' is not"),
                              ({"max_words": 0}, "max_words"), ({"hedge": {}}, "unknown setting hedge"),
                              ({"hedges": {"low": "may"}}, "expected a list"), ({"hedges": {"low": []}}, "one or more"),
                              ({"hedges": {"high": ["surely"]}}, "without a hedge"), ({"hedges": []}, "maps a cert")]:
        with pytest.raises(MethodError, match=problem):
            KeyMessageRules.from_settings(settings)


def _cli_validate(project: Project) -> subprocess.CompletedProcess[str]:
    return run_cli("validate", "--strict", "--archive", "archive", cwd=project.root, bare=True)


def test_a_key_message_as_long_as_the_project_allows_is_not_cut_short_by_the_model(base):
    config = base.root / "mkdocs.yml"
    config.write_text("site_name: T\nplugins:\n  - evidence:\n      key_messages: {max_words: 120}\n", encoding="utf-8")
    _edit(base, "claim", CLAIM, key_message="Board members probably see their boards as freer " * 9)
    result = _cli_validate(base)
    assert result.returncode == 0, result.stderr


def test_check_applies_the_projects_key_message_rules_as_validate_does(base):
    (base.root / "mkdocs.yml").write_text("site_name: T\nplugins:\n  - evidence:\n      archive: archive\n"
                                          "      key_messages: {max_words: 4}\n", encoding="utf-8")
    result = run_cli("check", "--skip", "lint", "--skip", "build", "--skip", "links", "--skip", "engines",
                     "--skip", "tests", cwd=base.root, bare=True)
    assert result.returncode == 1 and "[key-message-too-long]" in result.stdout + result.stderr


def test_validate_takes_the_hedges_from_mkdocs_yml_and_refuses_bad_settings(base):
    config = base.root / "mkdocs.yml"
    config.write_text("site_name: T\nplugins:\n  - evidence:\n      key_messages:\n        hedges:\n"
                      "          moderate: [arguably]\n", encoding="utf-8")
    result = _cli_validate(base)
    assert result.returncode == 1 and "[key-message-unhedged]" in result.stderr and '"arguably"' in result.stderr
    config.write_text("site_name: T\nplugins:\n  - evidence:\n      key_messages:\n        max_word: 3\n",
                      encoding="utf-8")
    result = _cli_validate(base)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "key_messages: unknown setting max_word" in result.stderr


# --- what readers see --------------------------------------------------------------------------------------

def _pages(project: Project) -> dict:
    return render_pages(build_graph(load_evidence(project.evidence)), SiteInfo("Test"))


def test_the_claim_page_leads_with_the_key_message_and_shows_the_evidence_profile_in_words(base):
    _edit(base, "claim", CLAIM, assessment={**_assessment(adequacy="moderate", coherence="minor"),
                                            "why_overall_differs": "Two studies agree closely."})
    page = _pages(base)[f"claims/{CLAIM}.md"]
    assert page.title == "Board members probably see their boards as freer from central control."
    body = page.body
    assert body.index("Board members probably see") < body.index("The finding in full:")
    assert "Board members see their boards as freer from central control than earlier bodies." in body
    profile = body[body.index('id="evidence-profile"'):body.index("</table>", body.index('id="evidence-profile"'))]
    for label, judgement in [("Methodological limitations", "No or very minor concerns"),
                             ("Coherence", "Minor concerns"), ("Adequacy of data", "Moderate concerns"),
                             ("Relevance", "No or very minor concerns")]:
        assert f'<th scope="row">{label}</th><td data-label="Judgement"><span class="ev-concerns' in profile
        assert judgement in profile
    assert "Why, for adequacy." in profile
    assert "methodological_limitations" not in body and "methodological-limitations" not in body
    assert "Two studies agree closely." in body
    assert "<strong>Moderate certainty.</strong>" in body


def test_links_lists_and_search_titles_show_the_key_message(base):
    pages = _pages(base)
    message = "Board members probably see their boards as freer from central control."
    for uri in ("claims/index.md", "themes/autonomy.md", "summary-of-findings.md", "evidence-map.md",
                "questions/patient-effects.md"):
        assert message in pages[uri].body, uri
    assert "Board members see their boards" in pages[f"claims/{CLAIM}.md"].search  # the statement is searchable


def test_the_summary_of_findings_lists_every_claim_once_grouped_by_theme(base):
    base.write("theme", "quality", """
        id: quality
        title: Quality
        summary: Quality of care.
    """)
    _edit(base, "claim", "effect-unknown", themes=["quality", "autonomy"])
    _only_a_news_story(base)
    _edit(base, "claim", CLAIM, certainty="low", key_message="Boards may be freer.",
          assessment=_assessment(methodological_limitations="moderate"))
    body = _pages(base)["summary-of-findings.md"].body
    assert body.count('href="../claims/') == 2
    groups = body.split('<tr class="ev-group">')[1:]
    assert [g.split("</a>")[0].rsplit(">", 1)[1] for g in groups] == ["Autonomy", "Quality"]
    assert "claims/effect-unknown/" in groups[1] and "claims/effect-unknown/" not in groups[0]
    row = next(r for r in body.split("<tr ") if f"claims/{CLAIM}/" in r)
    assert 'data-themes="autonomy"' in row and 'data-certainty="low"' in row
    cells = row.split("<td")
    assert cells[4].startswith(' data-label="Studies contributing">None')  # no study contributes
    assert "A news story</a> (news report)" in cells[5]
    assert '<option value="quality">Quality</option>' in body and '<option value="very-low">' in body


def test_the_summary_of_findings_is_in_the_navigation_and_linked_from_home(base):
    from build_tools.site.render import NAV_PAGES, SUMMARY_OF_FINDINGS
    assert SUMMARY_OF_FINDINGS in NAV_PAGES
    assert 'href="summary-of-findings/"' in _pages(base)["index.md"].body


# --- recommendations ---------------------------------------------------------------------------------------

def test_a_recommendation_names_who_makes_it_and_what_it_stands_on(base):
    _edit(base, "recommendation", "wait-and-see", claims=["effect-unknown", CLAIM],
          made_by=["Fictional University", "A. Researcher"])
    pages = _pages(base)
    page = pages["recommendations/wait-and-see.md"].body
    assert "<strong>Made by:</strong> Fictional University; A. Researcher" in page
    assert "<strong>Basis:</strong> Study findings." in page
    assert "lowest" in page and "1 moderate and 1 low (2 claims)" in page
    index = pages["recommendations/index.md"].body
    row = index[index.index("<tbody>"):]
    assert ('<td data-label="Made by">Fictional University; A. Researcher</td>'
            '<td data-label="Basis">Study findings</td>') in row
    assert 'data-basis="study-findings" data-lowest="low"' in row


def test_the_recommendations_index_lists_the_best_founded_first_and_can_be_reordered(base):
    base.write("recommendation", "act-now", """
        id: act-now
        statement: Act now.
        made_by: [A. Commentator]
        basis: expert-opinion
        made_in:
          - source: journal-report
            quote: the findings were early
        rationale: Because.
        claims: [boards-feel-freer]
        audience: [boards]
    """)
    base.write("recommendation", "a-first", """
        id: a-first
        statement: A first step.
        made_by: [Fictional University]
        basis: authors-interpretation
        made_in:
          - source: journal-report
            quote: the findings were early
        rationale: Because.
        claims: [boards-feel-freer]
        audience: [boards]
    """)
    index = _pages(base)["recommendations/index.md"].body
    positions = sorted(["wait-and-see", "act-now", "a-first"], key=lambda r: index.index(f'href="{r}/"'))
    # moderate claims first (by basis: the authors' interpretation, then opinion), then the one resting on low
    assert positions == ["a-first", "act-now", "wait-and-see"]
    row = index[index.index('href="act-now/"') - 200:index.index('href="act-now/"')]
    assert 'data-order="1" data-order-basis="2" data-order-title="1"' in row
    assert '<option value="expert-opinion">Expert opinion or commentary</option>' in index


@pytest.mark.parametrize(("made_by", "code", "text", "severity"), [
    (["A. Researcher", "a.  researcher"], "duplicate-maker", "named twice", Severity.error),
    (["NHS", "“NHS”."], "duplicate-maker", "named twice", Severity.error),
    (["Boards less constrained by the centre"], "maker-is-title", "names the document", Severity.warning),
    (["‘Boards Less Constrained by the Centre.’"], "maker-is-title", "names the document", Severity.warning),
])
def test_who_makes_a_recommendation_is_someone_named_once(base, made_by, code, text, severity):
    _edit(base, "recommendation", "wait-and-see", made_by=made_by)
    finding = _codes(base, code)[0]
    assert finding.severity is severity and text in finding.message and finding.file.endswith("wait-and-see.yaml")


def test_a_recommendation_in_the_old_format_says_where_the_quotes_go(base):
    path = base.evidence / "recommendations" / "wait-and-see.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["made_by"] = data.pop("made_in")
    del data["basis"]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    findings = run(base.evidence, base.archive).findings
    hint = next(f for f in findings if f.code == "wrong-type").hint
    assert "move the quotes, unchanged, to `made_in:`" in hint
    assert {"missing-field"} <= {f.code for f in findings}


def test_a_basis_of_study_findings_needs_a_source_that_reports_a_study(base):
    _only_a_news_story(base)
    _edit(base, "recommendation", "wait-and-see",
          made_in=[{"source": "a-news-story", "quote": "the findings were early"}])
    assert len(_codes(base, "basis-without-study")) == 1
    _edit(base, "recommendation", "wait-and-see", basis="expert-opinion")
    assert _codes(base, "basis-without-study") == []


# --- exports -----------------------------------------------------------------------------------------------

def test_exports_carry_the_assessment_key_message_and_makers(base):
    files = {d.name: d.content for d in build_exports(build_graph(load_evidence(base.evidence)), SiteInfo("T"))}
    document = json.loads(files["evidence.json"])
    claim = next(c for c in document["claims"] if c["id"] == CLAIM)
    assert claim["key_message"].startswith("Board members probably")
    assert claim["assessment"]["adequacy"] == {"concerns": "minor", "explanation": "Judged for the test."}
    recommendation = document["recommendations"][0]
    assert recommendation["made_by"] == ["A. Researcher"] and recommendation["basis"] == "study-findings"
    assert recommendation["made_in"][0]["quote"] == "too soon to say"
    schema = json.loads(files["evidence.schema.json"])
    assert "assessment" in json.dumps(schema) and "made_in" in json.dumps(schema)
    rows = list(csv.DictReader(io.StringIO(files["claims.csv"])))
    row = next(r for r in rows if r["claim_id"] == CLAIM)
    assert row["claim_key_message"].startswith("Board members probably")
    assert row["adequacy_concerns"] == "minor" and row["coherence_concerns"] == "no or very minor"
