"""History from git: real repositories made here with fixed dates, a rename, a deletion and a shallow clone."""

from __future__ import annotations

import datetime
import re

import pytest
from support import Project, build, commit, git, html, run_cli, write_site_base

from build_tools.engine.graph import build_graph
from build_tools.engine.history import Action, FileChange, RawCommit, build_history, parse_log, read_history
from build_tools.engine.load import load_evidence
from build_tools.site.render import CHANGELOG_LINES_PER_DATE, render_pages


@pytest.fixture
def repo(project: Project) -> Project:
    """The site base in git: quick-change added, renamed to change-is-quick (with the alias), another claim
    added and removed; the last commit leaves the files exactly as write_site_base wrote them."""
    write_site_base(project)
    final = project.evidence / "claims" / "change-is-quick.yaml"
    renamed_text = final.read_text(encoding="utf-8")
    freer = project.evidence / "claims" / "boards-feel-freer.yaml"
    freer_text = freer.read_text(encoding="utf-8")
    git(project.root, "init", "-q", "-b", "main")
    final.unlink()
    project.write("claim", "quick-change", renamed_text.replace("id: change-is-quick", "id: quick-change")
                  .replace("aliases: [quick-change]\n", ""))
    freer.write_text(freer_text.replace("freer from central control", "freer from control"), encoding="utf-8")
    commit(project.root, "2026-01-05", "First records")
    git(project.root, "mv", "evidence/claims/quick-change.yaml", "evidence/claims/change-is-quick.yaml")
    final.write_text(renamed_text, encoding="utf-8")
    freer.write_text(freer_text, encoding="utf-8")
    commit(project.root, "2026-02-10", "Rename quick-change; reword boards-feel-freer")
    dropped = project.write("claim", "dropped", freer_text.replace("boards-feel-freer", "dropped"))
    commit(project.root, "2026-02-10", "Add a claim")
    dropped.unlink()
    (project.root / "notes.txt").write_text("outside the records\n", encoding="utf-8")
    commit(project.root, "2026-03-01", "Remove a claim")
    return project


def test_one_git_log_gives_dates_renames_and_removals(repo):
    history = read_history(repo.evidence)
    assert history.available and not history.shallow and history.note == ""
    assert [(str(c.date), c.subject) for c in history.commits] == [
        ("2026-03-01", "Remove a claim"), ("2026-02-10", "Add a claim"),
        ("2026-02-10", "Rename quick-change; reword boards-feel-freer"), ("2026-01-05", "First records")]
    assert [(c.action, c.record_id, c.now) for c in history.commits[0].changes] == [
        (Action.removed, "dropped", None)]
    renamed = history.commits[2].changes
    assert {(c.action, c.kind, c.record_id, c.old_id, c.now) for c in renamed} == {
        (Action.renamed, "claim", "change-is-quick", "quick-change", "change-is-quick"),
        (Action.changed, "claim", "boards-feel-freer", None, "boards-feel-freer")}
    first = {(c.kind, c.record_id): c for c in history.commits[3].changes}
    assert len(first) == 10 and first[("claim", "quick-change")].now == "change-is-quick"
    life = history.records[("claim", "change-is-quick")]
    assert (str(life.first_added), str(life.last_changed)) == ("2026-01-05", "2026-02-10")
    assert life.former_ids == ("quick-change",)
    assert str(history.records[("claim", "effect-unknown")].last_changed) == "2026-01-05"
    assert ("claim", "dropped") not in history.records and ("claim", "quick-change") not in history.records


