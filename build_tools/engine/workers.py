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

Two ways to use them. :func:`map_in_workers` forks for one step, and hands the
workers the step's data through the fork. A :class:`Pool` forks once, at the
first step of a run that needs workers, and serves the later steps too, with
tasks and results pickled: a process forked late from a large parent copies,
page by page, the memory of the parent it touches (each page costs microseconds,
many more on a virtual machine), which made checking quotes in workers forked
after loading no faster than checking them here.
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
            for value in _in_task_order(inboxes, len(tasks)):
                yield value
                done += 1
    finally:
        _stop(workers, receivers)
    for task in tasks[done:]:
        yield function(context, task)


def _in_task_order(inboxes: list[queue.SimpleQueue[tuple[bool, Any] | None]], total: int) -> Iterator[Any]:
    """The results of ``total`` tasks dealt to workers in turn, in task order; stops early if a worker died
    (the caller does the rest), raises what a task raised."""
    for index in range(total):
        message = inboxes[index % len(inboxes)].get()
        if message is None:
            return
        ok, value = message
        if not ok:
            error, worker_traceback = value
            raise error from WorkerError(f"in a worker process:\n{worker_traceback}")
        yield value


def _receive(stream: IO[bytes], inbox: queue.SimpleQueue[tuple[bool, Any] | None], count: int | None = None) -> None:
    """Put each message from a worker in ``inbox`` (``count`` of them, or all until the worker's end), then None
    if the worker ended first."""
    try:
        while count is None or count > 0:
            inbox.put(pickle.load(stream))
            if count is not None:
                count -= 1
    except (EOFError, OSError, ValueError, pickle.UnpicklingError):  # the worker is done, or died
        inbox.put(None)


def _start(function: Callable[[Any, Any], Any], context: Any, tasks: Sequence[Any]) -> tuple[int, IO[bytes]]:
    read_end, write_end = os.pipe()

    def work() -> None:
        os.close(read_end)
        with os.fdopen(write_end, "wb") as out:
            _answer(lambda task: function(context, task), tasks, out)

    pid = _fork(work)
    os.close(write_end)
    return pid, os.fdopen(read_end, "rb")


def _fork(work: Callable[[], None]) -> int:
    """Fork a worker that does ``work`` and exits (status 1 if it raised): it never returns here, and never runs
    the parent's exit handlers. Returns the worker's pid."""
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            work()
            status = 0
        finally:
            os._exit(status)
    return pid


def _answer(run: Callable[[Any], Any], tasks: Sequence[Any], out: IO[bytes]) -> bool:
    """In a worker: ``run(task)`` for each task, each result sent pickled as soon as it is done. The first
    exception is sent instead (the parent raises it) and ends the work: returns whether every task ran."""
    for task in tasks:
        try:
            message = (True, run(task))
        except Exception as exc:
            message = (False, _sendable(exc))
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()
        if not message[0]:
            return False
    return True


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


class Pool:
    """Worker processes for the steps of one run, forked when the first step gives them work.

    ``function(task)`` runs in a worker for each task; functions travel by name, tasks
    and results pickled, so a task carries all its function needs. Use it in a ``with``
    block, which stops the workers at its end. When workers cannot run (see
    :func:`worker_count`), cannot start, or one dies, the work is done in this process.
    """

    def __init__(self) -> None:
        self._workers: list[_PoolWorker] = []
        self._usable = True  # until released, or workers could not start, died, or were stopped mid-step

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *_exception: object) -> None:
        self.close()

    def map(self, function: Callable[[Task], Result], tasks: Sequence[Task]) -> Iterator[Result]:
        """``function(task)`` for every task, in the order of ``tasks``, each as soon as it is done.

        Task ``i`` goes to worker ``i % workers``, so tasks should cost about the same.
        An exception raised by ``function`` is raised here.
        """
        if self._usable and not self._workers and worker_count() > 1:
            self._start()
        count = min(len(self._workers), len(tasks)) if self._usable else 0
        done = 0
        if count > 1:
            inboxes: list[queue.SimpleQueue[tuple[bool, Any] | None]] = [queue.SimpleQueue() for _ in range(count)]
            receivers = [threading.Thread(target=_receive, args=(worker.results, inbox, len(tasks[index::count])),
                                          daemon=True)
                         for index, (worker, inbox) in enumerate(zip(self._workers, inboxes, strict=False))]
            finished = False
            try:
                for receiver in receivers:
                    receiver.start()
                for index, worker in enumerate(self._workers[:count]):
                    worker.send((function, tasks[index::count]))
                for value in _in_task_order(inboxes, len(tasks)):
                    yield value
                    done += 1
                finished = done == len(tasks)
            finally:
                if not finished:  # workers still busy with this step would answer the next one
                    self._stop()
                for receiver in receivers:
                    if receiver.ident is not None:  # started: it ends at its last message, or the worker's end
                        receiver.join()
        for task in tasks[done:]:
            yield function(task)

    def release(self) -> None:
        """No more tasks: let the workers exit while this process goes on (:meth:`close` waits for them)."""
        for worker in self._workers:
            worker.end_tasks()
        self._usable = False

    def close(self) -> None:
        """Let the workers finish and exit (all at once), and wait for them."""
        self.release()
        for worker in self._workers:
            worker.wait()
        self._workers = []

    def _start(self) -> None:
        try:
            for _ in range(worker_count()):
                self._workers.append(_PoolWorker.fork(self._workers))
        except OSError:  # no more processes allowed, say: this process does it all
            self._stop()

    def _stop(self) -> None:
        for worker in self._workers:
            worker.kill()
        self._workers = []
        self._usable = False


class _PoolWorker:
    """One worker of a :class:`Pool`: its process, the pipe it reads tasks from and the one it answers on."""

    def __init__(self, pid: int, tasks: IO[bytes], results: IO[bytes]) -> None:
        self.pid, self.tasks, self.results = pid, tasks, results

    @classmethod
    def fork(cls, siblings: list[_PoolWorker]) -> _PoolWorker:
        task_read, task_write = os.pipe()
        result_read, result_write = os.pipe()

        def work() -> None:
            os.close(task_write)
            os.close(result_read)
            for sibling in siblings:  # else a sibling would never see the end of its task pipe
                sibling.tasks.close()
                sibling.results.close()
            with os.fdopen(task_read, "rb") as tasks, os.fdopen(result_write, "wb") as results:
                _serve(tasks, results)

        pid = _fork(work)
        os.close(task_read)
        os.close(result_write)
        return cls(pid, os.fdopen(task_write, "wb"), os.fdopen(result_read, "rb"))

    def send(self, message: tuple[Callable[[Any], Any], Sequence[Any]]) -> None:
        try:
            pickle.dump(message, self.tasks, protocol=pickle.HIGHEST_PROTOCOL)
            self.tasks.flush()
        except BrokenPipeError:  # it died: its receiver sees the end of its results, and this process takes over
            pass

    def end_tasks(self) -> None:
        if not self.tasks.closed:
            with contextlib.suppress(BrokenPipeError):
                self.tasks.close()

    def wait(self) -> None:
        os.waitpid(self.pid, 0)
        self.results.close()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.end_tasks()
        self.wait()


def _serve(tasks: IO[bytes], results: IO[bytes]) -> None:
    """A pool worker's life: run each step's tasks as they come, until the pool closes the pipe (or a task
    fails: the parent then stops the pool)."""
    while True:
        try:
            function, step = pickle.load(tasks)
        except EOFError:
            return
        if not _answer(function, step, results):
            return
