"""CPU-bound steps spread over forked worker processes, when that is safe and worth it.

Parsing YAML and searching texts are pure Python, so threads would not run them
in parallel. Workers are forked: they start in milliseconds with everything the
parent has loaded, and the parent's state (``context``) reaches them without
being pickled. Each sends its results back through a pipe, pickled. Forking is
only done from a process with no other threads (a thread holding a lock at the
fork would leave it locked in the child forever), on a system that can fork,
with more than one CPU to use. Otherwise, or when a worker cannot start or
dies, the work is done in this process: workers make a step faster, never
different.

Plain ``os.fork`` rather than ``concurrent.futures``: its pool costs 10 to 15 ms
to start and stop, a tenth of validating a thousand claims.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import signal
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, TypeVar

Context = TypeVar("Context")
Task = TypeVar("Task")
Result = TypeVar("Result")


def worker_count() -> int:
    """How many worker processes to use here: one per CPU this process may run on, or 1 when forking is unsafe."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not Linux)
        return os.cpu_count() or 1


class WorkerError(Exception):
    """What a worker printed when ``function`` raised an exception that could not be sent back as it was."""


def share(items: Sequence[Task], per_worker: int = 4) -> list[Sequence[Task]]:
    """``items`` in consecutive parts, a few for each worker, so that they share the work evenly."""
    size = -(-len(items) // (per_worker * worker_count())) or 1
    return [items[i:i + size] for i in range(0, len(items), size)]


def map_in_workers(function: Callable[[Context, Task], Result], context: Context,
                   tasks: Sequence[Task]) -> Iterator[Result]:
    """``function(context, task)`` for every task, in the order of ``tasks``, each as soon as it is done.

    Task ``i`` goes to worker ``i % workers``, so tasks should cost about the same.
    Results must be picklable, and ``function`` must not change ``context`` (a
    worker's changes stay in the worker); ``context`` and tasks are never pickled.
    An exception raised by ``function`` is raised here.
    """
    count = min(worker_count(), len(tasks))
    done = 0
    workers: list[tuple[int, IO[bytes]]] = []
    receivers: list[threading.Thread] = []
    try:
        if count > 1:
            try:
                for first in range(count):
                    workers.append(_start(function, context, tasks[first::count]))
            except OSError:  # no more processes allowed, say: this process does it all
                pass
        if len(workers) == count > 1:
            # A thread per worker empties its pipe as results come, so that no worker waits to write.
            inboxes: list[queue.SimpleQueue[tuple[bool, Any] | None]] = [queue.SimpleQueue() for _ in workers]
            for (_, stream), inbox in zip(workers, inboxes, strict=True):
                receivers.append(threading.Thread(target=_receive, args=(stream, inbox), daemon=True))
                receivers[-1].start()
            for index in range(len(tasks)):
                message = inboxes[index % count].get()
                if message is None:
                    break  # the worker died: this process does the rest
                ok, value = message
                if not ok:
                    error, worker_traceback = value
                    raise error from WorkerError(f"in a worker process:\n{worker_traceback}")
                yield value
                done += 1
    finally:
        _stop(workers, receivers)
    for task in tasks[done:]:
        yield function(context, task)


def _receive(stream: IO[bytes], inbox: queue.SimpleQueue[tuple[bool, Any] | None]) -> None:
    try:
        while True:
            inbox.put(pickle.load(stream))
    except (EOFError, OSError, pickle.UnpicklingError):  # the worker is done, or died
        inbox.put(None)


def _start(function: Callable[[Any, Any], Any], context: Any, tasks: Sequence[Any]) -> tuple[int, IO[bytes]]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: never returns, never runs the parent's exit handlers
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                for task in tasks:
                    try:
                        message = (True, function(context, task))
                    except Exception as exc:  # sent to the parent, which raises it
                        message = (False, _sendable(exc))
                    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
                    out.flush()
                    if not message[0]:
                        break
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, os.fdopen(read_end, "rb")


def _sendable(exc: Exception) -> tuple[Exception, str]:
    """The exception, or a WorkerError if it cannot be pickled, with the worker's traceback as text
    (pickling an exception keeps neither its traceback nor its cause)."""
    text = "".join(traceback.format_exception(exc))
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return WorkerError(text), text
    return exc, text


def _stop(workers: list[tuple[int, IO[bytes]]], receivers: list[threading.Thread]) -> None:
    """Reap every worker, stopping one still running (its results are no longer wanted), and close its pipe."""
    for pid, _ in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    for receiver in receivers:
        receiver.join()  # it has read to the end of its pipe, which the dead worker closed
    for _, stream in workers:
        stream.close()
