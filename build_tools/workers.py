"""CPU-bound steps spread over forked worker processes, when that is safe and worth it.

Parsing YAML and searching texts are pure Python, so threads would not run them
in parallel. Workers are forked: they start in milliseconds with everything the
parent has loaded, and the parent's state (``context``) reaches them without
being pickled. Forking is only done from a process with no other threads (a
thread holding a lock at the fork would leave it locked in the child forever),
on a system that can fork, with more than one CPU to use. Otherwise, or when a
worker fails to start or dies, the work is done in this process: workers make a
step faster, never different.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

Context = TypeVar("Context")
Task = TypeVar("Task")
Result = TypeVar("Result")

_context: Any = None


def worker_count() -> int:
    """How many worker processes to use here: one per CPU this process may run on, or 1 when forking is unsafe."""
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not Linux)
        return os.cpu_count() or 1


def map_in_workers(function: Callable[[Context, Task], Result], context: Context,
                   tasks: Sequence[Task]) -> Iterator[Result]:
    """``function(context, task)`` for every task, in the order of ``tasks``, each as soon as it is done.

    ``function`` must be a module-level function, tasks and results picklable, and
    ``function`` must not change ``context`` (a worker's changes stay in the worker);
    ``context`` itself is never pickled. An exception raised by ``function`` is raised here.
    """
    done = 0
    workers = min(worker_count(), len(tasks))
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor  # here: importing it takes longer than a small run
        from concurrent.futures.process import BrokenProcessPool

        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                     initializer=_receive, initargs=(context,)) as pool:
                for result in pool.map(_call, [(function, task) for task in tasks]):
                    yield result
                    done += 1
        except (OSError, BrokenProcessPool):
            pass  # a worker could not start or died: this process does the rest
    for task in tasks[done:]:
        yield function(context, task)


def _receive(context: Any) -> None:
    global _context
    _context = context


def _call(work: tuple[Callable[[Any, Any], Any], Any]) -> Any:
    function, task = work
    return function(_context, task)
