"""The synthetic evidence base and the benchmark's own plumbing (its figures are not tested: they are measured)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import ROOT, run_cli

from build_tools.engine.validate import run
from build_tools.tooling import bench, reader_bench
from build_tools.tooling.bench import Run, _best
from build_tools.tooling.reader_bench import Page, Search, SiteFigures, SizeFigures
from build_tools.tooling.synthetic import generate


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
    result = run_cli("bench", "--sizes", "40", "--no-build", "--repeat", "1", "--work", "bench-work",
                     "--config-file", str(ROOT / "mkdocs.yml"), cwd=tmp_path, bare=True)
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


# The reader's side (`bench --reader`): tiny sites the tests write, whose sizes and node counts are known.

def _html(body: str, script: str = "") -> str:
    """A page of exactly four elements (html, head, title, body) plus those of ``body`` and a script if any."""
    tail = f"<script>{script}</script>" if script else ""
    return f"<!doctype html><html><head><title>t</title></head><body>{body}{tail}</body></html>"


_SEARCH = """
const q = new URLSearchParams(location.search).get('q');
fetch('search/index.json').then(r => r.text()).then(() => {
  if (q !== 'tolu') return;
  const item = document.createElement('li');
  item.className = 'md-search-result__item';
  document.body.append(item);
});
"""


def _tiny_site(root: Path) -> Path:
    """A home page that shows a search result for 'tolu' only, after fetching a 300 KB index; a 600 KB page of
    3,004 elements; smaller pages in two folders."""
    pages = {
        "index.html": _html("<p>home</p>", _SEARCH),
        "big/index.html": _html("<p>x</p>" * 3000 + "<!--" + "pad " * 150_000 + "-->"),
        "claims/index.html": _html("<ul>" + "<li>c</li>" * 60 + "</ul>"),
        "claims/claim-1/index.html": _html("<p>one</p>"),
        "claims/claim-2/index.html": _html("<div><p>two</p><p>two</p></div>"),
        "themes/index.html": _html("<p>themes</p>"),
        "404.html": _html("<p>lost</p>"),
    }
    for path, text in pages.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    (root / "search").mkdir()
    (root / "search" / "index.json").write_text('"' + "w" * 300_000 + '"', encoding="utf-8")
    return root


def test_the_reader_sample_is_the_home_page_the_largest_pages_and_each_folders_index_and_largest_page(tmp_path):
    pages = reader_bench.scan(_tiny_site(tmp_path))
    assert [page.path for page in pages][:2] == ["big/", "claims/"]
    assert pages[0].bytes == (tmp_path / "big" / "index.html").stat().st_size
    assert {page.path for page in pages} == {"", "big/", "claims/", "claims/claim-1/", "claims/claim-2/",
                                             "themes/", "404.html"}
    assert [page.path for page in reader_bench.sample(pages, largest=1)] == ["", "big/", "claims/", "claims/claim-2/",
                                                                "themes/"]


def test_the_search_word_is_a_word_of_a_claims_title(tmp_path):
    generate(tmp_path, 20, seed=1)
    word = reader_bench.title_word(tmp_path / "evidence")
    titles = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in (tmp_path / "evidence" / "claims").iterdir()]
    assert word.isalpha() and len(word) > 3
    assert any(word in (title.get("key_message") or title["statement"]).lower() for title in titles)


def _figures(**search: Any) -> Any:
    site = SiteFigures("ours", [Page("big/", 400_000), Page("", 2_000)],
                       [Page("", 2_000, nodes=50, load_ms=300.0), Page("big/", 400_000, nodes=900, load_ms=800.0)],
                       Search("tolu", **({"seconds": 0.5, "fetched": 100_000} | search)))
    plain = SiteFigures("plain", [Page("", 1_000)], [Page("", 1_000, nodes=20, load_ms=100.0)],
                        Search("tolu", None, 5_000_000))
    return [SizeFigures(40, [site, plain])]


def test_the_reader_report_judges_our_site_only_and_names_the_page_over_a_target():
    text, ok = reader_bench.report(_figures())
    assert ok, text  # the baseline's missing search result and its 5 MB are shown, not judged
    assert "MISSED" not in text and "met     every page ≤ 20,000 DOM nodes" in text
    rows = [line.split() for line in text.splitlines() if line.split()[:1] == ["40"]]
    assert [row[1] for row in rows] == ["ours", "plain"]
    text, ok = reader_bench.report(_figures(), targets={"dom_nodes": 500, "page_bytes": 300_000})
    assert not ok
    assert "MISSED  every page ≤ 500 DOM nodes at 40 claims (2 opened): most big/ 900" in text
    assert "MISSED  every HTML page ≤ 300 KB at 40 claims: largest big/ 400 KB, 1 of 2 over" in text
    text, ok = reader_bench.report(_figures(seconds=None, fetched=10))
    assert not ok and "MISSED  search 'tolu': first result ≤ 1.5 s at 40 claims: no result within 120 s" in text
    # what search itself fetches is judged; the page's own files (a sitemap, scripts) are shown beside it
    text, ok = reader_bench.report(_figures(fetched=3_000_000, for_search=400_000))
    assert ok and "met     search fetches ≤ 2.00 MB for its first result at 40 claims: 400 KB of its index and " \
                  "worker, 3.00 MB in all with the page" in text, text
    text, ok = reader_bench.report(_figures(fetched=3_000_000, for_search=2_500_000))
    assert not ok and "MISSED  search fetches" in text


@pytest.fixture(scope="module")
def chromium():
    with reader_bench.chromium() as browser:
        yield browser


@pytest.mark.browser
def test_the_reader_measurement_finds_the_largest_page_the_most_nodes_and_the_search_result(tmp_path, chromium):
    site = _tiny_site(tmp_path)
    figures = reader_bench.measure_site(chromium, "ours", site, "tolu", largest=1, page_timeout=30, search_timeout=30)
    assert (figures.largest.path, figures.largest.bytes) == ("big/", (site / "big" / "index.html").stat().st_size)
    assert [page.path for page in figures.opened] == ["", "big/", "claims/", "claims/claim-2/", "themes/"]
    nodes = {page.path: page.nodes for page in figures.opened}
    assert nodes == {"": 6, "big/": 3004, "claims/": 65, "claims/claim-2/": 7, "themes/": 5}
    assert figures.most_nodes.path == "big/"  # type: ignore[union-attr]
    assert all(page.load_ms is not None and page.load_ms > 0 for page in figures.opened)
    search = figures.search
    assert search is not None and search.seconds is not None and search.seconds > 0
    home = (site / "index.html").stat().st_size + (site / "search" / "index.json").stat().st_size
    assert search.fetched > home  # both responses, with their headers
    index = (site / "search" / "index.json").stat().st_size
    assert index < search.for_search < index + 1_000 and search.for_search < search.fetched  # the page is not search
    text, ok = reader_bench.report([SizeFigures(40, [figures, figures])])
    assert not ok
    assert f"MISSED  every HTML page ≤ 500 KB at 40 claims: largest big/ {figures.largest.bytes / 1e3:.0f} KB, " \
           "1 of 7 over" in text
    with reader_bench.serve(site) as (url, counter):
        missing = reader_bench.time_search(chromium, url, counter, "absent", timeout=2)
    assert missing.seconds is None and missing.fetched > home  # waited, fetched, and no result


def _bench_reader(tmp_path: Path, capsys: Any, *extra: str) -> tuple[int, str, str]:
    from build_tools.adapters.cli import main

    code = main(["bench", "--sizes", "40", "--repeat", "1", "--reader", "--work", str(tmp_path / "work"),
                 "--config-file", str(ROOT / "mkdocs.yml"), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_bench_reader_without_chromium_says_so_in_one_line_and_does_no_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(reader_bench, "CHROMIUM", tmp_path / "no-chromium")
    code, out, err = _bench_reader(tmp_path, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and f"{tmp_path / 'no-chromium'}" in err and "apt-get install" in err
    assert not (tmp_path / "work").exists()


def test_bench_reader_without_playwright_says_so_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "playwright", None)
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    code, out, err = _bench_reader(tmp_path, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Playwright" in err and "[test]" in err


def test_bench_reader_with_no_build_needs_the_sites_built(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(reader_bench, "browser_missing", lambda: None)  # the same answer on a machine without it
    code, out, err = _bench_reader(tmp_path, capsys, "--no-build")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "claims-40/site is not built" in err and "without --no-build" in err


@pytest.mark.slow
@pytest.mark.browser
def test_bench_reader_builds_both_sites_and_finds_the_title_word_with_materials_search(tmp_path):
    """End to end on a small base: both sites built, measured side by side, and the search word found by the
    search each site ships (its result markup is what the bench waits for)."""
    result = subprocess.run([sys.executable, "-m", "build_tools", "bench", "--sizes", "40", "--repeat", "1",
                             "--reader", "--work", str(tmp_path), "--config-file", str(ROOT / "mkdocs.yml")],
                            cwd=ROOT, capture_output=True, text=True, check=False,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("python -m build_tools bench --sizes 40") and lines[0].endswith(" --reader")
    rows = {line.split()[1]: line for line in lines if line.split()[:2] in (["40", "ours"], ["40", "plain"])}
    assert set(rows) == {"ours", "plain"}
    for row in rows.values():
        assert " none" not in row  # every page sampled loaded, and the search showed a result
    assert re.search(r"(met   |MISSED)  search '[a-z]+': first result ≤ 1\.5 s at 40 claims: \d+\.\d\d s",
                     result.stdout)
    assert (tmp_path / "claims-40" / "site" / "index.html").is_file()
    assert (tmp_path / "claims-40" / "plain-site" / "index.html").is_file()


def test_a_page_that_did_not_load_misses_the_load_and_node_targets():
    sizes = _figures()
    sizes[0].sites[0].opened.append(Page("evidence-map/", 300_000, error="Timeout 120000ms exceeded."))
    text, ok = reader_bench.report(sizes)
    assert not ok
    assert "MISSED  every page ≤ 20,000 DOM nodes at 40 claims (3 opened): most big/ 900, 1 not loaded" in text
    assert ("MISSED  every page loads in ≤ 2 s at 40 claims (3 opened): slowest evidence-map/ did not load "
            "(Timeout 120000ms exceeded.)") in text
