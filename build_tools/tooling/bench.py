"""``python -m build_tools bench``: how cost grows with the evidence base, against two baselines.

For each size it writes a synthetic base (:mod:`.synthetic`) and times, each in a
fresh process: (a) PyYAML's C loader alone reading every record file; our
validation with every quote verified, cold and after editing one claim; (b)
plain MkDocs + Material building one plain Markdown page per record, with the
same nav; and our site build. It prints each ratio to its baseline, growth per
step in size, peak memory, and whether each target is met (exit 1 if not). With ``--reader`` it also
measures, in Chromium, what readers of both built sites get (:mod:`.reader_bench`).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from build_tools.tooling.synthetic import generate

TARGETS = {
    "validation": 1.3,   # cold validation / parsing with yaml.CSafeLoader
    "edit": 1.0,         # seconds, validation command after a one-file edit, largest base
    "build": 1.0,        # our build / plain MkDocs + Material build
    "growth": 1.1,       # time growth / record growth
    "memory": 1024,      # MiB, peak of validation and build, largest base
    "serve": 2.0,        # seconds from saving a claim to the updated page being served
}


VALIDATION_RUNS = 5
"""Validation and `serve` take seconds, not minutes: their figures are the best of this many times ``--repeat``
runs."""


@dataclass
class Run:
    seconds: float
    peak_mib: float
    output: str = ""


@dataclass
class Row:
    claims: int
    records: int = 0
    yaml_baseline: float = 0.0
    validate_cold: Run | None = None
    validate_edit: Run | None = None
    plain_build: Run | None = None
    build: Run | None = None
    pages: int = 0
    notes: list[str] = field(default_factory=list)


def _measure(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Wall time and peak resident memory of one child process; raises if it fails."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    output = process.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{output[-3000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, output)


_YAML_BASELINE = textwrap.dedent("""
    import os, sys, time, yaml
    start = time.perf_counter()
    for folder, _, names in os.walk(sys.argv[1]):
        for name in names:
            if name.endswith(".yaml"):
                with open(os.path.join(folder, name), "rb") as file:
                    yaml.load(file.read(), Loader=yaml.CSafeLoader)
    print(time.perf_counter() - start)
""")

_TIMED_VALIDATION = textwrap.dedent("""
    import sys, time
    from build_tools.engine.validate import run
    start = time.perf_counter()
    report = run(sys.argv[1], sys.argv[2], strict_mode=True, cache=sys.argv[3] if len(sys.argv) > 3 else None)
    seconds = time.perf_counter() - start
    assert not report.findings, [str(f) for f in report.findings[:5]]
    print(seconds)
""")


def _project(folder: Path, claims: int, seed: int, config: Path) -> int:
    """The synthetic base, its mkdocs.yml and the plain baseline project; the base is reused when already written."""
    marker = folder / "synthetic.json"
    wanted = {"claims": claims, "seed": seed, "generator": _generator_version()}
    nav, hand_written = _nav(config)
    if not (marker.is_file() and json.loads(marker.read_text()) == wanted):
        shutil.rmtree(folder, ignore_errors=True)
        size = generate(folder, claims, seed)
        for page in hand_written:
            target = folder / "content" / page
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"# {Path(page).stem.capitalize()}\n\nA hand-written page.\n", encoding="utf-8")
        (folder / "content").mkdir(exist_ok=True)
        _write_plain_pages(folder / "plain" / "docs", folder / "evidence", nav)
        (folder / "records.json").write_text(json.dumps(size.records))
        marker.write_text(json.dumps(wanted))
    # Not strict in the file, so that `serve --dirty` (which always warns) runs; builds pass --strict.
    _write_config(folder / "mkdocs.yml", config, {
        "docs_dir": "content", "nav": nav, "watch": [], "strict": False,
        "plugins": ["search", "tags", {"evidence": {"evidence": "evidence", "archive": "archive"}}],
    })
    # No "Edit this page" without a repository (as the evidence plugin does), rather than a warning per page.
    _write_config(folder / "plain" / "mkdocs.yml", config, {
        "docs_dir": "docs", "nav": nav, "watch": [], "strict": False, "plugins": ["search"], "edit_uri": "",
        "not_in_nav": "\n".join(f"/{part}/*.md" for part in _record_folders()),
    })
    return int(json.loads((folder / "records.json").read_text()))


def _generator_version() -> str:
    return str(os.path.getmtime(Path(__file__).with_name("synthetic.py")))


def _record_folders() -> list[str]:
    from build_tools.engine.model import KINDS

    return [kind.folder for kind in KINDS.values()]


def _nav(config: Path) -> tuple[list[Any], list[str]]:
    """The project's nav, and the hand-written pages in it (which the bench replaces with plain stand-ins:
    the real ones link to records of the real base)."""
    from build_tools.adapters.project import Project

    project = Project.read(config)
    nav, docs_dir = project.settings.get("nav") or [], project.docs_dir
    targets = [next(iter(entry.values())) if isinstance(entry, dict) else entry for entry in nav]
    return nav, [t for t in targets if isinstance(t, str) and (docs_dir / t).is_file()]


def _write_config(path: Path, parent: Path, overrides: dict[str, Any]) -> None:
    """A mkdocs.yml inheriting the project's theme, extensions and validation settings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = {"INHERIT": os.path.relpath(parent, path.parent), **overrides}
    custom_dir = parent.parent / "theme_overrides"
    if custom_dir.is_dir():
        settings["theme"] = {"name": "material", "custom_dir": str(custom_dir)}
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")


