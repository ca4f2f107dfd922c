"""The version of a build: the commit checked out (from a real git repository) and the build date, on the home
page ("How to cite this version") and in evidence.json."""

from __future__ import annotations

import datetime
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest
from support import Project, write_site_base

from build_tools.engine.graph import build_graph
from build_tools.engine.history import History, parse_status, read_history
from build_tools.engine.load import load_evidence
from build_tools.site.citations import Citations
from build_tools.site.exports import evidence_document, evidence_schema
from build_tools.site.info import SiteInfo, Version, build_time
from build_tools.site.render import render_pages

GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
                "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org"}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, env={**os.environ, **GIT_IDENTITY}, capture_output=True,
                          text=True, check=True).stdout


@pytest.fixture
def repo(project: Project) -> Project:
    """The site base, committed."""
    write_site_base(project)
    git(project.root, "init", "-q", "-b", "main")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", "First records")
    return project


def test_git_status_gives_the_commit_and_whether_the_tree_has_changed():
    sha = "c3cbcd000ce6e3ef9913206aec53ac82420bd986"
    assert parse_status(f"# branch.oid {sha}\0# branch.head main\0") == (sha, False)
    assert parse_status(f"# branch.oid {sha}\0# branch.head main\0? notes.txt\0") == (sha, True)
    assert parse_status("# branch.oid (initial)\0# branch.head main\0") == (None, False)


def home(project: Project, history: History) -> str:
    graph = build_graph(load_evidence(project.evidence))
    info = SiteInfo("Test synthesis", url="https://example.org/synthesis/", date=datetime.date(2026, 12, 1))
    page = render_pages(graph, info, history)["index.md"]
    return page.body[page.body.index('id="how-to-cite-this-version"'):]


def test_the_home_page_says_how_to_cite_this_version(repo):
    head = git(repo.root, "rev-parse", "HEAD").strip()
    history = read_history(repo.evidence)
    assert (history.head, history.dirty) == (head, False)
    block = home(repo, history)
    assert (f'<em>Test synthesis</em> (version {head[:7]}, built <span class="ev-date">2026-12-01</span>). '
            "https://example.org/synthesis/") in block
    assert f"Commit: <code>{head}</code></li>" in block
    assert "Built: 2026-12-01" in block
    (repo.root / "draft.txt").write_text("not committed\n", encoding="utf-8")  # anywhere in the working tree
    history = read_history(repo.evidence)
    assert (history.head, history.dirty) == (head, True)
    block = home(repo, history)
    assert f'(version {head[:7]} with uncommitted changes, built <span class="ev-date">2026-12-01</span>)' in block
    assert "this version matches no commit exactly" in block


def test_without_git_the_version_says_so(project):
    write_site_base(project)
    block = home(project, read_history(project.evidence))
    assert '(version unknown, built <span class="ev-date">2026-12-01</span>)' in block
    assert "Commit: not known (the records are not in a git repository)" in block


def test_evidence_json_carries_the_commit(repo):
    head = git(repo.root, "rev-parse", "HEAD").strip()
    graph = build_graph(load_evidence(repo.evidence))
    info = SiteInfo("Test synthesis", date=datetime.date(2026, 12, 1))
    history = read_history(repo.evidence)
    document = evidence_document(graph, info, Citations(graph, info, history=history))
    assert document["version"] == {"commit": head, "uncommitted_changes": False, "built": "2026-12-01"}
    jsonschema.validate(document, evidence_schema())
    document = evidence_document(graph, info, Citations(graph, info))  # no history given
    assert document["version"] == {"commit": None, "uncommitted_changes": None, "built": "2026-12-01"}
    jsonschema.validate(document, evidence_schema())


def test_the_build_time_follows_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert build_time() == datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert build_time().tzinfo is datetime.UTC
    assert Version("a" * 40, None, None).label == "commit aaaaaaa (uncommitted changes unknown)"
