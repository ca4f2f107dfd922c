"""The loader turns every kind of broken YAML into a finding with file, line and a hint."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from support import only

from build_tools.engine.findings import Severity
from build_tools.engine.load import MAX_FILE_BYTES, load_evidence
from build_tools.engine.validate import run


def codes(findings):
    return [(f.code, f.line) for f in findings]


def test_valid_base_loads_every_kind_and_validates_strict(valid_project):
    """The fixture base is clean: the baseline every other test breaks one thing in."""
    report = run(valid_project.evidence, valid_project.archive, strict_mode=True)
    assert report.findings == []
    assert {k: len(v) for k, v in report.base.records.items()} == {
        "source": 2, "study": 2, "claim": 2, "theme": 1, "recommendation": 1, "question": 1}


def test_records_remember_file_line_and_column(valid_project):
    base = load_evidence(valid_project.evidence)
    claim = base.records["claim"]["boards-feel-freer"]
    assert claim.file.endswith("evidence/claims/boards-feel-freer.yaml")
    assert claim.position("evidence", 1, "quote") == (11, 5)
    assert claim.position("themes", 0) == (3, 10)


def test_yaml_syntax_error_names_line_and_column(project):
    project.write("theme", "t", """
        id: t
        title: Broken
        summary: this: has a colon
    """)
    finding = only(load_evidence(project.evidence).findings, "yaml-syntax")
    assert (finding.line, finding.column) == (3, 14)
    assert "quoted" in finding.hint
    assert finding.file.endswith("themes/t.yaml")


def test_tabs_get_a_hint_about_spaces(project):
    path = project.write("theme", "t", "id: t\ntitle: x\nsummary:\n\t- x\n")
    assert path.exists()
    finding = only(load_evidence(project.evidence).findings, "yaml-syntax")
    assert finding.line == 4
    assert "spaces, not tabs" in finding.hint


def test_duplicate_key_is_caught_with_both_lines(project):
    project.write("theme", "t", """
        id: t
        title: First
        summary: s
        title: Second
    """)
    finding = only(load_evidence(project.evidence).findings, "duplicate-key")
    assert finding.line == 4
    assert "first on line 2" in finding.message


def test_unknown_field_suggests_the_right_name(project):
    project.write("theme", "t", """
        id: t
        title: T
        summary: s
        sumary: typo
    """)
    finding = only(load_evidence(project.evidence).findings, "unknown-field")
    assert finding.line == 4
    assert "did you mean 'summary'" in finding.hint


def test_missing_field_points_at_the_mapping_that_lacks_it(project):
    project.write("claim", "c", """
        id: c
        statement: S.
        themes: [t]
        certainty: low
        certainty_rationale: r
        evidence:
          - source: s
            stance: supports
    """)
    finding = only(load_evidence(project.evidence).findings, "missing-field")
    assert "evidence[1].quote" in finding.message
    assert finding.line == 7


def test_wrong_type_says_what_was_expected(project):
    project.write("theme", "t", """
        id: t
        title: 2014
        summary: [a, b]
    """)
    findings = load_evidence(project.evidence).findings
    assert sorted(codes(findings)) == [("wrong-type", 2), ("wrong-type", 3)]
    assert "put the value in quotes" in next(f for f in findings if f.line == 2).hint


def test_bad_enum_value_suggests_the_closest(project):
    project.write("claim", "c", """
        id: c
        statement: S.
        themes: [t]
        certainty: moderat
        certainty_rationale: r
        evidence:
          - {source: s, quote: q, stance: support}
    """)
    findings = load_evidence(project.evidence).findings
    certainty = next(f for f in findings if f.line == 4)
    stance = next(f for f in findings if f.line == 7)
    assert "did you mean 'moderate'" in certainty.hint
    assert "did you mean 'supports'" in stance.hint


def test_dates_must_be_iso_and_real(project):
    for record_id, date in [("a", "2014"), ("b", "2014-04"), ("c", "2014-04-02"), ("d", "null"),
                            ("e", "April 2014"), ("f", "2014-13"), ("g", "2014-02-30")]:
        project.write("source", record_id, f"""
            id: {record_id}
            title: T
            authors: []
            date: {date}
            type: other
            archive: {{file: x.txt, sha256: {"a" * 64}}}
        """)
    base = load_evidence(project.evidence)
    assert sorted(base.records["source"]) == ["a", "b", "c", "d"]
    assert base.records["source"]["a"].date == "2014"
    assert base.records["source"]["c"].date == "2014-04-02"
    bad = sorted((f.file.rsplit("/", 1)[1], f.line) for f in base.findings)
    assert bad == [("e.yaml", 4), ("f.yaml", 4), ("g.yaml", 4)]


def test_language_tags_are_rejected(project):
    project.write("theme", "t", """
        id: t
        title: !!python/object:os.system x
        summary: s
    """)
    finding = only(load_evidence(project.evidence).findings, "yaml-tag")
    assert finding.line == 2
    assert "python/object" in finding.message


def test_aliases_are_rejected(project):
    project.write("theme", "t", """
        id: t
        title: &a Title
        summary: *a
    """)
    finding = only(load_evidence(project.evidence).findings, "yaml-alias")
    assert finding.line == 2  # the anchor: composed aliases share its node


def test_id_must_equal_file_stem(project):
    project.write("theme", "autonomy", "id: autonomyy\ntitle: T\nsummary: s\n")
    finding = only(load_evidence(project.evidence).findings, "id-mismatch")
    assert finding.line == 1
    assert "set `id: autonomy`" in finding.hint


def test_ids_are_url_slugs(project):
    project.write("theme", "Bad_Id", "id: Bad_Id\ntitle: T\nsummary: s\n")
    finding = only(load_evidence(project.evidence).findings, "bad-value")
    assert "lowercase letters, digits and single hyphens" in finding.hint


def test_duplicate_ids_within_a_kind(project):
    project.write("theme", "t", "id: t\ntitle: T\nsummary: s\n")
    project.write("theme", "t", "id: t\ntitle: T\nsummary: s\n", suffix=".yml")
    finding = only(load_evidence(project.evidence).findings, "duplicate-id")
    assert "already used by" in finding.message


def test_file_outside_a_kind_folder(project):
    project.evidence.mkdir(parents=True)
    (project.evidence / "stray.yaml").write_text("id: stray\n")
    finding = only(load_evidence(project.evidence).findings, "misplaced-file")
    assert "evidence/themes/" in finding.hint


def test_non_utf8_bytes_are_located(project):
    path = project.write("theme", "t", "id: t\ntitle: T\nsummary: s\n")
    path.write_bytes(b"id: t\ntitle: caf\xe9\nsummary: s\n")
    finding = only(load_evidence(project.evidence).findings, "encoding")
    assert (finding.line, finding.column) == (2, 11)


def test_bom_and_crlf_are_accepted(project):
    path = project.write("theme", "t", "")
    path.write_bytes(b"\xef\xbb\xbfid: t\r\ntitle: T\r\nsummary: s\r\n")
    base = load_evidence(project.evidence)
    assert base.findings == []
    assert base.records["theme"]["t"].title == "T"


def test_oversized_file_is_rejected_without_parsing(project):
    path = project.write("theme", "t", "")
    path.write_text("id: t\ntitle: T\nsummary: " + "x" * MAX_FILE_BYTES + "\n")
    assert only(load_evidence(project.evidence).findings, "file-too-large").severity is Severity.error


def test_empty_file_and_non_mapping(project):
    project.write("theme", "empty", "")
    project.write("theme", "listy", "- a\n- b\n")
    found = {f.file.rsplit("/", 1)[1]: f.code for f in load_evidence(project.evidence).findings}
    assert found == {"empty.yaml": "empty-file", "listy.yaml": "not-a-mapping"}


def test_all_findings_reported_in_one_run(project):
    """Never first-error-only: three broken files, every problem reported."""
    project.write("theme", "a", "id: a\ntitle: T\nsummary: s\nextra: 1\n")
    project.write("theme", "b", "id: b\ntitle: [\n")
    project.write("theme", "c", "id: c\ntitle: T\n")
    found = sorted(f.code for f in load_evidence(project.evidence).findings)
    assert found == ["missing-field", "unknown-field", "yaml-syntax"]


def test_records_are_parsed_by_libyaml_when_pyyaml_has_it():
    """The C parser is four times faster; a wrong import would silently fall back to pure Python."""
    import yaml

    from build_tools.engine import load

    if yaml.__with_libyaml__:
        assert load._PARSER.__module__ == "yaml._yaml"


SPECIAL_SCALARS = ["", "~", "null", "Null", "NULL", "true", "False", "yes", "No", "on", "OFF", "0", "-12", "+3",
                   "0x1F", "0o17", "017", "1_000", "1e3", "-.5", ".inf", "-.INF", ".nan", "2014", "2014-04-02",
                   "2014-04-02T10:00:00Z", "<<", "=", "12:30", "1:20:30", "a: b", "'", "-", "0.1.2"]


@given(st.one_of(st.sampled_from(SPECIAL_SCALARS), st.text(max_size=20)), st.booleans(), st.booleans())
def test_tags_resolve_exactly_as_the_safe_loader_resolves_them(value, plain, quoted):
    """The fast resolver gives every scalar the tag PyYAML's safe loader would."""
    import yaml

    from build_tools.engine import load

    expected = yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (plain, quoted))
    assert load._Composer.resolve(yaml.ScalarNode, value, (plain, quoted)) == expected
    for kind in (yaml.SequenceNode, yaml.MappingNode):
        assert load._Composer.resolve(kind, None, (True, False)) == yaml.resolver.Resolver().resolve(
            kind, None, (True, False))
