"""What a reader learns about scope: where each open question is open, and the period the sources cover."""

from __future__ import annotations

import re

from support import Project, page_bodies, write_valid_base

from build_tools.engine.validate import run


def text(html: str) -> str:
    """The page's words, without tags, on one line."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def add_question(project: Project, question_id: str, open_in: str | None) -> None:
    project.write("question", question_id, f"""
        id: {question_id}
        question: Question {question_id}?
        {f"open_in: {open_in}" if open_in else ""}
        why_open: Nobody has looked.
        claims: [effect-unknown]
        would_settle: A study.
    """)


def test_open_questions_are_grouped_by_where_they_are_open(project):
    write_valid_base(project)  # patient-effects is open in the field
    add_question(project, "later-survey", "these-documents")
    add_question(project, "not-sorted-yet", None)
    index = text(page_bodies(project)["questions/index.md"])
    field, documents, other = (index.index("Open in the field"), index.index("Unresolved in these documents"),
                               index.index("Other questions"))
    assert field < index.index("What is the effect on patients?") < documents
    assert documents < index.index("Question later-survey?") < other < index.index("Question not-sorted-yet?")


def test_without_any_scope_the_questions_are_one_list(project):
    write_valid_base(project)
    source = project.evidence / "questions" / "patient-effects.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("open_in: the-field", ""), encoding="utf-8")
    index = text(page_bodies(project)["questions/index.md"])
    assert "What is the effect on patients?" in index
    assert "Open in the field" not in index and "Other questions" not in index


def test_a_question_page_says_where_it_is_open_in_reader_words(project):
    write_valid_base(project)
    add_question(project, "later-survey", "these-documents")
    rendered = page_bodies(project)
    assert "Open in the field. The documents themselves say that nobody knows yet." in text(
        rendered["questions/patient-effects.md"])
    page = text(rendered["questions/later-survey.md"])
    assert "Unresolved in these documents." in page and "these-documents" not in page


def test_an_unknown_scope_is_a_finding_naming_the_allowed_values(project):
    write_valid_base(project)
    add_question(project, "typo", "the-feild")
    findings = run(project.evidence, project.archive, strict_mode=True).findings
    assert len(findings) == 1 and findings[0].file.endswith("typo.yaml")
    assert "the-field" in findings[0].message + (findings[0].hint or "")


def test_a_source_page_gives_the_period_its_data_cover_or_says_it_does_not(project):
    write_valid_base(project)
    source = project.evidence / "sources" / "journal-report.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "2013: the survey's one round", "<b>2013</b> & after"), encoding="utf-8")
    rendered = page_bodies(project)
    assert "Period its data cover &lt;b&gt;2013&lt;/b&gt; &amp; after" in text(rendered["sources/journal-report.md"])
    assert "Period its data cover Reports no data of its own, or does not say" in text(
        rendered["sources/second-report.md"])


def test_the_home_page_gives_the_years_the_sources_appeared_and_how_many_are_undated(project):
    write_valid_base(project)  # dated 2014-04 and 2015
    assert "The sources were published between 2014 and 2015." in text(page_bodies(project)["index.md"])
    for source_id in ("journal-report", "second-report"):
        path = project.evidence / "sources" / f"{source_id}.yaml"
        body = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"date: .*", "date: 2014-04" if source_id == "journal-report" else "date: null",
                               body), encoding="utf-8")
    home = text(page_bodies(project)["index.md"])
    assert "The sources were published in 2014; 1 carries no date." in home
