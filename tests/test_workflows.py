"""CI configuration: the GitHub workflows, the pull-request template and pre-commit, checked as far as runs here."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import ROOT, Project, git_repository, write_valid_base

from build_tools.site.diff_report import MARKER

WORKFLOWS = ROOT / ".github" / "workflows"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _runs(workflow: dict) -> str:
    return "\n".join(step.get("run", "") for step in _steps(workflow))


def test_workflows_are_valid_for_github_actions():
    """Validated against SchemaStore's schema for workflows (vendored by check-jsonschema: no network)."""
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} == {"pull-request.yml", "records.yml", "evidence-diff.yml", "publish.yml",
                                       "external-links.yml"}
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                             *map(str, files)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_action_is_pinned_to_a_commit_with_its_version_noted():
    for path in WORKFLOWS.glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        for step in _steps(yaml.safe_load(text)):
            if "uses" in step:
                assert PINNED.match(step["uses"]), f"{path.name}: {step['uses']} is not pinned to a commit"
                assert re.search(re.escape(step["uses"]) + r"\s+# v\d+\.\d+\.\d+", text), \
                    f"{path.name}: {step['uses']} lacks a `# vX.Y.Z` comment"


IMAGE_PINNED = re.compile(r"^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$")


def test_every_container_image_is_pinned_by_digest_and_all_jobs_share_it():
    """A tag moves; a digest does not. One image for every job, so that moving it is one reviewed change."""
    images = set()
    for path in WORKFLOWS.glob("*.yml"):
        for name, job in _workflow(path.name)["jobs"].items():
            image = job.get("container")
            image = image.get("image") if isinstance(image, dict) else image
            if image is not None:
                assert IMAGE_PINNED.match(image), f"{path.name}: job {name}'s image {image} is not pinned by digest"
                images.add(image)
    assert len(images) == 1, images


