"""Worker processes make loading and quote checking faster, never different."""

from __future__ import annotations

import os
import pickle
import threading
import time
from pathlib import Path

import pytest

from build_tools.engine import load, validate, workers
from build_tools.engine.cache import ValidationCache
from build_tools.engine.validate import run


def _square_with_pid(offset: int, task: int) -> tuple[int, int]:
    return task * task + offset, os.getpid()


def _exit_in_a_worker(parent: int, task: int) -> tuple[int, int]:
    if task == 2 and os.getpid() != parent:
        time.sleep(0.3)  # once the results of the first tasks are in
        os._exit(3)  # a worker that dies, as one killed for memory would
    return task, os.getpid()


def _fail(_context: None, task: int) -> int:
    if task:
        raise ValueError(f"task {task}")
    return task


@pytest.fixture
def two_workers(monkeypatch):
    """Two workers whatever this machine's CPU count, and whatever threads earlier tests left running (a
    browser test's server), so that the parallel path is always tested."""
    monkeypatch.setattr(workers, "worker_count", lambda: 2)
    monkeypatch.setattr(workers, "_can_fork", lambda: True)


@pytest.fixture
def two_cpus(monkeypatch):
    """Two CPUs for :func:`workers.worker_count` whatever this machine's count."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})


def _children() -> set[int]:
    """The pids of this process's children, zombies included (a child waited for is gone)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state_and_parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, IndexError):  # ended meanwhile
            continue
        if int(state_and_parent[1]) == os.getpid():
            children.add(int(stat.parent.name))
    return children


@pytest.fixture
def no_child_left():
    """Fails the test if a worker process is left behind, running or not waited for (children of earlier
    tests, such as a browser test's server, are theirs)."""
    before = _children()
    yield
    assert _children() - before == set(), "every worker should have been stopped and waited for"


def test_results_come_in_task_order_from_other_processes(two_workers, no_child_left):
    results = list(workers.map_in_workers(_square_with_pid, 1, list(range(20))))
    assert [value for value, _ in results] == [n * n + 1 for n in range(20)]
    assert os.getpid() not in {pid for _, pid in results}


def test_with_another_thread_running_the_work_stays_in_this_process(two_cpus):
    """Forking while another thread may hold a lock could leave the child stuck on it."""
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert workers.worker_count() == 1
        results = list(workers.map_in_workers(_square_with_pid, 0, [2, 3]))
    finally:
        release.set()
        thread.join()
    assert results == [(4, os.getpid()), (9, os.getpid())]


def test_when_a_worker_dies_this_process_does_the_rest(two_workers, no_child_left):
    results = list(workers.map_in_workers(_exit_in_a_worker, os.getpid(), [0, 1, 2, 3]))
    assert [value for value, _ in results] == [0, 1, 2, 3]
    assert os.getpid() not in {pid for _, pid in results[:2]}, "the first tasks should have been done by workers"
    assert {pid for _, pid in results[2:]} == {os.getpid()}


def test_an_error_in_the_work_is_raised_with_the_workers_traceback(two_workers, no_child_left):
    with pytest.raises(ValueError, match="task 1") as raised:
        list(workers.map_in_workers(_fail, None, [0, 1]))
    assert isinstance(raised.value.__cause__, workers.WorkerError)
    assert "in _fail" in str(raised.value.__cause__)


class _Unpicklable(Exception):
    def __reduce__(self):
        raise pickle.PicklingError("not this one")


def _fail_unpicklably(_context: None, task: int) -> int:
    if task:
        raise _Unpicklable(f"task {task}")
    return task


def test_an_error_that_cannot_be_sent_back_is_raised_as_the_workers_traceback(two_workers, no_child_left):
    with pytest.raises(workers.WorkerError, match="task 1") as raised:
        list(workers.map_in_workers(_fail_unpicklably, None, [0, 1]))
    assert "in _fail_unpicklably" in str(raised.value) and "_Unpicklable" in str(raised.value)


