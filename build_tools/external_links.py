"""Links that leave the site.

:func:`add_rel` gives every one ``rel="noopener noreferrer"``: the page a link opens
can then neither script the page it came from (``window.opener``) nor learn its
address. It works on the finished HTML of every page, so it covers record pages,
hand-written pages and the theme's own links alike.

:class:`ExternalLinks` marks those written in Markdown with a class, for print.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

REL = ("noopener", "noreferrer")
_REL_ATTRIBUTE = re.compile(r"""\srel\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


def is_external(href: str) -> bool:
    parts = urlsplit(href.strip())
    return bool(parts.scheme or parts.netloc)  # relative links and #anchors stay on the site


class _LinkTags(HTMLParser):
    """Where each ``<a>`` start tag with an external href is in the page, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[tuple[int, int], str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        text = self.get_starttag_text()
        if tag == "a" and href and is_external(href) and text:
            self.found.append((self.getpos(), text, dict(attrs).get("rel")))


def add_rel(html: str) -> str:
    """``html`` with ``noopener noreferrer`` added to the ``rel`` of every external link."""
    parser = _LinkTags()
    parser.feed(html)
    parser.close()
    if not parser.found:
        return html
    line_starts = [0, *(m.end() for m in re.finditer("\n", html))]
    out, last = [], 0
    for (line, column), tag, rel in parser.found:
        start = line_starts[line - 1] + column
        values = (rel or "").split()
        value = " ".join([*values, *(r for r in REL if r not in values)])
        if rel is None:
            body = tag[:-2] if tag.endswith("/>") else tag[:-1]
            new = f'{body.rstrip()} rel="{value}"{tag[len(body):]}'
        else:
            new = _REL_ATTRIBUTE.sub(lambda _, value=value: f' rel="{value}"', tag, count=1)
        out += [html[last:start], new]
        last = start + len(tag)
    out.append(html[last:])
    return "".join(out)


class _MarkExternalLinks(Treeprocessor):
    def __init__(self, md: Markdown, site_url: str) -> None:
        super().__init__(md)
        self.site_url = site_url

    def run(self, root: Any) -> None:
        for link in root.iter("a"):
            href = link.get("href", "")
            if href.startswith(("http://", "https://")) and not (self.site_url and href.startswith(self.site_url)):
                classes = [*link.get("class", "").split(), "ev-external"]
                if "".join(link.itertext()).strip() == href:
                    classes.append("ev-address")
                link.set("class", " ".join(classes))


class ExternalLinks(Extension):
    """Marks links that leave the site (class ``ev-external``; ``ev-address`` when the text is the address),
    so that print can show where they lead. In the browser every link becomes absolute, so CSS alone cannot
    tell them apart. Absolute links into the site itself (``site_url``, e.g. a permalink) do not leave it."""

    def __init__(self, site_url: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.site_url = site_url

    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(_MarkExternalLinks(md, self.site_url), "ev_external_links", 0)
