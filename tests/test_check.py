"""The contributor's loop: validation limited to what changed, and `check`, the one command CI runs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from support import Project, git_repository, run_cli, write_site_base

from build_tools.engine.validate import run

pytestmark = pytest.mark.slow  # `check --fast` leaves these out


def _run(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=project.root)


def _codes(report) -> set[tuple[str, str]]:
    return {(Path(f.file).name, f.code) for f in report.findings}


def _break_quote(project: Project, claim: str) -> None:
    path = project.evidence / "claims" / f"{claim}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("too soon to say", "too early to say").replace(
        "less constrained by the centre\"", "less restrained by the centre\""), encoding="utf-8")


# --- validation of what changed ---------------------------------------------

def test_changed_files_limit_findings_to_them_and_the_records_linked_to_them(valid_project):
    """A broken quote in a claim nobody touched is not reported when only another record changed."""
    _break_quote(valid_project, "effect-unknown")
    full = run(valid_project.evidence, valid_project.archive)
    assert ("effect-unknown.yaml", "quote-not-found") in _codes(full)

    theme = valid_project.evidence / "themes" / "autonomy.yaml"
    other = run(valid_project.evidence, valid_project.archive,
                changed=[valid_project.evidence / "claims" / "boards-feel-freer.yaml"])
    assert other.ok and other.scope is not None
    # boards-feel-freer refers to the theme and two sources; the question refers to it.
    assert os.path.realpath(theme) in other.scope.files
    assert os.path.realpath(valid_project.evidence / "questions" / "patient-effects.yaml") in other.scope.files
    assert os.path.realpath(valid_project.evidence / "claims" / "effect-unknown.yaml") not in other.scope.files

    itself = run(valid_project.evidence, valid_project.archive,
                 changed=[valid_project.evidence / "claims" / "effect-unknown.yaml"])
    assert ("effect-unknown.yaml", "quote-not-found") in _codes(itself)


def test_a_changed_source_brings_in_every_record_that_quotes_it(valid_project):
    _break_quote(valid_project, "effect-unknown")
    report = run(valid_project.evidence, valid_project.archive,
                 changed=[valid_project.evidence / "sources" / "journal-report.yaml"])
    assert ("effect-unknown.yaml", "quote-not-found") in _codes(report)
    assert report.scope.changed_records == 1 and report.scope.related_records >= 4


def test_a_deleted_record_brings_in_every_record_that_referred_to_it(valid_project):
    theme = valid_project.evidence / "themes" / "autonomy.yaml"
    theme.unlink()
    report = run(valid_project.evidence, valid_project.archive, changed=[theme])
    assert {("boards-feel-freer.yaml", "unresolved-reference"),
            ("effect-unknown.yaml", "unresolved-reference")} <= _codes(report)


def test_quotes_outside_the_scope_are_not_verified(valid_project):
    """The expensive part, reading archives and matching quotes, is skipped for records out of scope."""
    (valid_project.archive / "other.txt").unlink()  # the second report's archive is gone
    full = run(valid_project.evidence, valid_project.archive)
    assert ("second-report.yaml", "archive-file") in _codes(full)
    scoped = run(valid_project.evidence, valid_project.archive,
                 changed=[valid_project.evidence / "claims" / "effect-unknown.yaml"])
    assert scoped.ok, scoped.findings


def test_validate_command_takes_files_and_git_changes(valid_project):
    git_repository(valid_project.root)
    _break_quote(valid_project, "effect-unknown")  # uncommitted change
    valid_project.write("theme", "new-theme", "id: new-theme\ntitle: New\nsummary: Untracked.\n")

    since = _run(valid_project, "validate", "--archive", "archive", "--changed-since", "main")
    assert since.returncode == 1
    assert "effect-unknown.yaml" in since.stderr and "quote-not-found" in since.stderr
    assert "theme-without-claims" in since.stderr and "new-theme.yaml" in since.stderr
    assert "checked 2 changed file(s)" in since.stderr

    one_file = _run(valid_project, "validate", "--archive", "archive", "evidence/studies/second-study.yaml")
    assert one_file.returncode == 0, one_file.stderr
    assert "checked 1 changed file(s) and the 1 record(s) linked to them" in one_file.stdout

    github = _run(valid_project, "validate", "--archive", "archive", "--format", "github", "--changed-since", "main")
    assert "::error file=evidence/claims/effect-unknown.yaml,line=" in github.stdout

    bad_ref = _run(valid_project, "validate", "--changed-since", "no-such-branch")
    assert bad_ref.returncode == 2 and "no-such-branch" in bad_ref.stderr and "Traceback" not in bad_ref.stderr


# --- check: everything CI runs ----------------------------------------------

def _check_project(project: Project) -> None:
    write_site_base(project)
    (project.root / "tests").mkdir()
    (project.root / "tests" / "test_ok.py").write_text("def test_ok():\n    assert True\n", encoding="utf-8")


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, subprocess.CompletedProcess[str]]:
    """A good project after a whole `check`, every step (the slowest command here, so run once); the tests that need a
    project checked and its site built copy it."""
    project = Project(tmp_path_factory.mktemp("checked"))
    _check_project(project)
    return project, _run(project, "check")


def test_check_runs_every_step_and_passes_on_a_good_project(checked):
    project, result = checked
    assert result.returncode == 0, result.stdout + result.stderr
    for step in ("lint", "validate", "build", "links", "engines", "tests"):
        assert f"--> {step}: ok" in result.stdout
    for engine in ("mkdocs", "properdocs", "zensical"):
        assert f"{engine} build --strict, the tree `generate" in result.stdout
    assert (project.root / "site" / "index.html").is_file()
    assert "1 passed" in result.stdout


def test_check_fails_on_a_broken_quote_and_keeps_the_previous_site(checked, tmp_path):
    good, result = checked
    assert result.returncode == 0, result.stdout + result.stderr
    project = Project(tmp_path / "project")
    shutil.copytree(good.root, project.root, symlinks=True)  # with the site its check built
    (project.root / "site" / "marker.txt").write_text("previous build", encoding="utf-8")
    _break_quote(project, "effect-unknown")

    result = _run(project, "check", "--skip", "lint", "--skip", "tests")
    assert result.returncode == 1
    assert "effect-unknown.yaml:" in result.stdout and "quote-not-found" in result.stdout
    assert "--> validate: FAILED" in result.stdout and "--> build: FAILED" in result.stdout
    assert "check failed: validate, build, links, engines" in result.stdout
    assert (project.root / "site" / "marker.txt").read_text(encoding="utf-8") == "previous build"
    assert not list(project.root.glob(".site-*")), "the staging folder of the failed build was left behind"


def test_check_fails_on_a_broken_link_lint_error_or_failing_test(project):
    _check_project(project)
    overrides = project.root / "overrides"
    overrides.mkdir()
    (overrides / "main.html").write_text(
        '{% extends "base.html" %}\n{% block footer %}<a href="{{ base_url }}/nowhere/">x</a>{% endblock %}\n',
        encoding="utf-8")
    config = project.root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  font: false\n",
                                                                 "  font: false\n  custom_dir: overrides\n"))
    (project.root / "tests" / "test_fails.py").write_text("def test_fails():\n    assert 1 == 2\n", encoding="utf-8")
    (project.root / "helper.py").write_text("import os\n", encoding="utf-8")  # unused import: F401

    result = _run(project, "check")
    assert result.returncode == 1
    assert "--> validate: ok" in result.stdout and "--> build: ok" in result.stdout
    assert "check failed: lint, links, tests" in result.stdout
    assert "broken link" in result.stdout and "nowhere/" in result.stdout
    assert "F401" in result.stdout and "1 failed" in result.stdout
    assert "not a problem in your records" in result.stdout and "-m pytest -x" in result.stdout


def test_check_with_changed_since_and_github_format_annotates_the_changed_lines(project):
    _check_project(project)
    root = project.root
    (root / ".gitignore").write_text("site/\n", encoding="utf-8")
    git_repository(root)
    _break_quote(project, "effect-unknown")
    result = _run(project, "check", "--skip", "lint", "--skip", "tests", "--skip", "links",
                  "--format", "github", "--changed-since", "main")
    assert result.returncode == 1
    assert "::error file=evidence/claims/effect-unknown.yaml,line=" in result.stdout
    assert "checked 1 changed file(s)" in result.stdout


def test_check_fast_leaves_out_browser_and_slow_tests(project):
    _check_project(project)
    (project.root / "tests" / "test_slow.py").write_text(
        "import pytest\n\n\n@pytest.mark.slow\ndef test_slow():\n    assert False\n\n\n"
        "@pytest.mark.browser\ndef test_browser():\n    assert False\n", encoding="utf-8")
    skip = [arg for step in ("lint", "validate", "build", "links", "engines") for arg in ("--skip", step)]
    result = _run(project, "check", "--fast", *skip)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 2 deselected" in result.stdout
    assert _run(project, "check", *skip).returncode == 1, "without --fast, every test runs"