def test_when_workers_cannot_start_this_process_does_the_work(two_workers, no_child_left, monkeypatch):
    forks = []
    fork = os.fork

    def fork_once() -> int:  # the second worker cannot be forked
        forks.append(1)
        if len(forks) > 1:
            raise OSError("no more processes")
        return fork()

    monkeypatch.setattr(os, "fork", fork_once)
    results = list(workers.map_in_workers(_square_with_pid, 0, [2, 3, 4]))
    assert results == [(4, os.getpid()), (9, os.getpid()), (16, os.getpid())]
    forks.clear()
    with workers.Pool() as pool:
        assert list(pool.map(_square_and_pid, [2, 3])) == [(4, os.getpid()), (9, os.getpid())]
        assert list(pool.map(_square_and_pid, [4, 5])) == [(16, os.getpid()), (25, os.getpid())]
    assert len(forks) == 2, "the pool should not try again"


def _broken_base(project):
    """The valid base with a broken record, a misquote and a record that does not match its schema."""
    claim = project.evidence / "claims" / "boards-feel-freer.yaml"
    claim.write_text(claim.read_text().replace("less constrained by the centre", "less constrained by centre"))
    project.write("theme", "broken", "id: broken\ntitle: [\n")
    project.write("theme", "untyped", "id: untyped\ntitle: T\ncolour: red\n")


def _summary(report):
    records = {kind: {rid: (r.model_dump(), r.file, r.line, r.position("id")) for rid, r in by_id.items()}
               for kind, by_id in report.base.records.items()}
    return records, [str(f) for f in report.findings]


