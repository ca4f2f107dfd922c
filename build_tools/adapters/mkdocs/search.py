"""Material's search box, answered from a Pagefind index instead of Material's lunr index.

Material's lunr worker loads every page's text (``search/search_index.json``, 13 MB at 10,000 claims) before it
answers. Pagefind splits its index into chunks and loads only those a query needs. The reader's side is Material's
own: its bundle talks to the worker named in the ``__config`` JSON of every page; that name is pointed at our worker
(``search_worker.js``), which speaks the same protocol and answers from Pagefind. What is indexed is exactly what
Material's search plugin collected (hand-written pages by section, record pages by the entries the evidence plugin
gives it); ``search_index.json`` keeps only its settings, which the worker reads for the field boosts.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

WORKER = "assets/javascripts/workers/search.pagefind.js"
WORKER_SOURCE = Path(__file__).with_name("search_worker.js")
COUNT_SCRIPT = "assets/javascripts/search-count.js"
"""On every page: Material counts the results it lists, and this script says how many matched in all."""
COUNT_SOURCE = Path(__file__).with_name("search_count.js")
INDEX_FOLDER = "pagefind"

_MATERIAL_WORKER = re.compile(r'("search":\s*"[^"]*?)assets/javascripts/workers/search\.[0-9a-f]+\.min\.js"')


def point_at_worker(output: str, where: str) -> str:
    """Name our worker instead of Material's in a page's ``__config``."""
    if 'id="__config"' not in output:
        return output
    output, count = _MATERIAL_WORKER.subn(rf'\1{WORKER}"', output, count=1)
    if not count:
        raise PluginError(f"{where}: Material's search worker is not named in the page's __config as expected "
                          "(compare build_tools/adapters/mkdocs/search.py with Material's base.html)")
    return output


FIRST_RESULTS, LISTED_RESULTS = 20, 100
"""Results the search box lists for a query: the best ``FIRST_RESULTS`` as soon as their text is fetched (one
fragment each), then up to ``LISTED_RESULTS``; the count says how many matched in all (evidence.js)."""

BATCH = 6000
"""Entries in one Pagefind index at most. Pagefind holds what it indexes in memory, about 70 KB a record page of
the benchmark's synthetic claims (1.05 GB for its 15,000 pages at once): past this many, the record pages are
indexed in batches of equal size, each an index of its own that the worker merges, so that the peak is one
batch's at any size."""


