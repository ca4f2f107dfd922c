"""Links that leave the site get ``rel="noopener noreferrer"``.

The page a link opens can then neither script the page it came from
(``window.opener``) nor learn its address. Applied to the finished HTML of every
page, so it covers record pages, hand-written pages and the theme's own links alike.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

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