def test_records_and_findings_from_workers_are_those_of_one_process(valid_project, two_workers, monkeypatch):
    _broken_base(valid_project)
    alone = _summary(run(valid_project.evidence, valid_project.archive))
    assert alone[1], "the fixture should produce findings"
    monkeypatch.setattr(load, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(validate, "PARALLEL_MIN_QUOTES", 1)
    parsed_here = []
    original = load.load_record_file
    monkeypatch.setattr(load, "load_record_file", lambda *args: parsed_here.append(args) or original(*args))
    assert _summary(run(valid_project.evidence, valid_project.archive)) == alone
    assert parsed_here == [], "every file should have been parsed by a worker"


def test_a_cache_written_from_workers_is_the_one_process_would_write_and_serves_the_next_run(
        valid_project, two_workers, monkeypatch):
    _broken_base(valid_project)
    alone, together = valid_project.root / "alone", valid_project.root / "together"
    run(valid_project.evidence, valid_project.archive, cache=alone)
    monkeypatch.setattr(load, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(validate, "PARALLEL_MIN_QUOTES", 1)
    first = _summary(run(valid_project.evidence, valid_project.archive, cache=together))
    expected, written = ValidationCache.open(alone), ValidationCache.open(together)
    assert written.records.keys() == expected.records.keys()
    assert len(written.records) == sum(1 for _ in valid_project.evidence.rglob("*.yaml"))
    assert written.verified_quotes == expected.verified_quotes and len(written.verified_quotes) > 1
    parsed = []
    original = load.load_record_file
    monkeypatch.setattr(load, "load_record_file", lambda *args: parsed.append(args) or original(*args))
    assert _summary(run(valid_project.evidence, valid_project.archive, cache=together)) == first
    assert parsed == []


def test_pages_rendered_by_workers_are_those_of_one_process(valid_project, two_workers, monkeypatch):
    from build_tools.engine.graph import build_graph
    from build_tools.engine.load import load_evidence
    from build_tools.site import citations, render
    from build_tools.site.info import SiteInfo
    from build_tools.site.render import render_pages, renderer

    graph = build_graph(load_evidence(valid_project.evidence))
    info = SiteInfo("Site", "About", url="https://example.org/")

    def pages():
        return {uri: page if isinstance(page, str) else vars(page) for uri, page in render_pages(graph, info).items()}

    alone = pages()
    monkeypatch.setattr(renderer, "PARALLEL_MIN_PAGES", 1)
    monkeypatch.setattr(citations, "PARALLEL_MIN_REFERENCES", 1)
    rendered_here = []
    original = render.Renderer.record_page
    monkeypatch.setattr(render.Renderer, "record_page",
                        lambda self, kind, rid: rendered_here.append(rid) or original(self, kind, rid))
    formatted_here = []
    original_format = citations.Formatter._format
    monkeypatch.setattr(citations.Formatter, "_format",
                        lambda self, item: formatted_here.append(item) or original_format(self, item))
    together = pages()
    assert list(together) == list(alone)
    assert together == alone
    assert rendered_here == [], "every record page should have been rendered by a worker"
    assert all(item.get("title") == citations._STAND_IN_TITLE for item in formatted_here), \
        "every source's reference should have been formatted by a worker"
    formatter, formatted_here[:] = citations.Formatter(), []
    formatter.references([citations.source_csl(source) for source in graph.sources.values()])
    for source in graph.sources.values():
        formatter.reference(citations.source_csl(source))
    assert formatted_here == [], "what workers formatted is kept, for the next build of `serve`"


def test_a_cache_that_workers_partly_rewrote_keeps_the_records_they_did_not_parse(valid_project, two_workers,
                                                                                monkeypatch):
    from build_tools.engine import cache as cache_module

    monkeypatch.setattr(cache_module, "SHARDS", 2)  # so that a shard holds both edited files and others
    cache = valid_project.root / ".cache" / "validation"
    first = _summary(run(valid_project.evidence, valid_project.archive, cache=cache))
    files = sorted(valid_project.evidence.rglob("*.yaml"))
    for path in files[::2]:  # edited, so parsed again, by workers; the others come from the cache
        path.write_text(path.read_text() + "\n")
    monkeypatch.setattr(load, "PARALLEL_MIN_FILES", 1)
    assert _summary(run(valid_project.evidence, valid_project.archive, cache=cache)) == first
    parsed = []
    original = load.load_record_file
    monkeypatch.setattr(load, "load_record_file", lambda *args: parsed.append(args) or original(*args))
    assert _summary(run(valid_project.evidence, valid_project.archive, cache=cache)) == first
    assert parsed == []
    assert len(ValidationCache.open(cache).records) == len(files)


def _slow(_context: None, task: int) -> int:
    import time

    time.sleep(0.2 * task)
    return task


def test_workers_left_behind_when_results_are_no_longer_wanted_are_stopped_and_reaped(two_workers, no_child_left):
    results = workers.map_in_workers(_slow, None, [0, 50, 50, 50])
    assert next(results) == 0
    assert len(_children()) == 2
    started = time.monotonic()
    results.close()  # the other workers would sleep for ten seconds
    assert time.monotonic() - started < 5
    assert _children() == set()


# A pool: workers forked once serve several steps, with tasks and results pickled.

def _square_and_pid(task: int) -> tuple[int, int]:
    return task * task, os.getpid()


def _square_and_pid_slowly(task: int) -> tuple[int, int]:
    time.sleep(0.05)  # so that each worker takes some of the tasks
    return _square_and_pid(task)


def _exit_in_a_worker_alone(task: tuple[int, int]) -> tuple[int, int]:
    parent, value = task
    return _exit_in_a_worker(parent, value)


def _fail_alone(task: int) -> int:
    if task:
        raise ValueError(f"task {task}")
    return task


def _sleep(task: int) -> int:
    import time

    time.sleep(0.2 * task)
    return task


def _reaped(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True  # not even a zombie: waited for
    return False


def test_a_pool_serves_every_step_from_the_same_workers_and_reaps_them_at_the_end(two_workers, no_child_left):
    with workers.Pool() as pool:
        first = list(pool.map(_square_and_pid_slowly, list(range(10))))
        second = list(pool.map(_square_and_pid, list(range(10, 14))))
        assert _children() == {pid for _, pid in first}
    assert [value for value, _ in first + second] == [n * n for n in range(14)]
    pids = {pid for _, pid in first}
    assert len(pids) == 2 and os.getpid() not in pids
    assert {pid for _, pid in second} <= pids, "the second step should not fork new workers"
    assert all(_reaped(pid) for pid in pids)


def test_a_running_pool_counts_its_workers_and_leaves_no_thread_behind(two_cpus, no_child_left):
    """Its executor's threads are no reason to stop sharing work among its workers; once it is closed, the next
    step may fork again."""
    threads = threading.active_count()
    with workers.Pool() as pool:
        assert os.getpid() not in {pid for _, pid in pool.map(_square_and_pid, [1, 2])}
        assert threading.active_count() > threads
        assert workers.worker_count() == 2
        assert len(workers.share(list(range(16)))) == 8
        assert os.getpid() not in {pid for _, pid in pool.map(_square_and_pid, [3, 4])}
        assert list(workers.map_in_workers(_square_with_pid, 0, [1, 2])) == [(1, os.getpid()), (4, os.getpid())], \
            "no forking while the pool's threads run"
    assert threading.active_count() == threads
    assert os.getpid() not in {pid for _, pid in workers.map_in_workers(_square_with_pid, 0, [1, 2])}


def test_a_released_pool_does_the_next_steps_in_this_process(two_workers, no_child_left):
    threads = threading.active_count()
    with workers.Pool() as pool:
        assert os.getpid() not in {pid for _, pid in pool.map(_square_and_pid, [1, 2])}
        pool.release()
        assert list(pool.map(_square_and_pid, [3, 4])) == [(9, os.getpid()), (16, os.getpid())]
    assert threading.active_count() == threads, "closing should wait for the released workers and their threads"


def test_a_pool_with_another_thread_running_works_in_this_process(two_cpus):
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        with workers.Pool() as pool:
            results = list(pool.map(_square_and_pid, [2, 3]))
    finally:
        release.set()
        thread.join()
    assert results == [(4, os.getpid()), (9, os.getpid())]


def test_when_a_pool_worker_dies_this_process_does_the_rest_and_the_next_steps(two_workers, no_child_left):
    with workers.Pool() as pool:
        parent = os.getpid()
        results = list(pool.map(_exit_in_a_worker_alone, [(parent, n) for n in range(4)]))
        assert [value for value, _ in results] == [0, 1, 2, 3]
        assert parent not in {pid for _, pid in results[:2]}, "the first tasks should have been done by workers"
        assert {pid for _, pid in results[2:]} == {parent}
        assert list(pool.map(_square_and_pid, [5, 6])) == [(25, parent), (36, parent)]


def test_an_error_in_a_pool_worker_is_raised_here_and_stops_the_pool(two_workers, no_child_left):
    with workers.Pool() as pool:
        with pytest.raises(ValueError, match="task 1") as raised:
            list(pool.map(_fail_alone, [0, 1, 2, 3]))
        assert isinstance(raised.value.__cause__, workers.WorkerError)
        assert "in _fail_alone" in str(raised.value.__cause__)
        assert list(pool.map(_square_and_pid, [2, 3])) == [(4, os.getpid()), (9, os.getpid())]


def test_pool_workers_whose_results_are_no_longer_wanted_are_stopped_and_reaped(two_workers, no_child_left):
    with workers.Pool() as pool:
        results = pool.map(_sleep, [0, 50, 50, 50])
        assert next(results) == 0
        busy = _children()
        started = time.monotonic()
        results.close()  # the workers would sleep for ten seconds
        assert time.monotonic() - started < 5
        assert len(busy) == 2 and all(_reaped(pid) for pid in busy)
        assert list(pool.map(_square_and_pid, [2, 3])) == [(4, os.getpid()), (9, os.getpid())]


def _pid_and(context: int) -> tuple[int, int]:
    return context * 2, os.getpid()


def _die_in_worker(parent: int) -> int:
    if os.getpid() != parent:
        os._exit(3)
    return 7


def _fail_in_background(_context: None) -> None:
    raise ValueError("in the background")


def test_a_background_job_runs_in_another_process_while_this_one_goes_on(two_workers, no_child_left):
    threads = threading.active_count()
    job = workers.Background(_pid_and, 21)
    # this process keeps no thread for it, so that its workers can still be forked meanwhile
    assert threading.active_count() == threads
    results = list(workers.map_in_workers(_square_with_pid, 1, list(range(6))))
    assert os.getpid() not in {pid for _, pid in results}
    value, pid = job.result()
    assert value == 42 and pid not in {os.getpid(), *(pid for _, pid in results)}
    assert job.result() == (42, pid)  # asked again: the same result, not the work done again


def test_a_background_job_whose_result_is_not_wanted_is_ended(two_workers, no_child_left):
    job = workers.Background(time.sleep, 60)
    job.cancel()


def test_a_background_job_is_done_here_when_workers_cannot_run_or_it_dies(two_cpus, no_child_left):
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert workers.Background(_pid_and, 1).result() == (2, os.getpid())  # another thread runs: no fork
    finally:
        release.set()
        thread.join()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workers, "worker_count", lambda: 2)
        patch.setattr(workers, "_can_fork", lambda: True)
        assert workers.Background(_die_in_worker, os.getpid()).result() == 7  # the worker died: done here


def test_an_error_in_a_background_job_is_raised_where_its_result_is_asked_for(two_workers, no_child_left):
    job = workers.Background(_fail_in_background, None)
    with pytest.raises(ValueError, match="in the background") as raised:
        job.result()
    assert "in a worker process" in str(raised.value.__cause__)