def test_validation_warns_when_a_rename_in_git_has_no_alias(repo, tmp_path):
    path = repo.evidence / "claims" / "change-is-quick.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("aliases: [quick-change]\n", ""), encoding="utf-8")
    environment = {"EVIDENCE_ARCHIVE": str(repo.archive)}
    result = run_cli("validate", "--strict", cwd=repo.root, env=environment)
    assert result.returncode == 1
    assert re.search(r"evidence/claims/change-is-quick.yaml:1:1: error: claim 'change-is-quick' was renamed from "
                     r"'quick-change' \(commit [0-9a-f]{7}, 2026-02-10\), but 'quick-change' is not among its "
                     r"aliases: its old web address leads nowhere \[missing-alias\]", result.stderr), result.stderr
    assert "hint: add `aliases: [quick-change]` so that old links redirect here" in result.stderr
    path.write_text(path.read_text(encoding="utf-8") + "aliases: [quick-change]\n", encoding="utf-8")
    result = run_cli("validate", "--strict", cwd=repo.root, env=environment)
    assert result.returncode == 0, result.stderr


def test_the_built_site_has_a_changelog_and_last_updated_dates_from_git(repo):
    result = build(repo)
    assert result.returncode == 0, result.stderr
    changelog = html(repo, "changelog/index.html")
    days = re.findall(r'<h2 id="(\d{4}-\d{2}-\d{2})">', changelog)
    assert days == ["2026-03-01", "2026-02-10", "2026-01-05"]  # newest first
    text = re.sub(r"<[^>]+>", "", changelog)
    assert "Removed claim dropped" in text and "Added claim dropped (since removed)" in text
    assert re.search(r'Renamed</strong> claim <code>quick-change</code> to <code>change-is-quick</code>: '
                     r'<a href="../claims/change-is-quick/"', changelog)
    assert "Rename quick-change; reword boards-feel-freer" in text
    claim = html(repo, "claims/change-is-quick/index.html")
    assert ('Last updated 2026-02-10, first added 2026-01-05 (see the '
            '<a href="../../changelog/#2026-02-10">changelog</a>).') in claim
    assert 'Added 2026-01-05 (see the <a href="../../changelog/#2026-01-05">changelog</a>)' in \
        html(repo, "claims/effect-unknown/index.html")
    home = html(repo, "index.html")
    assert 'The evidence base was last updated on 2026-03-01: see the <a href="changelog/#2026-03-01">' in home
    # the old address of the renamed claim forwards to its new page
    redirect = html(repo, "claims/quick-change/index.html")
    assert '<meta http-equiv="refresh" content="0; url=../change-is-quick/">' in redirect


def test_a_record_not_committed_yet_says_so(repo):
    repo.write("theme", "fresh", "id: fresh\ntitle: Fresh\nsummary: Not committed.\n")
    history = read_history(repo.evidence)
    pages = render_pages(build_graph(load_evidence(repo.evidence)), history=history)
    assert ('Last updated: not committed yet (see the <a href="../../changelog/">changelog</a>).'
            in pages["themes/fresh.md"].body)
    # an uncommitted rename: the record is found under the former id it lists in aliases
    git(repo.root, "mv", "evidence/themes/autonomy.yaml", "evidence/themes/self-rule.yaml")
    path = repo.evidence / "themes" / "self-rule.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: autonomy", "id: self-rule\naliases: [autonomy]"),
                    encoding="utf-8")
    history = read_history(repo.evidence)
    pages = render_pages(build_graph(load_evidence(repo.evidence)), history=history)
    assert "Last updated 2026-01-05" not in pages["themes/self-rule.md"].body
    assert ('Added 2026-01-05 (see the <a href="../../changelog/#2026-01-05">changelog</a>).'
            in pages["themes/self-rule.md"].body)