def _write_plain_pages(docs: Path, evidence: Path, nav: list[Any]) -> None:
    """One Markdown page per record (its title and its text, nothing linked), the same nav pages,
    and section indexes listing their records, like ours."""
    from build_tools.engine.load import load_evidence
    from build_tools.engine.model import KINDS

    base = load_evidence(evidence)
    sections: dict[str, list[str]] = {}
    for kind in KINDS.values():
        folder = docs / kind.folder
        folder.mkdir(parents=True, exist_ok=True)
        lines = sections.setdefault(f"{kind.folder}/index.md", [f"# {kind.plural.capitalize()}", ""])
        for record in base.records[kind.name].values():
            texts = [str(value) for value in _strings(record.model_dump(mode="json"))]
            (folder / f"{record.id}.md").write_text(f"# {record.title_text}\n\n" + "\n\n".join(texts) + "\n",
                                                    encoding="utf-8")
            lines.append(f"- [{record.title_text}]({record.id}.md)")
    for entry in nav:
        target = next(iter(entry.values())) if isinstance(entry, dict) else entry
        page = docs / target
        if target in sections:
            page.write_text("\n".join(sections[target]) + "\n", encoding="utf-8")
        elif not page.exists():
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(f"# {target}\n\nA plain page.\n", encoding="utf-8")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _middle_claim(evidence: Path) -> Path:
    claims = sorted((evidence / "claims").iterdir())
    return claims[len(claims) // 2]


_EDIT_MARK = re.compile(r"^(?:(?:Edited|Served)\d+ )+")


def _prefix_statement(claim: Path, word: str) -> None:
    """Edit one claim as a contributor would: its statement changes, nothing else. The word replaces the
    one an earlier run put there, so that the statement does not grow with every run of the bench."""
    header, _, body = claim.read_text(encoding="utf-8").partition("\n")
    data = yaml.safe_load(body)
    data["statement"] = f"{word} {_EDIT_MARK.sub('', data['statement'])}"
    claim.write_text(f"{header}\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100),
                     encoding="utf-8")


def _best(runs: list[Run]) -> Run:
    """The fastest of repeated runs (what the code costs, less the machine's noise), with the highest peak memory."""
    fastest = min(runs, key=lambda run: run.seconds)
    return Run(fastest.seconds, max(run.peak_mib for run in runs), fastest.output)


def bench_size(folder: Path, claims: int, seed: int, config: Path, build: bool, repeat: int = 1) -> Row:
    """Every figure of one size (:func:`bench_sizes`)."""
    return bench_sizes([(folder, claims)], seed, config, build, repeat)[0]


def bench_sizes(sizes: list[tuple[Path, int]], seed: int, config: Path, build: bool, repeat: int = 1) -> list[Row]:
    """Every figure of each size (its project folder, its claims), each the best of ``repeat`` runs
    (validation's of ``VALIDATION_RUNS`` times as many).

    Runs are interleaved: a baseline run next to each of ours, and one round of every size after
    another, so that a slow spell of the machine falls on both sides of a ratio and on every size
    of a growth factor, rather than on whichever was being timed at the time.
    """
    python = sys.executable
    rows = []
    for folder, claims in sizes:
        rows.append(Row(claims))
        rows[-1].records = _project(folder, claims, seed, config)
    yamls: list[list[float]] = [[] for _ in sizes]
    colds: list[list[Run]] = [[] for _ in sizes]
    edits: list[list[Run]] = [[] for _ in sizes]
    for _ in range(VALIDATION_RUNS * repeat):
        for index, (folder, _claims) in enumerate(sizes):
            evidence, archive, cache = folder / "evidence", folder / "archive", folder / ".cache" / "validation"
            yamls[index].append(float(_measure([python, "-c", _YAML_BASELINE, str(evidence)], folder).output))
            shutil.rmtree(cache, ignore_errors=True)
            cold = _measure([python, "-c", _TIMED_VALIDATION, str(evidence), str(archive), str(cache)], folder)
            colds[index].append(Run(float(cold.output), cold.peak_mib))
    for _ in range(VALIDATION_RUNS * repeat):
        for index, (folder, _claims) in enumerate(sizes):
            evidence = folder / "evidence"
            _prefix_statement(_middle_claim(evidence), f"Edited{time.time_ns()}")
            edits[index].append(_measure([python, "-m", "build_tools", "validate", "--strict", "--evidence",
                                          str(evidence), "--archive", str(folder / "archive"), "--cache",
                                          str(folder / ".cache" / "validation")], folder))
    for row, size_yamls, size_colds, size_edits in zip(rows, yamls, colds, edits, strict=True):
        row.yaml_baseline = min(size_yamls)
        row.validate_cold, row.validate_edit = _best(size_colds), _best(size_edits)
    if build:
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        plains: list[list[Run]] = [[] for _ in sizes]
        ours: list[list[Run]] = [[] for _ in sizes]
        for _ in range(repeat):
            for index, (folder, _claims) in enumerate(sizes):
                plains[index].append(_measure([python, "-m", "mkdocs", "build", "-q", "-f", "plain/mkdocs.yml",
                                               "-d", str(folder / "plain-site")], folder, env))
                ours[index].append(_measure([python, "-m", "mkdocs", "build", "-q", "--strict", "-f", "mkdocs.yml",
                                             "-d", str(folder / "site")], folder, env))
        for row, (folder, _claims), size_plains, size_ours in zip(rows, sizes, plains, ours, strict=True):
            row.plain_build, row.build = _best(size_plains), _best(size_ours)
            row.pages = sum(1 for _ in (folder / "site").rglob("index.html"))
    return rows


def serve_update(folder: Path, edits: int = 1) -> float:
    """Seconds from saving an edited claim to ``mkdocs serve --dirty`` serving its updated page: the best of
    ``edits`` edits, one after another, to the same server."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    log = (folder / "serve.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--dirty", "--livereload", "-f",
                               "mkdocs.yml", "-a", f"127.0.0.1:{port}"], cwd=folder, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        claim = _middle_claim(folder / "evidence")
        url = f"http://127.0.0.1:{port}/claims/{claim.stem}/"
        _wait_for(url, lambda page: True, timeout=600)
        times = []
        for _ in range(edits):
            word = f"Served{time.time_ns()}"
            start = time.perf_counter()
            _prefix_statement(claim, word)
            _wait_for(url, lambda page, word=word: word in page, timeout=120)
            times.append(time.perf_counter() - start)
            time.sleep(1)  # the server reloads browsers, and is idle again
        return min(times)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _wait_for(url: str, ready: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if ready(response.read().decode("utf-8", "replace")):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} was not ready within {timeout} s")


def report(rows: list[Row], serve_seconds: float | None) -> tuple[str, bool]:
    """The table of figures and the verdict on each target."""
    lines = ["claims  records  pages  yaml(a)  validate  ratio  edit     plain(b)  build    ratio  peak MiB"]
    for row in rows:
        cold, edit, plain, build = row.validate_cold, row.validate_edit, row.plain_build, row.build
        assert cold and edit
        peak = max(cold.peak_mib, edit.peak_mib, build.peak_mib if build else 0)
        lines.append(
            f"{row.claims:>6}  {row.records:>7}  {row.pages or '-':>5}  {row.yaml_baseline:>6.2f}s  "
            f"{cold.seconds:>7.2f}s  {cold.seconds / row.yaml_baseline:>4.2f}×  {edit.seconds:>5.2f}s  "
            + (f"{plain.seconds:>7.1f}s  {build.seconds:>6.1f}s  {build.seconds / plain.seconds:>4.2f}×  "
               if plain and build else f"{'-':>8}  {'-':>7}  {'-':>5}  ")
            + f"{peak:>8.0f}")
    verdicts: list[tuple[str, bool]] = []
    largest = rows[-1]
    assert largest.validate_cold and largest.validate_edit
    worst = max(r.validate_cold.seconds / r.yaml_baseline for r in rows if r.validate_cold)
    verdicts.append((f"cold validation ≤ {TARGETS['validation']}× yaml.CSafeLoader: worst {worst:.2f}×",
                     worst <= TARGETS["validation"]))
    verdicts.append((f"validation after a one-file edit < {TARGETS['edit']:.0f} s at {largest.claims} claims: "
                     f"{largest.validate_edit.seconds:.2f} s (the whole command)",
                     largest.validate_edit.seconds < TARGETS["edit"]))
    built = [r for r in rows if r.build and r.plain_build]
    if built:
        worst = max(r.build.seconds / r.plain_build.seconds for r in built)  # type: ignore[union-attr]
        verdicts.append((f"site build ≤ {TARGETS['build']}× plain MkDocs + Material: worst {worst:.2f}×",
                         worst <= TARGETS["build"]))
    for previous, current in itertools.pairwise(rows):
        growth = current.records / previous.records
        for name, before, after in [
            ("validation", previous.validate_cold.seconds, current.validate_cold.seconds),  # type: ignore[union-attr]
            ("build", previous.build.seconds if previous.build else 0, current.build.seconds if current.build else 0),
        ]:
            if before:
                ratio = after / before
                verdicts.append((f"{name} {previous.claims} → {current.claims} claims ({growth:.2f}× records): "
                                 f"{ratio:.2f}× time (≤ {growth * TARGETS['growth']:.2f}×)",
                                 ratio <= growth * TARGETS["growth"]))
    peak = max([largest.validate_cold.peak_mib, largest.validate_edit.peak_mib]
               + ([largest.build.peak_mib] if largest.build else []))
    verdicts.append((f"peak memory < {TARGETS['memory']} MiB at {largest.claims} claims: {peak:.0f} MiB",
                     peak < TARGETS["memory"]))
    if serve_seconds is not None:
        verdicts.append((f"serve --dirty: edited claim served in {serve_seconds:.2f} s (< {TARGETS['serve']:.0f} s)",
                         serve_seconds < TARGETS["serve"]))
    lines.append("")
    lines += [f"{'met   ' if ok else 'MISSED'}  {text}" for text, ok in verdicts]
    return "\n".join(lines), all(ok for _, ok in verdicts)


def main(sizes: list[int], work: Path, seed: int, config: Path, build: bool, serve: bool, repeat: int = 1,
         reader: bool = False) -> int:
    work = work.resolve()  # the timed commands run inside each project's folder
    if reader:
        from build_tools.tooling import reader_bench

        problem = reader_bench.browser_missing() or (None if build else next(
            filter(None, (reader_bench.sites_missing(work / f"claims-{claims}") for claims in sizes)), None))
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
    work.mkdir(parents=True, exist_ok=True)
    print(f"… {', '.join(map(str, sizes))} claims, in turn", file=sys.stderr, flush=True)
    rows = bench_sizes([(work / f"claims-{claims}", claims) for claims in sizes], seed, config.resolve(), build,
                       repeat)
    serve_seconds = None
    if serve:
        print(f"… serve, {sizes[0]} claims", file=sys.stderr, flush=True)
        serve_seconds = serve_update(work / f"claims-{sizes[0]}", edits=VALIDATION_RUNS * repeat)
    text, ok = report(rows, serve_seconds)
    if reader:
        folders = [(work / f"claims-{claims}", claims) for claims in sizes]
        problem = None if build else next(filter(None, (reader_bench.sites_missing(f) for f, _ in folders)), None)
        if problem:  # the base was written anew, and its sites with it
            print(f"error: {problem}", file=sys.stderr)
            return 2
        reader_text, reader_ok = reader_bench.report(reader_bench.measure_sizes(folders))
        text, ok = f"{text}\n\n{reader_text}", ok and reader_ok
    print(f"python -m build_tools bench --sizes {','.join(map(str, sizes))} --seed {seed} --repeat {repeat}"
          f"{'' if build else ' --no-build'}{' --serve' if serve else ''}{' --reader' if reader else ''}")
    print(f"each figure the best of {repeat} {'run' if repeat == 1 else 'runs'}, "
          f"those of validation and serve of {VALIDATION_RUNS * repeat}")
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}\n")
    print(text)
    return 0 if ok else 1
