"""Material's search box, answered from a Pagefind index instead of Material's lunr index.

Material's lunr worker loads every page's text (``search/search_index.json``, 13 MB at 10,000 claims) before it
answers. Pagefind splits its index into chunks and loads only those a query needs. The reader's side is Material's
own: its bundle talks to the worker named in the ``__config`` JSON of every page; that name is pointed at our worker
(``search_worker.js``), which speaks the same protocol and answers from Pagefind. What is indexed is exactly what
Material's search plugin collected (hand-written pages by section, record pages by the entries the evidence plugin
gives it); ``search_index.json`` keeps only its settings, which the worker reads for the field boosts.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

WORKER = "assets/javascripts/workers/search.pagefind.js"
WORKER_SOURCE = Path(__file__).with_name("search_worker.js")
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


def write_index(entries: list[dict[str, Any]], settings: dict[str, Any], site_dir: Path) -> int:
    """Index the search entries with Pagefind into ``site_dir/pagefind``; leave ``search_index.json`` its settings.

    Each entry becomes one small HTML page for Pagefind: its text is the content; its title and tags are metadata,
    which Pagefind searches and boosts by the weights the worker gives it (Material's field boosts). Its address,
    and a section's page title (Material shows it above the section), are filters: returned with a result, never
    searched. The pages are written to a folder and indexed in one call: Pagefind's Python API waits 0.1 s for
    each answer, so one call per entry would take 1,000 s at 10,000 entries.
    """
    articles = {entry["location"]: entry["title"] for entry in entries if "#" not in entry["location"]}
    language = (settings.get("lang") or ["en"])[0]
    with tempfile.TemporaryDirectory(prefix="pagefind-") as folder:
        for number, entry in enumerate(entries):
            page = _page(entry, articles, language)
            Path(folder, f"{number}.html").write_text(page, encoding="utf-8")

        async def index() -> None:
            from pagefind.index import IndexConfig, PagefindIndex

            config = IndexConfig(output_path=str(site_dir / INDEX_FOLDER), force_language=language)
            async with PagefindIndex(config=config) as pagefind:
                await pagefind.add_directory(folder)

        asyncio.run(index())
    path = site_dir / "search" / "search_index.json"
    path.write_text(json.dumps({"config": settings, "docs": []}, separators=(",", ":")), encoding="utf-8")
    return len(entries)


def _plain(text: str) -> str:
    """An attribute value from Material's entry text, which is HTML (escaped text, and a few tags it keeps)."""
    return html.escape(html.unescape(_TAG.sub("", text)), quote=True)


_TAG = re.compile(r"<[^>]*>")


def _page(entry: dict[str, Any], articles: dict[str, str], language: str) -> str:
    head = [f'<meta data-pagefind-meta="title[content]" content="{_plain(entry["title"]) or "&#32;"}">',
            f'<meta data-pagefind-filter="location[content]" content="{_plain(entry["location"])}">']
    if entry.get("tags"):
        tags = "\n".join(str(tag) for tag in entry["tags"])
        head.append(f'<meta data-pagefind-meta="tags[content]" content="{html.escape(tags, quote=True)}">')
    path, section, _ = entry["location"].partition("#")
    if section and path in articles:
        head.append(f'<meta data-pagefind-filter="article[content]" content="{_plain(articles[path])}">')
    # Pagefind leaves out a page without words: a page found only by its title gets it as words of no weight.
    text = entry.get("text") or f'<p data-pagefind-weight="0">{entry["title"]}</p>'
    return f'<!DOCTYPE html><html lang="{language}"><head>{"".join(head)}</head><body>{text}</body></html>'
