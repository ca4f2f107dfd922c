"""Cross-record checks: references, quotes against the archive, coverage and certainty warnings."""

from __future__ import annotations

import re

import pytest
from support import only

from build_tools.engine.findings import Severity
from build_tools.engine.graph import build_graph, references
from build_tools.engine.load import load_evidence
from build_tools.engine.model import KINDS
from build_tools.engine.validate import run


def findings_of(project, *, archive=True, strict=False):
    return run(project.evidence, project.archive if archive else None, strict_mode=strict).findings


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def claim_path(project, name="boards-feel-freer"):
    return project.evidence / "claims" / f"{name}.yaml"


def test_unresolved_reference_suggests_a_near_miss(valid_project):
    edit(claim_path(valid_project), "themes: [autonomy]", "themes: [autonomi]")
    finding = only(findings_of(valid_project), "unresolved-reference")
    assert finding.line == 3
    assert "theme 'autonomi' does not exist" in finding.message
    assert finding.hint == "did you mean 'autonomy'?"


def test_unresolved_reference_without_near_miss_says_how_to_create_it(valid_project):
    edit(claim_path(valid_project), "- source: journal-report", "- source: zzz")
    finding = only(findings_of(valid_project), "unresolved-reference")
    assert finding.line == 7
    assert "new source zzz" in finding.hint


def test_reference_to_a_broken_record_is_not_reported_twice(valid_project):
    """A typo in a theme file must not also flood every claim with unresolved references."""
    edit(valid_project.evidence / "themes" / "autonomy.yaml", "title: Autonomy", "titel: Autonomy")
    codes = sorted(f.code for f in findings_of(valid_project))
    assert codes == ["missing-field", "unknown-field"]


def test_quote_not_found_names_the_line_and_the_nearest_passage(valid_project):
    edit(valid_project.evidence / "claims" / "effect-unknown.yaml",
         "It's too soon to say what the effect on patients will be",
         "It's too early to say what the effect on patients will be")
    finding = only(findings_of(valid_project), "quote-not-found")
    assert finding.file.endswith("claims/effect-unknown.yaml")
    assert finding.line == 8
    assert "to say what the effect on patients will be" in finding.hint
    assert "nearest passage" in finding.hint


def test_quotes_in_recommendations_and_questions_are_verified(valid_project):
    edit(valid_project.evidence / "recommendations" / "wait-and-see.yaml", "too soon to say", "too soon to tell")
    edit(valid_project.evidence / "questions" / "patient-effects.yaml", "the findings were early",
         "the findings were late")
    lines = sorted((f.file.rsplit("/", 1)[1], f.line) for f in findings_of(valid_project)
                   if f.code == "quote-not-found")
    assert lines == [("patient-effects.yaml", 8), ("wait-and-see.yaml", 5)]


def test_archive_hash_mismatch(valid_project):
    (valid_project.archive / "journal.txt").write_text("changed", encoding="utf-8")
    findings = findings_of(valid_project)
    finding = only(findings, "archive-hash")
    assert finding.line == 10
    assert re.search(r"sha256 of journal.txt is [0-9a-f]{64}", finding.message)


def test_missing_archive_file(valid_project):
    (valid_project.archive / "other.txt").unlink()
    finding = only(findings_of(valid_project), "archive-file")
    assert "'other.txt' is not in" in finding.message
    assert finding.line == 8


def test_archive_file_names_cannot_leave_the_archive(valid_project):
    edit(valid_project.evidence / "sources" / "second-report.yaml", "file: other.txt", "file: ../secret.txt")
    finding = only(findings_of(valid_project), "bad-value")
    assert "no folders" in finding.hint