def test_pull_requests_run_the_local_check_with_annotations_and_keep_the_site():
    workflow = _workflow("pull-request.yml")
    assert "pull_request" in workflow[True]  # PyYAML reads the key `on` as True
    assert workflow["permissions"] == {"contents": "read"}
    runs = _runs(workflow)
    assert 'python -m build_tools check --format github --changed-since "origin/$BASE_REF"' in runs
    assert "apt-get install -y --no-install-recommends chromium" in runs
    checkout = _steps(workflow)[0]
    assert checkout["with"]["fetch-depth"] == 0  # --changed-since needs the base branch
    upload = next(s for s in _steps(workflow) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "site/"
    assert "!cancelled()" in upload["if"], "the site must be kept when a later check fails too"


def test_no_job_runs_a_pull_requests_code_with_the_archive_unless_approved():
    """The archive's secret reaches a job that runs the pull request's code only from a branch of this repository,
    through the approval of the "archive" environment; forks get the checks that need no archive."""
    workflow = _workflow("pull-request.yml")
    for name, job in workflow["jobs"].items():
        text = yaml.safe_dump(job)
        if "secrets." in text:
            assert job["environment"] == "archive", name
            assert "head.repo.full_name == github.repository" in job["if"], name
        else:
            assert "head.repo.full_name != github.repository" in job["if"], name
            assert "EVIDENCE_ARCHIVE_TOKEN" not in text and "upload-artifact" not in text, name


def test_forks_run_every_test_of_the_generator_and_none_that_reads_the_archive():
    """A fork's code runs with no archive: lint, and the tests not marked real_base (which must then pass)."""
    job = _workflow("pull-request.yml")["jobs"]["check-fork"]
    run = "\n".join(step.get("run", "") for step in job["steps"])
    assert '-- -m "not real_base"' in run and "--skip tests" not in run
    assert "apt-get install" in run and "chromium" in run  # the browser tests run too


def test_every_test_that_reads_this_synthesis_or_its_archive_is_marked_real_base():
    """What the fork job leaves out must be marked: a test naming the real records or archive, or asking for the
    archive, carries the mark itself, or its module does."""
    import ast

    unmarked = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_marked = "real_base" in "".join(
            ast.unparse(node.value) for node in tree.body
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")):
                continue
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            reads_real = names & {"REAL_EVIDENCE", "REAL_ARCHIVE", "needs_real_archive"}
            marked = module_marked or any("real_base" in ast.unparse(d) for d in node.decorator_list)
            if reads_real and not marked:
                unmarked.append(f"{path.name}::{node.name}")
    assert not unmarked, unmarked


def test_records_from_forks_are_verified_by_this_repositorys_code_only():
    """pull_request_target gives forks the secret, so nothing of the pull request may run: its evidence/ is read
    as data into a checkout of the base, and nothing is uploaded."""
    workflow = _workflow("records.yml")
    assert set(workflow[True]) == {"pull_request_target"}
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "read"}
    steps = _steps(workflow)
    assert steps[0]["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    runs = _runs(workflow)
    assert 'git checkout "$HEAD_SHA" -- evidence' in runs and "find evidence -type l -delete" in runs
    assert "--no-cache" in runs  # a pickle from the pull request is never read
    assert not any("upload-artifact" in s.get("uses", "") for s in steps)
    checkouts = [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    assert all(s["with"].get("ref", "") != "${{ github.event.pull_request.head.sha }}" for s in checkouts)


def test_the_evidence_diff_is_made_by_this_repositorys_code_and_posted_by_a_job_that_runs_none():
    """pull_request_target gives a fork's pull request a token that may write: the job that reads its records runs
    the base's code on them, read from git as data, with a read-only token and no secret; the job that comments
    runs nothing but gh and jq, with pull-requests: write alone, and updates the one comment it wrote."""
    text = (WORKFLOWS / "evidence-diff.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert workflow[True] == {"pull_request_target": {"paths": ["evidence/**"]}}
    assert workflow["permissions"] == {"contents": "read"}
    assert "secrets." not in text
    diff, comment = workflow["jobs"]["diff"], workflow["jobs"]["comment"]
    assert diff["permissions"] == {"contents": "read"}
    checkouts = [s for s in diff["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) == 1 and checkouts[0]["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert checkouts[0]["with"]["persist-credentials"] is False
    runs = _runs({"jobs": {"diff": diff}})
    assert 'python -m build_tools diff "$base" "$HEAD_SHA" --format markdown --out evidence-diff/' in runs
    assert "git checkout" not in runs and "pip install -e ." in runs  # records as data; the base's code
    upload = next(s for s in diff["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"] == {"name": "evidence-diff", "path": "evidence-diff/", "retention-days": 14}
    assert comment["needs"] == "diff" and comment["permissions"] == {"pull-requests": "write"}
    assert "container" not in comment  # gh and jq are the runner's
    for step in comment["steps"]:
        assert step.get("uses", "").startswith("actions/download-artifact@") or set(step) == {"name", "env", "run"}
    post = _runs({"jobs": {"comment": comment}})
    assert not re.search(r"\b(python|pip|git|make|npm|sh|bash|source|eval)\b", post), "the comment job runs no code"
    assert MARKER in post and '.user.login == "github-actions[bot]"' in post
    assert "--input body.json" in post and "--method PATCH" in post and "--method POST" in post
    assert "${{" not in runs + post  # event data reaches the scripts through env only
    # It also runs when the diff failed, to say so; not when a newer push cancelled the run.
    assert comment["if"] == "${{ !cancelled() }}"
    download = next(s for s in comment["steps"] if s.get("uses", "").startswith("actions/download-artifact@"))
    assert download["if"] == "needs.diff.result == 'success'"


FAKE_GH = r"""#!/bin/bash
all="$*"
printf '%s\n' "${all//$'\n'/ }" >> "$GH_LOG"  # one line a call
previous=""
for argument in "$@"; do
    if [ "$argument" = --paginate ]; then printf '%b' "$FAKE_COMMENTS"; fi
    if [ "$previous" = --input ]; then cp "$argument" "$GH_BODY"; fi
    previous="$argument"
done
"""


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (.ci/run installs it)")
@pytest.mark.parametrize(("result", "comments"), [("success", "123\n456"), ("success", ""), ("failure", "123"),
                                                  ("failure", "")])
def test_the_comment_job_posts_the_diff_or_says_it_failed_and_updates_its_own_comment(tmp_path, result, comments):
    """The comment job's script, run by bash with the runner's jq and a stand-in for gh that records its calls."""
    step = next(s for s in _workflow("evidence-diff.yml")["jobs"]["comment"]["steps"] if "run" in s)
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "gh").write_text(FAKE_GH, encoding="utf-8")
    (tmp_path / "bin" / "gh").chmod(0o755)
    diff = f"{MARKER}\n## Evidence diff\n\nclaim `a` moved from **high** to **low** \"quoted\" $HOME `x`\n"
    if result == "success":
        (tmp_path / "evidence-diff").mkdir()
        (tmp_path / "evidence-diff" / "evidence-diff.md").write_text(diff, encoding="utf-8")
    sha = "0123456789abcdef" * 2 + "01234567"
    env = {**{k: v for k, v in step["env"].items() if not str(v).startswith("${{")},
           "PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "GH_TOKEN": "t", "REPOSITORY": "owner/repo", "NUMBER": "7",
           "DIFF_RESULT": result, "HEAD_SHA": sha, "RUN_URL": "https://github.com/owner/repo/actions/runs/99",
           "GH_LOG": str(tmp_path / "gh.log"), "GH_BODY": str(tmp_path / "sent.json"), "FAKE_COMMENTS": comments}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=tmp_path,
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "gh.log").read_text(encoding="utf-8").splitlines()
    assert calls[0].startswith("api --paginate repos/owner/repo/issues/7/comments")
    if comments:
        assert calls[1] == "api --method PATCH repos/owner/repo/issues/comments/123 --input body.json"
    else:
        assert calls[1] == "api --method POST repos/owner/repo/issues/7/comments --input body.json"
    body = json.loads((tmp_path / "sent.json").read_text(encoding="utf-8"))["body"]
    if result == "success":
        assert body == diff
    else:
        assert body.startswith(f"{MARKER}\n## Evidence diff\n")
        assert f"commit {sha[:12]} could not be made" in body
        assert "(https://github.com/owner/repo/actions/runs/99)" in body
        assert "earlier commit" in body


def test_main_is_checked_then_deployed_to_pages_with_least_privilege():
    workflow = _workflow("publish.yml")
    assert workflow[True]["push"]["branches"] == ["main"]
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert "python -m build_tools check" in _runs({"jobs": {"build": build}})
    assert "permissions" not in build and workflow["permissions"] == {"contents": "read"}
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    env = next(s for s in build["steps"] if s.get("run") == "python -m build_tools check")["env"]
    assert env["SITE_URL"] == "${{ steps.pages.outputs.base_url }}/"


def test_external_links_run_on_a_schedule_with_a_cache_kept_even_when_links_are_dead():
    workflow = _workflow("external-links.yml")
    assert workflow[True]["schedule"] and "workflow_dispatch" in workflow[True]
    steps = _steps(workflow)
    command = next(s["run"] for s in steps if "links --external" in s.get("run", ""))
    cache_path = command.split("--cache ")[1].strip()
    restore = next(s for s in steps if s.get("uses", "").startswith("actions/cache/restore@"))
    save = next(s for s in steps if s.get("uses", "").startswith("actions/cache/save@"))
    assert restore["with"]["path"] == save["with"]["path"] == cache_path
    assert "!cancelled()" in save["if"]
    assert steps.index(restore) < steps.index(save)


def test_ci_and_readme_run_the_one_local_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    test_command = re.findall(r"```(?:sh|bash)?\n(.*?)\n```", readme, re.S)[1]
    assert "-m build_tools check" in test_command
    assert test_command.strip() in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_workflow_that_builds_the_site_checks_out_the_whole_history():
    """A shallow checkout (GitHub's default) would leave the changelog and "last updated" dates incomplete."""
    for path in sorted(WORKFLOWS.glob("*.yml")):
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, job in workflow["jobs"].items():
            runs = _runs({"jobs": {name: job}})
            if "mkdocs build" not in runs and "build_tools check" not in runs:
                continue
            checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
            assert "repository" not in checkout.get("with", {}), f"{path.name}: the first checkout is the project's"
            assert checkout["with"].get("fetch-depth") == 0, f"{path.name}, job {name}: set fetch-depth: 0"


def test_pull_request_template_has_the_checklist():
    template = (ROOT / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    for item in ("python -m build_tools check", "verbatim", "certainty", "- [ ]"):
        assert item in template


# --- pre-commit --------------------------------------------------------------

@pytest.fixture
def hooked_repo(project: Project) -> Project:
    """A git repository with the project's pre-commit and yamllint configuration and a valid base."""
    write_valid_base(project)
    for name in (".pre-commit-config.yaml", ".yamllint.yaml"):
        shutil.copy(ROOT / name, project.root / name)
    (project.root / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    git_repository(project.root, message=None)
    return project


def _pre_commit(project: Project, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(project.root / ".pre-commit-home"),
           "EVIDENCE_ARCHIVE": str(project.archive)}
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--files", *files], cwd=project.root,
                          capture_output=True, text=True, env=env, check=False)


def test_pre_commit_passes_on_good_records(hooked_repo):
    result = _pre_commit(hooked_repo, "evidence/claims/effect-unknown.yaml", "evidence/themes/autonomy.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "validate changed records" in result.stdout and "Passed" in result.stdout


def test_pre_commit_catches_a_wrong_quote_and_bad_yaml(hooked_repo):
    claim = hooked_repo.evidence / "claims" / "effect-unknown.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace("too soon to say", "too early to say"),
                     encoding="utf-8")
    theme = hooked_repo.evidence / "themes" / "autonomy.yaml"
    theme.write_text(theme.read_text(encoding="utf-8") + "title: Autonomy again\n", encoding="utf-8")
    result = _pre_commit(hooked_repo, "evidence/claims/effect-unknown.yaml", "evidence/themes/autonomy.yaml")
    assert result.returncode == 1
    assert "effect-unknown.yaml:" in result.stdout and "quote-not-found" in result.stdout
    assert "field 'title' appears twice" in result.stdout  # our validator
    assert "key-duplicates" in result.stdout  # yamllint


def test_the_archive_that_ci_checks_out_is_ignored_by_git():
    """CI checks the archive out into `archive/`: ignored, it is never committed by mistake, and a build does not
    call its tree changed (which the home page's "how to cite this version" would then say)."""
    paths = {step["with"]["path"] for path in WORKFLOWS.glob("*.yml") for step in _steps(_workflow(path.name))
             if step.get("with", {}).get("repository") and "path" in step.get("with", {})}
    assert paths, "no workflow checks out the archive"
    for path in paths:
        result = subprocess.run(["git", "check-ignore", "-q", "--no-index", f"{path}/sources/text.txt"], cwd=ROOT,
                                check=False)
        assert result.returncode == 0, f"{path}/ is not ignored by .gitignore"
