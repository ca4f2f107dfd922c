"""CPU-bound steps spread over worker processes, when that is safe and worth it.

Parsing YAML and searching texts are pure Python, so threads would not run them
in parallel: :class:`concurrent.futures.ProcessPoolExecutor` processes do. Their
start method is ``fork``, asked for explicitly rather than left to the platform's
default (``forkserver`` on Linux since Python 3.14, ``spawn`` on macOS and Windows):
a forked worker starts in milliseconds with everything this process has loaded, and
the executor's ``initargs`` reach it through the fork, never pickled, as workers are
forked at the first task submitted. That is how :func:`map_in_workers` hands the
workers a step's data (``context``: a graph, a renderer and its templates). The
other start methods would pickle that data for each worker, and start interpreters
that import everything again, so none is used: where ``fork`` is not available
(Windows), the work is done in this process.

Workers are only forked by a process with no other threads (a thread holding a lock
at the fork would leave it locked in the child forever), with more than one CPU to
use. Otherwise, or when a worker cannot start or dies, the work is done in this
process: workers make a step faster, never different.

Two ways to use them. :func:`map_in_workers` forks for one step. A :class:`Pool`
forks once, at the first step of a run that needs workers, and serves the later
steps too, with tasks and results pickled: a process forked late from a large parent
copies, page by page, the memory of the parent it touches, which made checking
quotes in workers forked after loading no faster than checking them here.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, ClassVar, TypeVar

Context = TypeVar("Context")
Task = TypeVar("Task")
Result = TypeVar("Result")


def worker_count() -> int:
    """How many worker processes to use here: one per CPU this process may run on, or 1 when workers cannot be
    forked (no ``os.fork``, or other threads run than those of workers already running)."""
    if not (_can_fork() or _Workers.running):
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not Linux)
        return os.cpu_count() or 1


def _can_fork() -> bool:
    """Whether workers may be forked now (a thread holding a lock at the fork would leave it locked in the child)."""
    return hasattr(os, "fork") and threading.active_count() == 1


class WorkerError(Exception):
    """The traceback of an exception raised in a worker: the cause of that exception, raised here, or raised in its
    place if it could not be sent back as it was."""


def share(items: Sequence[Task], per_worker: int = 4) -> list[Sequence[Task]]:
    """``items`` in consecutive parts, a few for each worker, so that they share the work evenly."""
    size = -(-len(items) // (per_worker * worker_count())) or 1
    return [items[i:i + size] for i in range(0, len(items), size)]


def map_in_workers(function: Callable[[Context, Task], Result], context: Context,
                   tasks: Sequence[Task]) -> Iterator[Result]:
    """``function(context, task)`` for every task, in the order of ``tasks``, each as soon as it is done.

    Results must be picklable, and ``function`` must not change ``context`` (a worker's
    changes stay in the worker); ``function``, ``context`` and tasks reach the workers
    through the fork, never pickled. An exception raised by ``function`` is raised here.
    """
    count = min(worker_count(), len(tasks))
    workers = _Workers.start(count, (function, context, tasks)) if count > 1 and _can_fork() else None
    done = 0
    if workers is not None:
        try:
            for value in workers.map(_run_job, range(len(tasks))):
                yield value
                done += 1
        finally:
            workers.stop(kill=done < len(tasks))
    for task in tasks[done:]:
        yield function(context, task)


class Background:
    """``function(context)`` in a forked process while this process goes on: :meth:`result` waits for it.

    For a step whose result is needed only later in the same run (the build's downloads, while its pages are
    rendered): the context reaches the process through the fork, the result comes back pickled through a pipe.
    It is a plain forked process, not an executor, so that this process keeps no thread and can still fork
    workers meanwhile (:func:`map_in_workers`). Where workers cannot run (see :func:`worker_count`), or the
    process cannot start or dies, :meth:`result` does the work here.
    """

    def __init__(self, function: Callable[[Context], Result], context: Context) -> None:
        self._function, self._context = function, context
        self._value: Any = _UNSET
        self._process: Any = None
        if worker_count() > 1 and _can_fork():
            fork = multiprocessing.get_context("fork")
            self._receiving, sending = fork.Pipe(duplex=False)
            try:
                self._process = fork.Process(target=_in_background, args=(function, context, sending), daemon=True)
                self._process.start()
            except OSError:  # it could not be forked
                self._process = None
            sending.close()  # the child's end: the child holds its own copy

    @property
    def running(self) -> bool:
        """Whether a forked process does the work (else :meth:`result` will do it here)."""
        return self._process is not None

    def result(self) -> Result:
        if self._process is not None:
            process, self._process = self._process, None
            try:
                outcome, value = self._receiving.recv()
            except (EOFError, OSError):  # it died before sending anything: the work is done here
                outcome, value = "died", None
            finally:
                self._receiving.close()
                process.join()
            if outcome == "error":
                raise value from WorkerError("in a worker process")
            if outcome == "done":
                self._value = value
        if self._value is _UNSET:
            self._value = self._function(self._context)
        return self._value  # type: ignore[no-any-return]

    def cancel(self) -> None:
        """No result wanted (the step that needed it failed): the process is ended and waited for."""
        if self._process is not None:
            process, self._process = self._process, None
            process.kill()
            process.join()
            self._receiving.close()


_UNSET = object()


def _in_background(function: Callable[[Any], Any], context: Any, sending: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which ends this process
    try:
        message: tuple[str, Any] = ("done", function(context))
    except Exception as exc:
        try:
            pickle.dumps(exc)
            message = ("error", exc)
        except Exception:
            message = ("error", WorkerError("".join(traceback.format_exception(exc))))
    sending.send(message)
    sending.close()


class Pool:
    """Worker processes for the steps of one run, forked when the first step gives them work.

    ``function(task)`` runs in a worker for each task; functions travel by name, tasks
    and results pickled, so a task carries all its function needs. Use it in a ``with``
    block, which stops the workers at its end. When workers cannot run (see
    :func:`worker_count`), cannot start, or one dies, the work is done in this process.
    """

    def __init__(self) -> None:
        self._workers: _Workers | None = None
        self._usable = True  # until released, or workers could not start, died, or were stopped mid-step

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *_exception: object) -> None:
        self.close()

    def map(self, function: Callable[[Task], Result], tasks: Sequence[Task]) -> Iterator[Result]:
        """``function(task)`` for every task, in the order of ``tasks``, each as soon as it is done.

        An exception raised by ``function`` is raised here, and stops the workers.
        """
        if self._usable and self._workers is None and len(tasks) > 1 and worker_count() > 1 and _can_fork():
            self._workers = _Workers.start(worker_count())  # forked for this step, and serving the later ones
            self._usable = self._workers is not None
        done = 0
        if self._usable and self._workers is not None and len(tasks) > 1:
            try:
                for value in self._workers.map(function, tasks):
                    yield value
                    done += 1
            finally:
                if done < len(tasks):  # workers could not start, one died or failed, or stopped being listened to
                    self._stop()
        for task in tasks[done:]:
            yield function(task)

    def release(self) -> None:
        """No more tasks: let the workers exit while this process goes on (:meth:`close` waits for them)."""
        if self._workers is not None:
            self._workers.release()
        self._usable = False

    def close(self) -> None:
        """Let the workers finish and exit, and wait for them."""
        self._stop(kill=False)

    def _stop(self, kill: bool = True) -> None:
        if self._workers is not None:
            self._workers.stop(kill)
            self._workers = None
        self._usable = False


class _Workers:
    """A ``ProcessPoolExecutor`` of forked workers, stopped at once (killed) when their results are no longer
    wanted: Python 3.14's ``kill_workers`` does that, but does not wait for them. Nor can one wait for the
    workers after ``shutdown(wait=False)``: :meth:`release` calls ``shutdown`` in a thread, :meth:`stop` joins it.
    """

    running: ClassVar[int] = 0
    """How many have not been stopped: their executors' threads are no reason to say workers cannot be used."""

    def __init__(self, executor: ProcessPoolExecutor) -> None:
        self.executor = executor
        self.releasing: threading.Thread | None = None
        _Workers.running += 1

    @classmethod
    def start(cls, count: int, job: tuple[Any, ...] = ()) -> _Workers | None:
        """``count`` workers, given ``job`` for :func:`_run_job`, forked at the first :meth:`map`; None when
        this system cannot run them (no working semaphores)."""
        try:
            return cls(ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"),
                                           initializer=_start_worker, initargs=job))
        except (OSError, NotImplementedError):
            return None

    def map(self, function: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]:
        """``function(task)`` in the workers, in task order, each as soon as it is done; ends early when a worker
        could not start or died (the caller does the rest), raises what ``function`` raised."""
        try:
            futures = [self.executor.submit(_call, function, task) for task in tasks]
        except OSError:  # a worker could not be forked
            return
        for future in futures:
            try:
                value = future.result()
            except BrokenProcessPool:
                return
            except Exception as error:
                raise error from WorkerError(f"in a worker process:{error.__cause__}")
            yield value

    def release(self) -> None:
        """Let the workers exit once their tasks are done, without waiting for them."""
        if self.releasing is None:
            self.releasing = threading.Thread(target=self.executor.shutdown)
            self.releasing.start()

    def stop(self, kill: bool = False) -> None:
        """Wait for the workers to exit, killing them first if ``kill`` (else their tasks would run on)."""
        if self.releasing is not None:
            self.releasing.join()
        elif kill:
            processes = list((self.executor._processes or {}).values())
            for process in processes:
                process.kill()
            self.executor.shutdown(cancel_futures=True)
            for process in processes:  # the executor waits for none when some could not be forked
                process.join()
        else:
            self.executor.shutdown()
        _Workers.running -= 1


_job: tuple[Any, ...] = ()
"""In a worker of :func:`map_in_workers`: its function, context and tasks."""


def _start_worker(*job: Any) -> None:
    global _job
    _job = job
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops this process, which stops its workers


def _run_job(index: int) -> Any:
    function, context, tasks = _job
    return function(context, tasks[index])


def _call(function: Callable[[Any], Any], task: Any) -> Any:
    """In a worker: ``function(task)``. An exception that could not be sent back as it is (pickled) is replaced
    by a WorkerError with its traceback."""
    try:
        return function(task)
    except Exception as exc:
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:
            raise WorkerError("".join(traceback.format_exception(exc))) from None
        raise
