"""Record pages put into the theme by worker processes make the build faster, never different."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from support import Project, build, write_site_base

# A hooks file (MkDocs' `hooks:`) for the test's builds: workers for any number of pages on any machine, and a
# line in built-by.txt for each page written, with the process that wrote it.
HOOKS = """\
import logging, os
from pathlib import Path
from build_tools.adapters.mkdocs import parallel
from build_tools.engine import workers

parallel.MIN_PAGES = {min_pages}
workers.worker_count = lambda: {processes}
MAIN = os.getpid()
LOG = logging.getLogger("mkdocs.hooks.test")

def on_post_page(output, page, config):
    if output.strip():
        with open(Path(config.config_file_path).parent / "built-by.txt", "a") as file:
            file.write(f"{{page.file.src_uri}} {{'main' if os.getpid() == MAIN else 'worker'}}\\n")
{extra}
    return output
"""


def _project(root: Path, *, min_pages: int = 1, extra: str = "", processes: int = 2) -> Project:
    project = Project(root)
    write_site_base(project)
    (root / "hooks.py").write_text(HOOKS.format(min_pages=min_pages, extra=textwrap.indent(extra, "    "),
                                                processes=processes), encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "hooks: [hooks.py]\n", encoding="utf-8")
    return project


def _in_a_worker(statement: str) -> str:
    """Hook code that runs ``statement`` for each page a worker writes."""
    return f"if output.strip() and os.getpid() != MAIN:\n    {statement}"


def _built_by(project: Project) -> dict[str, list[str]]:
    built: dict[str, list[str]] = {}
    for line in (project.root / "built-by.txt").read_text(encoding="utf-8").splitlines():
        uri, who = line.rsplit(" ", 1)
        built.setdefault(uri, []).append(who)
    return built


def _pages(site: Path) -> dict[str, bytes]:
    return {path.relative_to(site).as_posix(): path.read_bytes() for path in sorted(site.rglob("*.html"))}


@pytest.mark.parametrize("engine", ["properdocs", "mkdocs"])
def test_pages_built_by_workers_are_those_built_in_one_process(tmp_path, engine):
    sites = {}
    for name, min_pages in (("together", 1), ("alone", 10**9)):
        project = _project(tmp_path / name, min_pages=min_pages)
        result = build(project, {"SOURCE_DATE_EPOCH": "1767225600"}, engine=engine)
        assert result.returncode == 0, result.stderr
        assert "Page skipped" not in result.stderr, "MkDocs should not say it skipped the pages workers built"
        built = _built_by(project)
        assert all(len(who) == 1 for who in built.values()), f"a page written twice: {built}"
        sites[name] = (_pages(project.root / "site"), built)
    together, built_together = sites["together"]
    alone, built_alone = sites["alone"]
    assert all(who == ["main"] for who in built_alone.values())
    by_worker = sorted(uri for uri, who in built_together.items() if who == ["worker"])
    assert by_worker, "a worker builds a share of the generated pages"
    assert not {"overview.md", "methods.md", "tags.md"} & set(by_worker), "pages read from Markdown are built here"
    assert any(who == ["main"] for who in built_together.values()), "this process builds its share too"
    assert list(together) == list(alone)
    for path in alone:
        assert together[path] == alone[path], f"{path} differs when a worker builds it"


def test_a_warning_logged_while_a_worker_builds_a_page_is_logged_once_and_fails_a_strict_build(tmp_path):
    project = _project(tmp_path, extra=_in_a_worker(
        "LOG.warning(f'a hook warns about {page.file.src_uri}')"))
    result = build(project)
    assert result.returncode != 0
    worker_pages = [uri for uri, who in _built_by(project).items() if who == ["worker"]]
    assert worker_pages
    for uri in worker_pages:
        assert result.stderr.count(f"a hook warns about {uri}") == 1, result.stderr
    assert f"Aborted with {len(worker_pages)} warnings in strict mode" in result.stdout + result.stderr
    assert not (project.root / "site").exists(), "a failed build leaves no site"


def test_an_error_while_a_worker_builds_a_page_fails_the_build_with_its_message(tmp_path):
    project = _project(tmp_path, extra=_in_a_worker(
        "raise ValueError(f'the hook cannot take {page.file.src_uri}')"))
    result = build(project)
    assert result.returncode != 0
    assert "ValueError: the hook cannot take " in result.stderr
    assert "Error building page '" in result.stderr
    assert "in a worker process" in result.stderr and 'hooks.py", line' in result.stderr, "the worker's traceback"
    assert not (project.root / "site").exists(), "a failed build leaves no site"


def test_an_error_in_one_worker_fails_the_build_once_every_other_worker_is_done(tmp_path):
    """With three processes, the first worker to reach a page raises; the other is still building a second later."""
    project = _project(tmp_path, processes=3, extra=(
        "if output.strip() and os.getpid() != MAIN and not hasattr(parallel, 'started'):\n"
        "    parallel.started = True\n"
        "    try:\n"
        "        os.close(os.open(Path(config.config_file_path).parent / 'first', os.O_CREAT | os.O_EXCL))\n"
        "    except FileExistsError:\n"
        "        import time; time.sleep(1)\n"
        "        (Path(config.config_file_path).parent / 'late').write_text('done')\n"
        "    else:\n"
        "        raise ValueError('the first worker fails')"))
    result = build(project)
    assert result.returncode != 0 and "the first worker fails" in result.stderr
    assert (project.root / "late").is_file(), "the build should have waited for the other worker"
    assert not list(project.root.glob(".site-*")), "no staging folder is left, written into after the build ended"


def test_when_a_worker_dies_its_pages_are_built_here(tmp_path):
    project = _project(tmp_path, extra=_in_a_worker(
        "os._exit(3)  # a worker that dies, as one killed for memory would"))
    result = build(project)
    assert result.returncode == 0, result.stderr
    built = _built_by(project)
    assert any(who[0] == "worker" for who in built.values()), "the worker died after writing its first page"
    assert all(who[-1] == "main" for who in built.values()), "every page is built by this process in the end"
    assert (project.root / "site" / "index.html").is_file()


@pytest.mark.parametrize("option", ["", "      page_workers: false\n"])
def test_a_small_site_or_one_that_turns_workers_off_is_built_in_one_process(tmp_path, option):
    project = _project(tmp_path, min_pages=10**9 if not option else 1)
    config = project.root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("      archive: archive\n",
                                                                 "      archive: archive\n" + option))
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert {tuple(who) for who in _built_by(project).values()} == {("main",)}


def test_when_no_worker_can_be_forked_every_page_is_built_here_once(tmp_path):
    project = _project(tmp_path)
    hooks = project.root / "hooks.py"
    hooks.write_text(hooks.read_text(encoding="utf-8") + textwrap.dedent("""
        import multiprocessing.process

        def _refuse(process):
            raise OSError("fork refused")  # as when the system has no memory or processes left

        multiprocessing.process.BaseProcess.start = _refuse
        """), encoding="utf-8")
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert {tuple(who) for who in _built_by(project).values()} == {("main",)}
