"""``python -m build_tools check``: everything CI checks, in one local command.

Lint, validate (strict), build the site (strict, with ProperDocs), check its links, build it with every
supported engine (MkDocs with the plugin; the ``generate`` tree with MkDocs, ProperDocs, Zensical), run the tests.
Every step runs even when an earlier one fails (except the link check, which
needs a site), so one run shows every problem; the exit code is 1 if any failed.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from build_tools.adapters.project import Project
from build_tools.engine import findings as fmt
from build_tools.engine.history import read_history
from build_tools.engine.load import display_path
from build_tools.engine.validate import run
from build_tools.tooling.invocation import invocation

STEPS = ("lint", "validate", "build", "links", "engines", "tests")
ENGINE = "properdocs"
"""What builds the site: ProperDocs, the maintained fork of MkDocs 1.x (docs/engines.md)."""


def build_site(project: Project, site_dir: Path, engine: str = ENGINE,
               config_file: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``properdocs build --strict`` (or ``mkdocs``, ``zensical``); the evidence plugin swaps the new site in
    only if the build succeeds. Zensical has no ``--site-dir``: it builds into ``site/`` beside the config."""
    config = config_file or project.config_file
    options = [] if engine == "zensical" else ["--site-dir", str(site_dir)]
    return subprocess.run([sys.executable, "-m", engine, "build", "--strict", "--config-file", str(config), *options],
                          cwd=config.parent, capture_output=True, text=True, check=False)


def check_engines(project: Project) -> bool:
    """The site builds with MkDocs as with ProperDocs, and the tree ``generate`` writes builds without the
    plugin with MkDocs, ProperDocs and (when installed) Zensical. Prints a line per build."""
    from build_tools.adapters.generate import GenerateError, generate

    builds: list[tuple[str, str, Path | None]] = [("mkdocs", "the site, with the evidence plugin", None)]
    ok = True
    with tempfile.TemporaryDirectory(prefix="engines-") as folder:
        work = Path(folder)
        for engine in ("mkdocs", "zensical"):
            if engine == "zensical" and importlib.util.find_spec("zensical") is None:
                print("zensical: not installed (pip install -e '.[test]'), its build is left out")
                continue
            try:
                tree = generate(project.config_file, work / f"tree-{engine}", engine=engine).out
            except GenerateError as exc:
                print(f"generate --engine {engine}: FAILED\n{exc}")
                ok = False
                continue
            for builder in (("mkdocs", "properdocs") if engine == "mkdocs" else ("zensical",)):
                builds.append((builder, f"the tree `generate --engine {engine}` wrote", tree / "mkdocs.yml"))
        for number, (engine, what, config) in enumerate(builds):
            result = build_site(project, work / f"site-{number}", engine, config)
            print(f"{engine} build --strict, {what}: {'ok' if result.returncode == 0 else 'FAILED'}")
            if result.returncode:
                print((result.stdout + result.stderr).strip())
                ok = False
    return ok


def main(config_file: Path, *, skip: Sequence[str] = (), output_format: str = "text",
         changed: list[Path] | None = None, pytest_args: Sequence[str] = ()) -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # keep order with child processes
    project = Project.read(config_file)
    method = project.method  # wrong settings stop the check before any step, as they stop validate
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
                     history=read_history(project.evidence), method=method)
        if output_format == "github" and report.findings:
            print(fmt.format_github(report.findings))
        print(fmt.format_text(report.findings))
        print(report.summary)
        for note in report.notes:
            print(f"note: {note}")
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

    def engines() -> bool:
        return check_engines(project)

    def tests() -> bool:
        return subprocess.run([sys.executable, "-m", "pytest", *pytest_args], cwd=project.root).returncode == 0

    for name, action in zip(STEPS, (lint, validate, build, links, engines, tests), strict=True):
        step(name, action)
    failed = [name for name, ok in results.items() if ok is False]
    _heading("summary")
    for name, ok in results.items():
        print(f"{name:>9}: {'skipped' if ok is None else 'ok' if ok else 'FAILED'}")
    if failed:
        print(f"\ncheck failed: {', '.join(failed)}. Fix the first problem shown above each FAILED step, "
              f"then run `{invocation()} check` again.")
        if "tests" in failed:
            python = invocation().removesuffix(" -m build_tools")
            print("The tests step runs the generator's own tests (tests/), on evidence bases they write themselves: "
                  "a failure there is not a problem in your records, unless a step above failed too. Run them "
                  f"alone with `{python} -m pytest -x`, or one with `{python} -m pytest -k NAME`.")
    return 1 if failed else 0


def _heading(name: str) -> None:
    print(f"\n==> {name}", flush=True)
