"""A build swaps in a whole new site or leaves the old one; nothing of a killed or concurrent build is left."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from support import Project, build, site_environment, write_site_base

pytestmark = pytest.mark.slow  # `check --fast` leaves these out


def _leftovers(project: Project) -> list[str]:
    return sorted(p.name for p in project.root.iterdir() if p.name.startswith(".site"))


def test_folders_of_killed_builds_are_removed_and_a_good_build_leaves_nothing_behind(project):
    write_site_base(project)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    for name in (f".site-building-{dead}-x1", f".site-old-{dead}-x2", f".site-building-{os.getppid()}-x3"):
        (project.root / name).mkdir()
        (project.root / name / "index.html").write_text("half a site", encoding="utf-8")
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert _leftovers(project) == [f".site-building-{os.getppid()}-x3"], "a live process's folder is its own"
    assert (project.root / "site" / "index.html").is_file()
    assert build(project).returncode == 0
    assert _leftovers(project) == [f".site-building-{os.getppid()}-x3"], "the previous site is removed too"


def test_two_builds_ending_at_once_leave_one_whole_site(project):
    write_site_base(project)
    command = [sys.executable, "-m", "properdocs", "build", "--strict", "-f", "mkdocs.yml", "-d", "site"]
    builds = [subprocess.Popen(command, cwd=project.root, env=site_environment(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for process in builds:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    assert _leftovers(project) == []
    site = project.root / "site"
    assert (site / "index.html").is_file() and (site / "claims" / "boards-feel-freer" / "index.html").is_file()
    assert not (site / "site").exists(), "a site swapped into another"
