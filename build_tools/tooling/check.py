"""``python -m build_tools check``: everything CI checks, in one local command.

Lint, validate (strict), build the site (strict), check its links, run the tests.
Every step runs even when an earlier one fails (except the link check, which
needs a site), so one run shows every problem; the exit code is 1 if any failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from build_tools.adapters.project import Project
from build_tools.engine import findings as fmt
from build_tools.engine.history import read_history
from build_tools.engine.load import display_path
from build_tools.engine.validate import run
from build_tools.tooling.invocation import invocation

STEPS = ("lint", "validate", "build", "links", "tests")


def build_site(project: Project, site_dir: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict``; the evidence plugin swaps the new site in only if the build succeeds."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(project.config_file),
         "--site-dir", str(site_dir)],
        cwd=project.root, capture_output=True, text=True, check=False)


def main(config_file: Path, *, skip: Sequence[str] = (), output_format: str = "text",
         changed: list[Path] | None = None, pytest_args: Sequence[str] = ()) -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # keep order with child processes
    project = Project.read(config_file)
    results: dict[str, bool | None] = {}

    def step(name: str, action: Callable[[], bool]) -> None:
        if name in skip:
            results[name] = None
            return
        _heading(name)
        started = time.monotonic()
        ok = action()
        results[name] = ok
        print(f"--> {name}: {'ok' if ok else 'FAILED'} ({time.monotonic() - started:.1f} s)", flush=True)

    def lint() -> bool:
        return subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=project.root).returncode == 0

    def validate() -> bool:
        report = run(project.evidence, project.archive, strict_mode=True, changed=changed,
                     history=read_history(project.evidence))
        if output_format == "github" and report.findings:
            print(fmt.format_github(report.findings))
        print(fmt.format_text(report.findings))
        print(report.summary)
        return report.ok

    def build() -> bool:
        result = build_site(project, project.site_dir)
        if result.returncode == 0:
            pages = sum(1 for _ in project.site_dir.rglob("*.html"))
            print(f"built {display_path(project.site_dir)}/ ({pages} pages)")
            return True
        print((result.stdout + result.stderr).strip())
        print(f"the build failed; {display_path(project.site_dir)}/ is left as it was")
        return False

    def links() -> bool:
        from build_tools.tooling.links import LinkCheckError, check_site, format_report

        if results.get("build") is False:
            print("skipped: the site did not build")
            return False
        try:
            report = check_site(project.site_dir)
        except LinkCheckError as exc:
            print(f"error: {exc}")
            return False
        print(format_report(report))
        return report.ok

    def tests() -> bool:
        return subprocess.run([sys.executable, "-m", "pytest", *pytest_args], cwd=project.root).returncode == 0

    for name, action in zip(STEPS, (lint, validate, build, links, tests), strict=True):
        step(name, action)
    failed = [name for name, ok in results.items() if ok is False]
    _heading("summary")
    for name, ok in results.items():
        print(f"{name:>9}: {'skipped' if ok is None else 'ok' if ok else 'FAILED'}")
    if failed:
        print(f"\ncheck failed: {', '.join(failed)}. Fix the first problem shown above each FAILED step, "
              f"then run `{invocation()} check` again.")
    return 1 if failed else 0


def _heading(name: str) -> None:
    print(f"\n==> {name}", flush=True)