def test_archive_symlink_out_of_the_folder_is_rejected(valid_project, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    (valid_project.archive / "other.txt").unlink()
    (valid_project.archive / "other.txt").symlink_to(outside)
    finding = only(findings_of(valid_project), "archive-file")
    assert "outside the archive folder" in finding.message


def test_without_archive_quotes_are_reported_unverified(valid_project):
    finding = only(findings_of(valid_project, archive=False), "quotes-unverified")
    assert finding.severity is Severity.warning
    assert "5 quotes were not checked" in finding.message


def test_strict_turns_warnings_into_errors(valid_project):
    finding = only(findings_of(valid_project, archive=False, strict=True), "quotes-unverified")
    assert finding.severity is Severity.error


def test_theme_without_claims_and_uncited_source_are_warnings(valid_project):
    valid_project.write("theme", "lonely", "id: lonely\ntitle: Lonely\nsummary: s\n")
    valid_project.archive_file("unused.txt", "text")
    valid_project.write("source", "unused", f"""
        id: unused
        title: U
        authors: []
        date: null
        type: other
        archive: {{file: unused.txt, sha256: {"a" * 64}}}
    """)
    findings = findings_of(valid_project)
    assert only(findings, "theme-without-claims").severity is Severity.warning
    assert "no claim cites source 'unused'" in only(findings, "source-not-cited").message


def test_high_certainty_from_one_study_counts_reports_not_twice(valid_project):
    """Two reports of the same study are one study: high certainty gets a warning."""
    sha = valid_project.archive_file("third.txt", "Boards were “less constrained by the centre” says author.\n")
    valid_project.write("source", "author-account", f"""
        id: author-account
        title: An author's account of the board study
        authors: [A. Researcher]
        date: 2015
        type: practitioner-article
        study: board-study
        archive: {{file: third.txt, sha256: {sha}}}
    """)
    valid_project.write("claim", "freer-high", """
        id: freer-high
        statement: Boards are freer.
        themes: [autonomy]
        certainty: high
        certainty_rationale: Reported twice.
        evidence:
          - {source: journal-report, quote: less constrained by the centre, stance: supports}
          - {source: author-account, quote: less constrained by the centre, stance: supports}
    """)
    finding = only(findings_of(valid_project), "high-certainty-one-study")
    assert finding.line == 4


def test_high_certainty_from_two_studies_is_accepted(valid_project):
    edit(claim_path(valid_project), "certainty: moderate", "certainty: high")
    assert findings_of(valid_project, strict=True) == []


def test_high_certainty_from_opinion_only(valid_project):
    sha = valid_project.archive_file("view.txt", "I believe boards are freer.\n")
    for name in ("view-a", "view-b"):
        valid_project.write("source", name, f"""
            id: {name}
            title: A view
            authors: [Someone]
            date: 2014
            type: opinion-piece
            archive: {{file: view.txt, sha256: {sha}}}
        """)
    valid_project.write("claim", "opinion-high", """
        id: opinion-high
        statement: Boards are freer.
        themes: [autonomy]
        certainty: high
        certainty_rationale: Two people think so.
        evidence:
          - {source: view-a, quote: boards are freer, stance: supports}
          - {source: view-b, quote: boards are freer, stance: supports}
    """)
    assert "no study supports it" in only(findings_of(valid_project), "certainty-without-study").message


def test_claim_with_no_supporting_evidence_is_flagged(valid_project):
    edit(valid_project.evidence / "claims" / "effect-unknown.yaml", "stance: supports", "stance: contradicts")
    assert only(findings_of(valid_project), "claim-without-support").severity is Severity.warning


def test_graph_indexes(valid_project):
    graph = build_graph(load_evidence(valid_project.evidence))
    assert [c.id for c in graph.claims_by_theme["autonomy"]] == ["boards-feel-freer", "effect-unknown"]
    uses = graph.quotes_by_source["journal-report"]
    assert sorted(u.record.id for u in uses) == ["boards-feel-freer", "effect-unknown", "patient-effects",
                                                 "wait-and-see"]
    assert [s.id for s in graph.reports_by_study["board-study"]] == ["journal-report"]
    assert [r.id for r in graph.recommendations_by_claim["effect-unknown"]] == ["wait-and-see"]
    assert [q.id for q in graph.questions_by_claim["boards-feel-freer"]] == ["patient-effects"]
    claim = graph.claims["boards-feel-freer"]
    assert graph.independent_studies(claim) == ["board-study", "second-study"]
    assert not graph.is_contested(claim)


# --- aliases: former ids of renamed records -----------------------------------

def rename_claim(project, old="effect-unknown", new="patient-effect-unknown", aliases=True):
    """Rename a claim as a contributor would: new file name, new id, the old id in aliases, references updated."""
    path = claim_path(project, old)
    text = path.read_text(encoding="utf-8").replace(f"id: {old}\n", f"id: {new}\n")
    if aliases:
        text += f"aliases: [{old}]\n"
    path.unlink()
    claim_path(project, new).write_text(text, encoding="utf-8")
    for kind in ("recommendations", "questions"):
        for other in (project.evidence / kind).glob("*.yaml"):
            other.write_text(other.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return claim_path(project, new)


def test_a_renamed_record_with_its_old_id_in_aliases_is_valid(valid_project):
    rename_claim(valid_project)
    assert findings_of(valid_project) == []
    graph = build_graph(load_evidence(valid_project.evidence))
    assert graph.renamed("claim", "effect-unknown").id == "patient-effect-unknown"
    assert graph.renamed("theme", "effect-unknown") is None  # aliases are per kind


def test_a_reference_by_a_former_id_is_an_error_naming_the_new_id(valid_project):
    rename_claim(valid_project)
    edit(valid_project.evidence / "questions" / "patient-effects.yaml", "claims: [patient-effect-unknown",
         "claims: [effect-unknown")
    finding = only(findings_of(valid_project), "renamed-reference")
    assert finding.severity is Severity.error
    assert finding.file.endswith("questions/patient-effects.yaml") and (finding.line, finding.column) == (4, 10)
    assert finding.message == "claim 'effect-unknown' was renamed to 'patient-effect-unknown'"
    assert finding.hint == "write 'patient-effect-unknown': a former id only keeps old web addresses working"


def test_an_alias_cannot_be_the_records_own_id(valid_project):
    path = claim_path(valid_project)
    path.write_text(path.read_text(encoding="utf-8") + "aliases: [boards-feel-freer]\n", encoding="utf-8")
    finding = only(findings_of(valid_project), "alias-is-own-id")
    assert finding.severity is Severity.error and finding.location.endswith("boards-feel-freer.yaml:27:11")
    assert finding.message == "alias 'boards-feel-freer' is this claim's own id"


def test_reusing_a_retired_id_says_which_record_retired_it(valid_project):
    """A new record takes the old id of a renamed one: the old links would silently lead to the wrong claim."""
    renamed = rename_claim(valid_project)
    valid_project.write("claim", "effect-unknown", """
        id: effect-unknown
        statement: Another claim that takes the retired id.
        themes: [autonomy]
        certainty: low
        certainty_rationale: One author's remark.
        evidence:
          - source: journal-report
            quote: the findings were early
            stance: supports
    """)
    finding = only(findings_of(valid_project), "retired-id-reused")
    assert finding.severity is Severity.error
    assert finding.location.endswith("claims/effect-unknown.yaml:1:1")  # the record that reuses the id
    alias_line = renamed.read_text(encoding="utf-8").splitlines().index("aliases: [effect-unknown]") + 1
    assert finding.message == ("claim id 'effect-unknown' is retired: claim 'patient-effect-unknown' was renamed "
                               f"from it and lists it in aliases ({renamed}:{alias_line}:11)")
    assert "give this claim another id" in finding.hint and "remove 'effect-unknown' from its aliases" in finding.hint


def test_two_records_cannot_claim_the_same_alias(valid_project):
    rename_claim(valid_project)
    path = claim_path(valid_project)
    path.write_text(path.read_text(encoding="utf-8") + "aliases:\n  - effect-unknown\n", encoding="utf-8")
    finding = only(findings_of(valid_project), "duplicate-alias")
    assert finding.file.endswith("claims/patient-effect-unknown.yaml")  # sorted: boards-feel-freer comes first
    assert finding.message.startswith("alias 'effect-unknown' is already listed by claim 'boards-feel-freer' (")
    assert finding.hint.startswith("an old address can lead to one record only")


def test_an_alias_must_be_a_valid_id(valid_project):
    path = claim_path(valid_project)
    path.write_text(path.read_text(encoding="utf-8") + "aliases: [Old Id]\n", encoding="utf-8")
    finding = only(findings_of(valid_project), "bad-value")
    assert finding.message == "aliases[1]: 'Old Id' is not valid"
    assert finding.hint == "ids are lowercase letters, digits and single hyphens, e.g. gp-engagement"


def test_changed_records_bring_in_the_records_their_aliases_collide_with(valid_project):
    """Validating only a changed file still reports a retired id reused by an unchanged one, and back."""
    from build_tools.engine.validate import run as validate

    path = claim_path(valid_project)
    path.write_text(path.read_text(encoding="utf-8") + "aliases: [effect-unknown]\n", encoding="utf-8")
    report = validate(valid_project.evidence, valid_project.archive, changed=[path])
    assert [f.code for f in report.findings] == ["retired-id-reused"]
    report = validate(valid_project.evidence, valid_project.archive, changed=[claim_path(valid_project,
                                                                                         "effect-unknown")])
    assert [f.code for f in report.findings] == ["retired-id-reused"]


def test_a_rename_in_git_without_an_alias_is_a_warning_on_the_renamed_record(valid_project):
    import datetime

    from build_tools.engine.history import FileChange, RawCommit, build_history
    from build_tools.engine.validate import run as validate

    rename_claim(valid_project, aliases=False)
    history = build_history([
        RawCommit("b" * 40, datetime.date(2026, 2, 1), "Rename",
                  (FileChange("R", "claims/effect-unknown.yaml", "claims/patient-effect-unknown.yaml"),)),
        RawCommit("a" * 40, datetime.date(2026, 1, 1), "Add", (FileChange("A", "claims/effect-unknown.yaml"),)),
    ])
    finding = only(validate(valid_project.evidence, valid_project.archive, history=history).findings,
                   "missing-alias")
    assert finding.severity is Severity.warning
    assert finding.location.endswith("claims/patient-effect-unknown.yaml:1:1")
    assert finding.message == ("claim 'patient-effect-unknown' was renamed from 'effect-unknown' (commit bbbbbbb, "
                               "2026-02-01), but 'effect-unknown' is not among its aliases: its old web address "
                               "leads nowhere")
    assert finding.hint == "add `aliases: [effect-unknown]` so that old links redirect here"
    assert validate(valid_project.evidence, valid_project.archive).findings == []  # no history, no finding
    path = claim_path(valid_project, "patient-effect-unknown")
    path.write_text(path.read_text(encoding="utf-8") + "aliases: [effect-unknown]\n", encoding="utf-8")
    assert validate(valid_project.evidence, valid_project.archive, history=history).findings == []


def test_the_graph_finds_exactly_the_references_that_do_not_resolve(valid_project):
    """build_graph checks reference fields itself, for speed; it must agree with `references`."""
    edits = {
        "sources/journal-report.yaml": [("study: board-study", "study: no-such-study")],
        "claims/boards-feel-freer.yaml": [("themes: [autonomy]", "themes: [autonomy, no-theme]"),
                                          ("source: second-report", "source: no-source")],
        "recommendations/wait-and-see.yaml": [("claims: [effect-unknown]", "claims: [no-claim, effect-unknown]"),
                                              ("source: journal-report", "source: gone-report")],
        "questions/patient-effects.yaml": [("effect-unknown, boards", "effect-unknown, lost-claim, boards"),
                                           ("source: journal-report", "source: lost-report")],
    }
    for name, replacements in edits.items():
        path = valid_project.evidence / name
        text = path.read_text()
        for old, new in replacements:
            assert old in text, (name, old)
            text = text.replace(old, new, 1)
        path.write_text(text)
    graph = build_graph(load_evidence(valid_project.evidence))
    expected = [ref for kind in KINDS for record in graph.by_kind(kind).values() for ref in references(record)
                if graph.get(ref.kind, ref.target) is None]
    assert graph.unresolved == expected
    assert {ref.target for ref in graph.unresolved} == {
        "no-such-study", "no-theme", "no-source", "no-claim", "gone-report", "lost-claim", "lost-report"}


def test_records_are_frozen_for_the_collector_only_in_a_process_without_other_threads(valid_project, monkeypatch):
    """`mkdocs serve` (threads) validates on every rebuild: freezing there would keep each build's garbage."""
    import gc
    import threading

    for threads, frozen in ((1, True), (3, False)):
        gc.unfreeze()
        monkeypatch.setattr(threading, "active_count", lambda threads=threads: threads)
        assert run(valid_project.evidence, valid_project.archive).ok
        assert (gc.get_freeze_count() > 0) is frozen
    gc.unfreeze()


def test_an_id_or_alias_that_is_a_page_of_the_site_itself_is_refused(valid_project):
    """`claims/index` is the list of claims: a claim there would replace it, an alias would redirect it."""
    valid_project.write("theme", "index", "id: index\ntitle: Index\nsummary: A theme named like a page.\n")
    claim = valid_project.evidence / "claims" / "effect-unknown.yaml"
    claim.write_text(claim.read_text(encoding="utf-8") + "aliases: [index]\n", encoding="utf-8")
    findings = [f for f in findings_of(valid_project) if f.code == "reserved-id"]
    assert sorted(f.location.split(":")[0].rsplit("/", 2)[-2] for f in findings) == ["claims", "themes"]
    theme = next(f for f in findings if "themes/index.yaml" in f.location)
    assert theme.location.endswith("themes/index.yaml:1:1") and "the site's list of themes" in theme.message
    alias = next(f for f in findings if "effect-unknown.yaml" in f.location)
    assert "claims/index/" in alias.message and alias.hint


def test_a_sha256_pasted_with_its_file_name_and_a_missing_archive_file_get_hints_that_say_what_to_do(valid_project):
    source = valid_project.evidence / "sources" / "journal-report.yaml"
    text = source.read_text(encoding="utf-8")
    digest = text.split("sha256: ")[1].split()[0]
    source.write_text(text.replace(f"sha256: {digest}", f"sha256: {digest}  journal.txt"), encoding="utf-8")
    finding = only(findings_of(valid_project), "bad-value")
    assert "keep only the 64 hex digits" in finding.hint and f"sha256: {digest})" in finding.hint
    source.write_text(text.replace("file: journal.txt", "file: journal-2014.txt"), encoding="utf-8")
    finding = only(findings_of(valid_project), "archive-file")
    assert str(valid_project.archive) in finding.hint and "EVIDENCE_ARCHIVE" in finding.hint


def test_did_you_mean_suggests_only_records_of_the_kind_referred_to(valid_project):
    """"autonomi" is one letter from the theme 'autonomy', but a source is wanted: no theme is suggested."""
    path = claim_path(valid_project)
    path.write_text(path.read_text(encoding="utf-8").replace("source: second-report", "source: autonomi"),
                    encoding="utf-8")
    finding = only(findings_of(valid_project), "unresolved-reference")
    assert finding.message == "source 'autonomi' does not exist"
    assert "autonomy" not in finding.hint and finding.hint.startswith("no source has this id")


@pytest.mark.parametrize(("name", "flagged"), [
    ("John Storey", True), ("J. Storey", True), ("Mary Jo O’Neill", True), ("Jean-Luc Picard", True),
    ("Storey, John", False), ("Writer, B.", False), ("NHS England", False), ("The King’s Fund", False),
    ("Nuffield Trust", False), ("World Health Organization", False), ("Cher", False),
])
def test_a_person_written_given_name_first_is_a_warning_with_the_name_turned_round(valid_project, name, flagged):
    path = valid_project.evidence / "sources" / "second-report.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('authors: ["Writer, B."]', f'authors: ["{name}"]'),
                    encoding="utf-8")
    findings = [f for f in run(valid_project.evidence, valid_project.archive).findings
                if f.code == "author-name-order"]
    assert bool(findings) is flagged
    if flagged:
        [finding] = findings
        assert finding.severity is Severity.warning and finding.file.endswith("second-report.yaml")
        family, given = name.split()[-1], " ".join(name.split()[:-1])
        assert f"'{family}, {given}'" in finding.hint


def test_an_organisation_listed_as_such_is_not_taken_for_a_person(valid_project):
    path = valid_project.evidence / "sources" / "second-report.yaml"
    text = path.read_text(encoding="utf-8").replace('authors: ["Writer, B."]', 'authors: ["Healthwatch England"]')
    path.write_text(text, encoding="utf-8")
    [finding] = [f for f in run(valid_project.evidence, valid_project.archive).findings
                 if f.code == "author-name-order"]
    assert 'organisations: ["Healthwatch England"]' in finding.hint
    path.write_text(text + 'organisations: ["Healthwatch England"]\n', encoding="utf-8")
    assert run(valid_project.evidence, valid_project.archive, strict_mode=True).findings == []


def test_pages_cannot_be_an_id_its_folder_holds_the_later_pages_of_the_list(valid_project):
    """A theme with id `pages` and more than a page of claims would have its second page where the themes
    list has its own (themes/pages/2/): refused, like `index`."""
    valid_project.write("theme", "pages", "id: pages\ntitle: Pages\nsummary: A theme named like the list's pages.\n")
    finding = only(findings_of(valid_project), "reserved-id")
    assert finding.location.endswith("themes/pages.yaml:1:1")
    assert "themes/pages/ holds the later pages of the site's list of themes" in finding.message
