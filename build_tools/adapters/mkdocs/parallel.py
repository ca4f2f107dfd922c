"""Generated pages put into the theme by forked worker processes, while MkDocs puts in the others.

MkDocs builds pages one after another: the theme's template around each page's HTML, then every plugin's
``on_post_page``, about 2 ms a page with Material, on one CPU: half of a build. Once every page has been read
and rendered (``on_env``), a process forked per other CPU (up to ``MAX_PROCESSES`` in all) builds a share of the
generated pages (records, lists, maps) with the engine's own page step (``_build_page`` of MkDocs or ProperDocs,
called as their build calls it), while this process builds the rest. This process still goes through each
worker's pages in its own loop, so that every plugin sees every page, but with a template that renders nothing:
MkDocs writes no file for an empty page (the worker writes it) and says so at INFO, which is filtered out for
those pages only. A plugin that gathers what pages hold in ``on_post_page`` sees those pages empty:
``page_workers: false`` turns workers off.

What a worker logs is sent back and logged here, so that strict mode counts its warnings; an error in a worker
fails the build as it would have here, with the worker's traceback. Only ``build`` (and ``gh-deploy``) use workers:
``serve`` builds in one process, as before. Where workers cannot be forked (one CPU, no ``fork``), or the engine's
page step is not the one this module knows, every page is built here; where a worker dies, its pages are built
here once the loop is done.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import pickle
import traceback
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from build_tools.adapters.mkdocs.pages import RenderedPage
from build_tools.engine import workers

BUILT_ELSEWHERE = "evidence/built-by-a-worker.html"
"""The template this process renders a worker's page with: nothing."""
MIN_PAGES = 200
"""Fewer generated pages than this are built here: forking would cost more than it saves."""
MAX_PROCESSES = 4
"""Processes building pages at most, this one included: each worker copies the memory of the parent it touches
(the navigation, the pages), and past a few the loop of this process, which goes through every page, is the
limit anyway."""
MAIN_SHARE = 0.5
"""This process's share of the generated pages when there are two processes: it also builds the hand-written
pages, copies the static files, writes the theme's templates, and goes through the workers' pages in its loop."""


class PageBuilders:
    """The worker processes building generated pages during one build."""

    def __init__(self) -> None:
        self._builders: list[workers.Background] = []
        self._skipped: set[str] = set()
        self._filtered: tuple[logging.Logger, logging.Filter] | None = None

    def start(self, env: jinja2.Environment, config: MkDocsConfig, files: Files, nav: Navigation,
              dirty: bool) -> jinja2.Environment:
        """Fork the workers, give each its share of the generated pages, and leave this process the rest."""
        engine = importlib.import_module("mkdocs.commands.build")  # ProperDocs answers for mkdocs.* with its own
        build_page = _known_page_step(engine)
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        pages = [file.page for file in doc_files if isinstance(file.page, RenderedPage)]
        count = min(workers.worker_count(), MAX_PROCESSES)
        if build_page is None or count < 2 or len(pages) < MIN_PAGES:
            return env
        for share in _shares(pages, count)[1:]:
            job = _Job(build_page, share, [page.meta.get("template") for page in share], config, doc_files, nav,
                       env, dirty)
            builder = workers.Background(_build_pages, job)
            if not builder.running:  # not forked: its pages are built here, in the loop
                continue
            self._builders.append(builder)
            for page in share:
                page.meta["template"] = BUILT_ELSEWHERE
                self._skipped.add(f"Page skipped: '{page.file.src_uri}'. Generated empty output.")
        if self._skipped:
            self._filtered = (logging.getLogger(engine.__name__), _Unless(self._skipped))
            self._filtered[0].addFilter(self._filtered[1])
            env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({BUILT_ELSEWHERE: ""}), env.loader]) \
                if env.loader is not None else jinja2.DictLoader({BUILT_ELSEWHERE: ""})
        return env

    def finish(self) -> None:
        """Wait for every worker; log here what they logged, then raise the first error one met."""
        builders, self._builders = self._builders, []
        self._unfilter()
        failures: list[tuple[BaseException, str]] = []
        try:
            for builder in builders:
                records, failure = builder.result()
                for record in records:
                    logging.getLogger(record.name).handle(record)
                if failure is not None:
                    failures.append(failure)
        finally:
            for builder in builders:
                builder.cancel()  # those not waited for, when one raised (it did not return its failure)
        if failures:
            error, where = failures[0]
            raise error from workers.WorkerError(f"in a worker process:\n{where}")

    def stop(self) -> None:
        """The build failed: the workers are ended."""
        builders, self._builders = self._builders, []
        self._unfilter()
        for builder in builders:
            builder.cancel()

    def _unfilter(self) -> None:
        if self._filtered is not None:
            self._filtered[0].removeFilter(self._filtered[1])
            self._filtered = None
        self._skipped = set()


