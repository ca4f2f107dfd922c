"""The synthetic evidence base and the benchmark's own plumbing (its figures are not tested: they are measured)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from build_tools.engine.validate import run
from build_tools.tooling import bench
from build_tools.tooling.bench import Run, _best
from build_tools.tooling.synthetic import generate

ROOT = Path(__file__).resolve().parent.parent


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_synthetic_base_is_valid_and_the_same_for_the_same_seed(tmp_path):
    size = generate(tmp_path / "a", 120, seed=7)
    generate(tmp_path / "b", 120, seed=7)
    generate(tmp_path / "c", 120, seed=8)
    report = run(tmp_path / "a" / "evidence", tmp_path / "a" / "archive", strict_mode=True)
    assert report.findings == []  # every quote verifies against the archive it wrote
    assert len(report.graph.claims) == 120 and size.records == sum(
        len(report.graph.by_kind(kind)) for kind in ("claim", "source", "study", "theme", "recommendation",
                                                      "question"))
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a") != _files(tmp_path / "c")


def test_a_base_of_the_benchmarks_size_validates_strict(tmp_path):
    """At 1,000 claims every rare case of the generator occurs (an elision near a paragraph's end, a dash among
    the words): the bench stops at its first step if any record fails validation."""
    generate(tmp_path, 1000, seed=1)
    assert run(tmp_path / "evidence", tmp_path / "archive", strict_mode=True).findings == []


def test_bench_runs_from_the_project_root_with_its_default_relative_work_folder(tmp_path):
    """Its commands run inside each synthetic project's folder: a relative --work must still be found."""
    result = subprocess.run([sys.executable, "-m", "build_tools", "bench", "--sizes", "40", "--no-build",
                             "--repeat", "1", "--work", "bench-work", "--config-file", str(ROOT / "mkdocs.yml")],
                            cwd=tmp_path, capture_output=True, text=True, check=False,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode in (0, 1), result.stderr  # 1: a target missed, which a 40-claim base may do
    assert "Traceback" not in result.stderr
    table = result.stdout.splitlines()
    row = next(line for line in table if line.split()[:1] == ["40"])
    assert len(row.split()) >= 6  # claims, records, pages, yaml, validate, ratio, edit…
    assert "cold validation" in result.stdout
    assert (tmp_path / "bench-work" / "claims-40" / "evidence").is_dir()


def test_repeated_runs_keep_the_fastest_time_and_the_highest_memory():
    best = _best([Run(3.0, 100.0, "slow"), Run(2.0, 90.0, "fast"), Run(2.5, 120.0, "middle")])
    assert (best.seconds, best.peak_mib, best.output) == (2.0, 120.0, "fast")


def test_the_benchmark_edit_does_not_grow_the_claim_run_after_run(tmp_path):
    from build_tools.tooling.bench import _middle_claim, _prefix_statement

    generate(tmp_path, 20, seed=1)
    claim = _middle_claim(tmp_path / "evidence")
    original = claim.read_text(encoding="utf-8")
    for word in ("Edited1", "Served22", "Edited333"):
        _prefix_statement(claim, word)
    edited = yaml.safe_load(claim.read_text(encoding="utf-8"))
    before = yaml.safe_load(original)
    assert edited["statement"] == "Edited333 " + before["statement"]
    del edited["statement"], before["statement"]
    assert edited == before


def test_sizes_take_turns_so_that_a_slow_spell_falls_on_every_size(tmp_path, monkeypatch):
    """Growth factors compare sizes: timing each size in a block of its own would compare machine moods."""
    timed: list[tuple[str, str]] = []

    def fake_measure(command, cwd, env=None):
        what = ("yaml" if "CSafeLoader" in command[2] else "cold") if command[1] == "-c" else (
            "edit" if "validate" in command else "plain" if "plain/mkdocs.yml" in command else "build")
        timed.append((Path(cwd).name, what))
        return bench.Run(1.0, 10.0, "0.1")

    monkeypatch.setattr(bench, "_measure", fake_measure)
    sizes = [(tmp_path / "claims-20", 20), (tmp_path / "claims-60", 60)]
    rows = bench.bench_sizes(sizes, seed=3, config=ROOT / "mkdocs.yml", build=True, repeat=1)
    assert [row.claims for row in rows] == [20, 60]
    rounds = bench.VALIDATION_RUNS
    assert timed[:4] == [("claims-20", "yaml"), ("claims-20", "cold"), ("claims-60", "yaml"), ("claims-60", "cold")]
    assert timed[4 * rounds:4 * rounds + 2] == [("claims-20", "edit"), ("claims-60", "edit")]
    assert timed[-4:] == [("claims-20", "plain"), ("claims-20", "build"), ("claims-60", "plain"),
                          ("claims-60", "build")]
    assert len(timed) == 4 * rounds + 2 * rounds + 4