class PagefindIndexes:
    """The site's Pagefind indexes, written while MkDocs renders the pages.

    The record pages' entries are known once the site is assembled: a thread has Pagefind (a process of its own,
    on the other CPU) index them while MkDocs renders the pages, in batches of at most ``BATCH``, and the
    hand-written pages' entries, known only once they are rendered, make one more index at the end. (An index
    merged into the first costs a search little: its entry file, and the chunks a query needs; the WebAssembly
    is the first's.) The entries become small HTML pages for Pagefind (``_page``): its text is the content; its
    title and tags are metadata, which Pagefind searches and boosts by the weights the worker gives it
    (Material's field boosts). Its address, and a section's page title (Material shows it above the section),
    are filters: returned with a result, never searched.
    """

    def __init__(self, site_dir: Path, language: str) -> None:
        self.site_dir = site_dir
        self.language = language
        self.folders: list[str] = []
        """Each index's folder below the site root; the first is Pagefind's own, the worker merges the others."""
        self._thread: threading.Thread | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._failure: str | None = None
        self._stopped = False
        self._articles: dict[str, str] = {}
        self._indexed = 0

    def add_records(self, entries: list[dict[str, Any]]) -> None:
        """The record pages' entries: indexed now, on a thread, in batches of at most ``BATCH``."""
        self._articles.update({e["location"]: e["title"] for e in entries if "#" not in e["location"]})
        if not entries:
            return
        # Dealt like cards, so that each batch holds every kind of page in the same proportions: Pagefind scores
        # a word by how rare it is in its own index, and batches alike score alike when their results are merged.
        count = -(-len(entries) // BATCH)
        batches = [(self._next_folder(), entries[start::count]) for start in range(count)]
        self._thread = threading.Thread(target=self._index_all, args=(batches,), name="pagefind", daemon=True)
        self._thread.start()

    def finish(self, entries: list[dict[str, Any]], settings: dict[str, Any]) -> int:
        """Index the last entries (the hand-written pages') once the batches are done, and leave
        ``search/search_index.json`` the settings, which name every index. Returns how many entries were indexed
        in all."""
        if self._thread is not None:
            self._thread.join()
        if self._failure:
            raise PluginError(self._failure)
        self._articles.update({e["location"]: e["title"] for e in entries if "#" not in e["location"]})
        if entries or not self.folders:
            self._index(self._next_folder(), entries)
        if self._failure:
            raise PluginError(self._failure)
        path = self.site_dir / "search" / "search_index.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        config = {**settings, "indexes": self.folders, "first": FIRST_RESULTS, "limit": LISTED_RESULTS}
        path.write_text(json.dumps({"config": config, "docs": []},
                                   separators=(",", ":")), encoding="utf-8")
        return self._indexed

    def stop(self) -> None:
        """A failed build: no more batches, and the one running is ended."""
        self._stopped = True
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        if self._thread is not None:
            self._thread.join()

    def _next_folder(self) -> str:
        folder = INDEX_FOLDER if not self.folders else f"{INDEX_FOLDER}-{len(self.folders) + 1}"
        self.folders.append(folder)
        return folder

    def _index_all(self, batches: list[tuple[str, list[dict[str, Any]]]]) -> None:
        try:
            for folder, entries in batches:
                if self._stopped or self._failure:
                    return
                self._index(folder, entries)
        except Exception as exc:  # raised in this thread, it would be lost: the build fails with it instead
            self._failure = f"search: the index of the record pages could not be written: {exc}"

    def _index(self, folder: str, entries: list[dict[str, Any]]) -> None:
        """One index of these entries, by Pagefind's command (in one call: its Python API waits 0.1 s for each
        answer, 1,000 s for 10,000 entries), written on a RAM disk and copied into the site (see ``SCRATCH``)."""
        with tempfile.TemporaryDirectory(prefix="pagefind-", dir=SCRATCH) as work:
            pages, index = Path(work, "pages"), Path(work, "index")
            pages.mkdir()
            for number, entry in enumerate(entries):
                (pages / f"{number}.html").write_text(_page(entry, self._articles, self.language), encoding="utf-8")
            if not entries:  # Pagefind writes no index without a page: an empty site still answers, with nothing
                (pages / "empty.html").write_text(f'<html lang="{self.language}"><body data-pagefind-ignore>'
                                                  "</body></html>", encoding="utf-8")
            self._process = subprocess.Popen(
                [sys.executable, "-m", "pagefind", "--site", str(pages), "--output-path", str(index),
                 "--force-language", self.language, "--silent"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            output, _ = self._process.communicate()
            if self._process.returncode != 0:
                if not self._stopped:
                    self._failure = (f"search: Pagefind could not index {len(entries)} pages into {folder}/ "
                                     f"(exit {self._process.returncode}): "
                                     f"{output.decode('utf-8', 'replace')[-2000:]}")
                return
            shutil.copytree(index, self.site_dir / folder, dirs_exist_ok=True)
            self._indexed += len(entries)


SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
"""Where Pagefind writes: a RAM disk where there is one. Pagefind writes its many small files in a way that cost
this machine's disk 3.3 s of system time for 5,000 pages, against 0.9 s on a RAM disk and 0.2 s to copy the result
into the site."""


def _plain(text: str) -> str:
    """An attribute value from Material's entry text, which is HTML (escaped text, and a few tags it keeps)."""
    return html.escape(html.unescape(_TAG.sub("", text)), quote=True)


_TAG = re.compile(r"<[^>]*>")


def _page(entry: dict[str, Any], articles: dict[str, str], language: str) -> str:
    head = [f'<meta data-pagefind-meta="title[content]" content="{_plain(entry["title"]) or "&#32;"}">',
            f'<meta data-pagefind-filter="location[content]" content="{_plain(entry["location"])}">']
    if entry.get("tags"):  # escaped already, as Material's entries are: once, like the title
        tags = "\n".join(_plain(str(tag)) for tag in entry["tags"])
        head.append(f'<meta data-pagefind-meta="tags[content]" content="{tags}">')
    path, section, _ = entry["location"].partition("#")
    if section and path in articles:
        head.append(f'<meta data-pagefind-filter="article[content]" content="{_plain(articles[path])}">')
    # Pagefind leaves out a page without words: a page found only by its title gets it as words of no weight.
    text = entry.get("text") or f'<p data-pagefind-weight="0">{entry["title"]}</p>'
    return f'<!DOCTYPE html><html lang="{language}"><head>{"".join(head)}</head><body>{text}</body></html>'
