"""The evidence diff, on real git repositories with scripted commits: every kind of change, with its values."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support import Project, commit, git, write_valid_base

from build_tools.adapters.cli import main
from build_tools.engine import revisions
from build_tools.engine.evidence_diff import diff_evidence
from build_tools.site.diff_report import MARKER, md, to_markdown

BOARDS_HEAD = """
    id: boards-feel-freer
    statement: Board members see their boards as a little freer from central control than earlier bodies.
    themes: [self-government]
    certainty: low
    certainty_rationale: Two studies, one of which now pulls the other way.
    evidence:
      - source: journal-report
        quote: "less constrained by the centre"
        stance: contradicts
      - source: journal-report
        quote: the picture varied widely between areas
        stance: contradicts
    key_message: Board members may see their boards as a little freer from central control.
"""
EFFECT_HEAD = """
    id: effect-not-yet-known
    aliases: [effect-unknown]
    statement: The effect on patients is not yet known.
    themes: [self-government]
    certainty: very low
    certainty_rationale: One author's remark in a news report.
    evidence:
      - source: journal-report
        quote: "It's too soon to say what the effect on patients will be"
        stance: supports
    key_message: The effect on patients may not be known yet.
"""


def _run(root: Path, *args: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
         ) -> tuple[int, str, str]:
    monkeypatch.chdir(root)
    code = main(["diff", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def history(project: Project) -> Project:
    """Two commits, tagged base and head: every kind of change between them."""
    write_valid_base(project)
    git(project.root, "init", "-q", "-b", "main")
    commit(project.root, "2026-01-05", "Base")
    git(project.root, "tag", "base")
    ev = project.evidence
    # Renamed with an alias: a theme, and a claim whose certainty moves (so a recommendation's basis moves).
    git(project.root, "mv", "evidence/themes/autonomy.yaml", "evidence/themes/self-government.yaml")
    theme = ev / "themes" / "self-government.yaml"
    theme.write_text(theme.read_text(encoding="utf-8").replace("id: autonomy", "id: self-government\n"
                                                               "aliases: [autonomy]"), encoding="utf-8")
    (ev / "claims" / "effect-unknown.yaml").unlink()
    project.write("claim", "effect-not-yet-known", EFFECT_HEAD)
    project.write("claim", "boards-feel-freer", BOARDS_HEAD)
    for path in (ev / "recommendations" / "wait-and-see.yaml",):
        path.write_text(path.read_text(encoding="utf-8").replace("[effect-unknown]", "[effect-not-yet-known]"),
                        encoding="utf-8")
    # Renamed by git only, without an alias.
    git(project.root, "mv", "evidence/studies/second-study.yaml", "evidence/studies/other-study.yaml")
    study = ev / "studies" / "other-study.yaml"
    study.write_text(study.read_text(encoding="utf-8").replace("id: second-study", "id: other-study"),
                     encoding="utf-8")
    source = ev / "sources" / "second-report.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("study: second-study", "study: other-study"),
                      encoding="utf-8")
    # Removed, and added.
    (ev / "questions" / "patient-effects.yaml").unlink()
    project.write("question", "what-next", """
        id: what-next
        question: What comes next?
        why_open: Nobody knows.
        claims: [boards-feel-freer]
        would_settle: Time.
    """)
    project.write("source", "third-report", """
        id: third-report
        title: A third report
        authors: []
        date: 2016
        type: other
        archive:
          file: third.txt
          sha256: abababababababababababababababababababababababababababababababab
    """)
    commit(project.root, "2026-02-01", "Head")
    git(project.root, "tag", "head")
    return project


def _diff(project: Project, base: str = "base", head: str | None = "head"):
    repo = revisions.locate(project.evidence)
    base_sha = revisions.resolve(repo, base)
    head_sha = revisions.resolve(repo, head) if head else None
    return diff_evidence(revisions.read(repo, base), revisions.read(repo, head),
                         revisions.git_renames(repo, base_sha, head_sha))


def test_each_kind_of_change_appears_with_its_values(history):
    diff = _diff(history)
    assert diff.base.label == "base" and len(diff.base.commit) == 40 and diff.head.label == "head"
    assert [(r.kind, r.id) for r in diff.added] == [("source", "third-report"), ("question", "what-next")]
    assert [(r.kind, r.id, r.title) for r in diff.removed] == [
        ("question", "patient-effects", "What is the effect on patients?")]
    assert {(r.kind, r.old_id, r.new_id, r.by, r.merged) for r in diff.renamed} == {
        ("theme", "autonomy", "self-government", "alias", False),
        ("claim", "effect-unknown", "effect-not-yet-known", "alias", False),
        ("study", "second-study", "other-study", "git", False)}
    changes = {(c.kind, c.id): c for c in diff.changed}

    boards = changes[("claim", "boards-feel-freer")]
    assert (boards.certainty.before, boards.certainty.after, boards.certainty.direction) == ("moderate", "low",
                                                                                           "lower")
    assert [(c.component, c.before, c.after, c.direction) for c in boards.components] == [
        ("coherence", "no or very minor", "minor", "more"), ("adequacy", "minor", "moderate", "more")]
    texts = {t.field: (t.before, t.after) for t in boards.texts}
    assert texts == {
        "key_message": ("Board members probably see their boards as freer from central control.",
                        "Board members may see their boards as a little freer from central control."),
        "statement": ("Board members see their boards as freer from central control than earlier bodies.",
                      "Board members see their boards as a little freer from central control than earlier bodies.")}
    assert [(e.source, e.quote, e.stance) for e in boards.evidence_added] == [
        ("journal-report", "the picture varied widely between areas", "contradicts")]
    assert [(e.source, e.quote, e.stance) for e in boards.evidence_removed] == [
        ("second-report", "boards “less constrained by the centre”", "supports")]
    assert [(s.source, s.before, s.after) for s in boards.stance_changed] == [
        ("journal-report", "supports", "contradicts")]
    assert set(boards.fields) == {"themes", "certainty_rationale"}
    assert boards.renamed_from is None

    effect = changes[("claim", "effect-not-yet-known")]
    assert effect.renamed_from == "effect-unknown"
    assert (effect.certainty.before, effect.certainty.after, effect.certainty.direction) == ("low", "very low",
                                                                                           "lower")
    assert {(c.component, c.before, c.after, c.direction) for c in effect.components} == {
        ("methodological_limitations", "no or very minor", "serious", "more"),
        ("adequacy", "moderate", "no or very minor", "fewer")}
    assert "aliases" not in effect.fields  # the alias is the rename, already reported

    assert [(c.claim, c.source, c.quote, c.was) for c in diff.contradictions] == [
        ("boards-feel-freer", "journal-report", "less constrained by the centre", "supports"),
        ("boards-feel-freer", "journal-report", "the picture varied widely between areas", None)]
    assert [(r.recommendation, r.claim, r.certainty.before, r.certainty.after) for r in diff.recommendations] == [
        ("wait-and-see", "effect-not-yet-known", "low", "very low")]
    assert changes[("recommendation", "wait-and-see")].fields == ("claims",)
    assert ("theme", "self-government") not in changes  # renamed, nothing else changed
    assert changes[("source", "second-report")].fields == ("study",)
    assert set(changes) == {("claim", "boards-feel-freer"), ("claim", "effect-not-yet-known"),
                            ("recommendation", "wait-and-see"), ("source", "second-report")}
    assert diff.unreadable == ()


def test_json_has_its_documented_shape(history, capsys, monkeypatch):
    code, out, _ = _run(history.root, "base", "head", "--format", "json", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["format", "version", "summary", "base", "head", "added", "removed", "renamed", "changed",
                          "contradictions", "recommendations", "unreadable"]
    assert (data["format"], data["version"]) == ("evidence-diff", 1)
    assert data["summary"] == {"added": 2, "removed": 1, "renamed": 3, "changed": 4, "contradictions": 2,
                               "recommendations": 1, "unreadable": 0}
    assert data["head"]["label"] == "head" and re.fullmatch(r"[0-9a-f]{40}", data["head"]["commit"])
    claim = next(c for c in data["changed"] if c["id"] == "boards-feel-freer")
    assert claim["certainty"] == {"before": "moderate", "after": "low", "direction": "lower"}
    assert set(claim) == {"kind", "id", "title", "file", "renamed_from", "certainty", "components", "texts",
                          "evidence_added", "evidence_removed", "stance_changed", "fields"}
    assert claim["file"] == "evidence/claims/boards-feel-freer.yaml"
    assert claim["evidence_added"] == [{"source": "journal-report", "quote": "the picture varied widely between areas",
                                        "stance": "contradicts", "locator": None}]
    assert data["renamed"][0] == {"kind": "study", "old_id": "second-study", "new_id": "other-study",
                                  "title": "A second study", "by": "git", "merged": False}


def test_markdown_and_text_say_it_all(history, capsys, monkeypatch, tmp_path):
    out_file = tmp_path / "diff.md"
    code, out, err = _run(history.root, "base", "head", "--format", "markdown", "--out", str(out_file),
                          capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0 and out == "" and f"wrote {out_file}" in err
    text = out_file.read_text(encoding="utf-8")
    assert text.startswith(MARKER + "\n## Evidence diff\n")
    assert "2 added, 1 removed, 3 renamed, 4 changed, 2 new contradictions, 1 recommendation on a claim whose " \
           "certainty moved." in text
    assert "- **Certainty**: moderate → low (lower)" in text
    assert "- **Coherence**: no or very minor → minor concerns (more)" in text
    assert "- **Evidence added** (contradicts): `journal-report`: “the picture varied widely between areas”" in text
    assert "- theme `autonomy` renamed to `self-government`: Self\\-government" not in text  # the title is Autonomy
    assert "- theme `autonomy` renamed to `self-government`: Autonomy" in text
    assert "- study `second-study` renamed to `other-study`: A second study (git saw the rename, but " \
           "`second-study` is not among its aliases)" in text
    assert "- recommendation `wait-and-see` (Judge the reforms only once patient effects are measured.): claim " \
           "`effect-not-yet-known` low → very low (lower)" in text
    code, out, _ = _run(history.root, "base", "head", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0
    assert "Evidence diff from base (" in out and "    certainty: moderate → low (lower)" in out
    assert '    + evidence (contradicts) journal-report: "the picture varied widely between areas"' in out
    assert '    - evidence (supports) second-report: "boards “less constrained by the centre”"' in out
    assert "  claim effect-unknown renamed to effect-not-yet-known" in out


def test_the_working_tree_is_the_head_when_none_is_given(history, capsys, monkeypatch):
    claim = history.evidence / "claims" / "boards-feel-freer.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace("certainty: low", "certainty: moderate"),
                     encoding="utf-8")
    history.write("theme", "untracked", "id: untracked\ntitle: Not yet committed\nsummary: New.\n")
    code, out, _ = _run(history.root, "head", "--format", "json", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0
    data = json.loads(out)
    assert data["head"] == {"label": "working tree", "commit": None}
    assert [(r["kind"], r["id"]) for r in data["added"]] == [("theme", "untracked")]
    (change,) = data["changed"]
    assert change["id"] == "boards-feel-freer" and change["certainty"]["after"] == "moderate"
    assert data["renamed"] == [] and data["removed"] == []


def test_a_record_that_does_not_parse_is_reported_unreadable_not_removed(history, capsys, monkeypatch):
    claim = history.evidence / "claims" / "boards-feel-freer.yaml"
    claim.write_text("id: boards-feel-freer\nstatement: [unclosed\n", encoding="utf-8")
    (history.evidence / "themes" / "self-government.yaml").write_text("id: self-government\n", encoding="utf-8")
    code, out, _ = _run(history.root, "head", "--format", "json", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0
    data = json.loads(out)
    assert data["removed"] == [] and data["contradictions"] == []
    unreadable = {(u["side"], u["kind"], u["id"]): u for u in data["unreadable"]}
    assert set(unreadable) == {("head", "claim", "boards-feel-freer"), ("head", "theme", "self-government")}
    problem = unreadable[("head", "claim", "boards-feel-freer")]["problems"][0]
    assert problem["code"] == "yaml-syntax" and problem["line"] >= 2
    assert {p["code"] for p in unreadable[("head", "theme", "self-government")]["problems"]} == {"missing-field"}
    # Unreadable at the base: committed broken, then fixed; its changes are not guessed at.
    commit(history.root, "2026-03-01", "Broken")
    claim.write_text((history.evidence / "claims" / "effect-not-yet-known.yaml").read_text(encoding="utf-8")
                     .replace("effect-not-yet-known", "boards-feel-freer").replace("aliases: [effect-unknown]\n", ""),
                     encoding="utf-8")
    code, out, _ = _run(history.root, "HEAD", "--format", "markdown", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0
    assert "### Unreadable records" in out and "- base: claim `boards-feel-freer`" in out
    assert "### Added" not in out and "### New contradictions" not in out


def test_an_unreadable_files_name_is_shown_as_text_not_markup_or_a_command(history, capsys, monkeypatch):
    """The id of an unreadable record is only its file's name, which a pull request chooses: a backtick, a new
    line, a mention or a CI command in it stays text; a name that is not UTF-8 is shown, not a traceback."""
    hostile = "y`\n::error::pwn @octo-org <img src=x>"
    (history.evidence / "claims" / f"{hostile}.yaml").write_text("", encoding="utf-8")
    (history.evidence / "claims").joinpath(b"x\xff.yaml".decode("utf-8", "surrogateescape")).write_text(
        "id: [", encoding="utf-8")
    commit(history.root, "2026-03-02", "Hostile names")
    code, out, _ = _run(history.root, "HEAD~1", "HEAD", "--format", "markdown", capsys=capsys,
                        monkeypatch=monkeypatch)
    assert code == 0
    listed = out[out.index("### Unreadable records"):]
    assert "@octo-org" not in listed and "<img" not in listed and "\n::error" not in listed
    assert all(not line.startswith("::") for line in out.splitlines())
    code, out, _ = _run(history.root, "HEAD~1", "HEAD", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0 and all(not line.lstrip().startswith("::") for line in out.splitlines())
    assert "x\\udcff" in out  # the byte that is not UTF-8, shown as an escape
    out_file = history.root / "diff.json"
    assert _run(history.root, "HEAD~1", "HEAD", "--format", "json", "--out", str(out_file), capsys=capsys,
                monkeypatch=monkeypatch)[0] == 0


@pytest.mark.parametrize("revision", ["no-such-branch", "--output=/tmp/x", "head:evidence", ""])
def test_a_commit_that_cannot_be_read_is_one_line_and_exit_2(history, capsys, monkeypatch, revision):
    code, out, err = _run(history.root, "--", revision, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and "is not a commit" in err
    assert "Traceback" not in err


def test_outside_a_repository_is_one_line_and_exit_2(valid_project, capsys, monkeypatch):
    code, _, err = _run(valid_project.root, "HEAD", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2 and err == "error: evidence is not in a git repository\n"


HOSTILE = ("Hi | there *bold* _em_ `code` [link](https://evil.example) ![img](x) <script>alert(1)</script> "
           "<!-- evidence-diff --> @octocat #12 $x$ ~~s~~ &amp; \\\n# heading\n- item\x1b[31m::error::x\u202e")


def test_record_text_is_escaped_in_markdown_and_made_printable_in_text(history, capsys, monkeypatch):
    history.write("theme", "hostile", f"id: hostile\ntitle: {json.dumps(HOSTILE)}\nsummary: x\n")
    code, out, _ = _run(history.root, "head", "--format", "markdown", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0
    line = next(x for x in out.splitlines() if "`hostile`" in x)
    assert out.count(MARKER) == 1 and out.startswith(MARKER)
    for raw in ("<script>", "<!--", "@octocat", "#12", "|", "*bold*", "`code`", "[link]", "$x$", "~~s~~",
                "\x1b", "\u202e"):
        assert raw not in line.split(": ", 1)[1].replace("\\|", "").replace("\\*", "").replace("\\`", "") \
            .replace("\\[", "").replace("\\$", "").replace("\\~", ""), raw
    assert "&lt;script&gt;" in line and "@&#8203;octocat" in line and "#&#8203;12" in line
    assert "\\|" in line and "&amp;amp;" in line and "\\\\n\\# heading\\\\n\\- item" not in line
    assert "\\\\n# heading\\\\n- item" in line  # the new lines are shown, on the one line
    code, out, _ = _run(history.root, "head", capsys=capsys, monkeypatch=monkeypatch)
    line = next(x for x in out.splitlines() if "theme hostile" in x)
    assert "\x1b" not in out and "\u202e" not in out and "\\x1b[31m" in line and "\\u202e" in line
    assert not any(x.lstrip().startswith("::") for x in out.splitlines())


def test_markdown_escaping_is_whole_and_a_long_diff_is_cut_at_a_line(history):
    assert md("a|b*c_d`e[f]g<h>i&j@k#1\nl") == "a\\|b\\*c\\_d\\`e\\[f\\]g&lt;h&gt;i&amp;j@&#8203;k#&#8203;1\\\\nl"
    text = to_markdown(_diff(history), limit=600)
    assert len(text) <= 600 and text.endswith("the rest is in the run's `evidence-diff` artifact.*\n")
    assert text.startswith(MARKER)


def test_a_record_merged_into_another_is_a_rename_into_it(history):
    """Merging, as the guide says: delete the record that goes, add its id to the aliases of the one that stays."""
    (history.evidence / "claims" / "effect-not-yet-known.yaml").unlink()
    history.write("claim", "boards-feel-freer", BOARDS_HEAD.replace("themes:", "aliases: [effect-not-yet-known]\n"
                                                                     "    themes:"))
    commit(history.root, "2026-03-01", "Merge")
    diff = _diff(history, "head", "HEAD")
    assert [(r.kind, r.old_id, r.new_id, r.by, r.merged) for r in diff.renamed] == [
        ("claim", "effect-not-yet-known", "boards-feel-freer", "alias", True)]
    assert diff.removed == diff.added == diff.changed == ()  # the alias it gained is the merge, reported as one


def test_two_records_merged_into_a_new_one_are_one_rename_and_one_merge(history):
    claims = history.evidence / "claims"
    (claims / "effect-not-yet-known.yaml").unlink()
    (claims / "boards-feel-freer.yaml").unlink()
    history.write("claim", "boards-and-effects", BOARDS_HEAD.replace(
        "id: boards-feel-freer", "id: boards-and-effects\n    aliases: [boards-feel-freer, effect-not-yet-known]"))
    commit(history.root, "2026-03-01", "Merge into a new claim")
    diff = _diff(history, "head", "HEAD")
    assert [(r.old_id, r.new_id, r.merged) for r in diff.renamed] == [
        ("boards-feel-freer", "boards-and-effects", False), ("effect-not-yet-known", "boards-and-effects", True)]
    assert diff.removed == diff.added == diff.changed == diff.contradictions == ()  # the aliases are the merge


def test_links_and_oversized_files_in_a_commit_are_unreadable_never_read(history):
    claims = history.evidence / "claims"
    (claims / "linked.yaml").symlink_to("/etc/passwd")
    (claims / "huge.yaml").write_text("id: huge\nstatement: " + "x" * 300_000 + "\n", encoding="utf-8")
    commit(history.root, "2026-03-01", "Hostile files")
    diff = _diff(history, "head", "HEAD")
    assert {(u.side, u.id, u.problems[0].code) for u in diff.unreadable} == {
        ("head", "linked", "record-symlink"), ("head", "huge", "file-too-large")}
    assert diff.added == ()