def _shares(pages: Sequence[Page], count: int) -> list[list[Page]]:
    """This process's share first, then each worker's, dealt in turn so that each gets pages of every kind."""
    main = round(len(pages) * (MAIN_SHARE if count == 2 else 1 / count))
    mine, others = list(pages[:main]), list(pages[main:])
    return [mine, *(others[index::count - 1] for index in range(count - 1))]


class _Unless(logging.Filter):
    """Drops exactly these messages (MkDocs's note that it wrote nothing for a page a worker built)."""

    def __init__(self, messages: set[str]) -> None:
        super().__init__()
        self.messages = messages

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in self.messages


class _Job(NamedTuple):
    """What a worker needs to build its pages as the engine's loop would: all of it reaches it through the fork."""

    build_page: Callable[..., None]
    pages: list[Page]
    templates: list[Any]
    """Each page's own ``template`` (None: the theme's main one), which this process replaces once it forked."""
    config: MkDocsConfig
    doc_files: list[Any]
    nav: Navigation
    env: jinja2.Environment
    dirty: bool


_PAGE_STEP = ["page", "config", "doc_files", "nav", "env", "dirty", "excluded"]


def _known_page_step(engine: Any) -> Callable[..., None] | None:
    """The engine's ``_build_page``, if it takes what MkDocs 1.6 and ProperDocs 1.6 take; else None (no workers)."""
    build_page = getattr(engine, "_build_page", None)
    try:
        return build_page if list(inspect.signature(build_page).parameters) == _PAGE_STEP else None
    except (TypeError, ValueError):
        return None


def _build_pages(job: _Job) -> tuple[list[logging.LogRecord], tuple[BaseException, str] | None]:
    """In a worker (or here, if it died): build these pages with their own templates; return what was logged,
    and the error that stopped it, if one did, with its traceback."""
    records: list[logging.LogRecord] = []
    original = logging.Logger.callHandlers
    logging.Logger.callHandlers = lambda _logger, record: records.append(_portable(record))  # type: ignore
    try:
        for page, template in zip(job.pages, job.templates, strict=True):
            if template is None:
                page.meta.pop("template", None)
            else:
                page.meta["template"] = template
            job.build_page(page, job.config, job.doc_files, job.nav, job.env, job.dirty,
                           excluded=page.file.inclusion.is_excluded())
    except Exception as error:
        return records, (_sendable(error), "".join(traceback.format_exception(error)))
    finally:
        logging.Logger.callHandlers = original  # type: ignore[method-assign]
    return records, None


def _portable(record: logging.LogRecord) -> logging.LogRecord:
    """The record with its message formatted, so that it can be pickled and logged again as it was."""
    record.msg, record.args = record.getMessage(), None
    if record.exc_info:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info))
        record.exc_info = None
    return record


def _sendable(error: Exception) -> BaseException:
    """The error itself if it survives pickling (as it must, to be raised here), else its traceback."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return workers.WorkerError("".join(traceback.format_exception(error)))
