"""HTML laid out as a PDF by WeasyPrint, fetching nothing but ``data:`` URLs and files of the templates folder.

Its own module, imported only where a PDF is made: WeasyPrint takes 0.4 s to import, which every build, ``serve``
and command would otherwise pay (the build makes the brief in a worker process, :mod:`build_tools.site.assemble`).
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint import CSS, HTML, URLFetcher

from build_tools.site.render.renderer import TEMPLATES


def write_pdf(page: str, stylesheet: str) -> bytes:
    """``page`` (HTML whose relative addresses are files of the templates folder) as a tagged PDF."""
    fetcher = LocalOnlyFetcher()
    document = HTML(string=page, base_url=TEMPLATES.resolve().as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(string=stylesheet, url_fetcher=fetcher)], pdf_tags=True)


class LocalOnlyFetcher(URLFetcher):
    """WeasyPrint's fetcher for the brief: ``data:`` URLs and files inside the templates folder, nothing else.

    Anything else (``http:``, ``https:``, ``ftp:``, a file elsewhere) raises; with ``fail_on_errors`` WeasyPrint
    stops the build instead of printing a brief without it.
    """

    def __init__(self) -> None:
        super().__init__(fail_on_errors=True, allow_redirects=False)

    def fetch(self, url: str, headers: Any = None) -> Any:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data" or (scheme == "file" and _in_templates(url)):
            return super().fetch(url, headers)
        raise PermissionError(f"the brief fetches nothing from outside the templates folder: {url}")


def _in_templates(url: str) -> bool:
    parts = urlsplit(url)
    if parts.netloc not in {"", "localhost"}:
        return False
    path = posixpath.normpath(unquote(parts.path))
    return path.startswith(TEMPLATES.resolve().as_posix() + "/")