def test_a_shallow_clone_says_its_history_is_incomplete(repo, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{repo.root}", str(clone))
    history = read_history(clone / "evidence")
    assert history.available and history.shallow and str(history.cut) == "2026-02-10"
    assert [c.subject for c in history.commits] == ["Remove a claim"]  # the cut commit's changes are unknown
    assert history.records[("claim", "change-is-quick")].last_changed is None
    result = build(Project(clone))
    assert result.returncode == 0, result.stderr
    changelog = html(Project(clone), "changelog/index.html")
    assert "Incomplete history" in changelog and "shallow clone whose history stops at 2026-02-10" in changelog
    claim = html(Project(clone), "claims/change-is-quick/index.html")
    assert "Last updated on or before 2026-02-10; the history available is incomplete" in claim


@pytest.mark.parametrize("case", ["not a repository", "no commits", "no git"])
def test_without_history_nothing_fails_and_the_changelog_says_why(project, case, monkeypatch):
    write_site_base(project)
    if case == "no commits":
        git(project.root, "init", "-q", "-b", "main")
    if case == "no git":
        monkeypatch.setenv("PATH", str(project.root / "no-bin"))
    history = read_history(project.evidence)
    assert not history.available
    assert history.note == {"not a repository": "the records are not in a git repository",
                            "no commits": "the repository has no commits yet",
                            "no git": "git could not be run (No such file or directory)"}[case]
    pages = render_pages(build_graph(load_evidence(project.evidence)), history=history)
    assert f"No history is shown: {history.note}." in pages["changelog.md"].body
    assert "Last updated" not in pages["claims/boards-feel-freer.md"].body


def test_parsing_never_fails_on_odd_output():
    assert parse_log("") == []
    assert parse_log("garbage\x1enot a header\0M\0claims/x.yaml") == []
    commits = parse_log("\x1e" + "a" * 40 + "\x1f1767268800\x1f\x1fSubject\0\nM\0claims/x.yaml\0R100\0odd")
    assert commits[0].files == (FileChange("M", "claims/x.yaml"),)
    history = build_history(commits)
    assert history.commits[0].changes[0].action is Action.changed  # changed, though its addition was never seen
    assert history.records[("claim", "x")].first_added is None


def test_moves_within_a_kind_folder_and_across_kinds():
    day = datetime.date(2026, 1, 1)
    history = build_history([
        RawCommit("c" * 40, day, "to a question", (FileChange("R", "claims/sub/x.yaml", "questions/x.yaml"),)),
        RawCommit("b" * 40, day, "into a subfolder", (FileChange("R", "claims/x.yaml", "claims/sub/x.yaml"),)),
        RawCommit("a" * 40, day, "add", (FileChange("A", "claims/x.yaml"), FileChange("A", "README.md"))),
    ])
    assert [c.action for c in history.commits[1].changes] == [Action.changed]  # same id, same page
    assert [(c.action, c.kind) for c in history.commits[0].changes] == [(Action.removed, "claim"),
                                                                        (Action.added, "question")]
    assert set(history.records) == {("question", "x")}


def test_a_busy_day_is_capped_and_counted(valid_project):
    day = datetime.date(2026, 1, 1)
    files = tuple(FileChange("A", f"claims/c{i:03}.yaml") for i in range(CHANGELOG_LINES_PER_DATE + 25))
    history = build_history([RawCommit("a" * 40, day, "import", (*files, FileChange("A", "themes/t.yaml")))])
    page = render_pages(build_graph(load_evidence(valid_project.evidence)), history=history)["changelog.md"].body
    assert page.count("<li><strong>Added</strong> claim") == CHANGELOG_LINES_PER_DATE
    assert "<li>And 25 claims added, 1 theme added.</li>" in page


def test_a_record_moved_and_rewritten_in_one_commit_is_changed_not_removed():
    """git lists such a move as an addition and a deletion, in path order, so the addition can come first."""
    moved = build_history([
        RawCommit("b" * 40, datetime.date(2026, 2, 1), "Move into a folder",
                  (FileChange("A", "claims/sub/x.yaml"), FileChange("D", "claims/x.yaml"))),
        RawCommit("a" * 40, datetime.date(2026, 1, 1), "Add", (FileChange("A", "claims/x.yaml"),)),
    ])
    assert [(c.action, c.now, c.path) for c in moved.commits[0].changes] == [
        (Action.changed, "x", "claims/sub/x.yaml")]
    life = moved.records[("claim", "x")]
    assert (life.first_added, life.last_changed) == (datetime.date(2026, 1, 1), datetime.date(2026, 2, 1))
