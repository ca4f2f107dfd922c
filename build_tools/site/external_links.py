"""Links that leave the site.

:func:`add_rel` gives every one ``rel="noopener noreferrer"``: the page a link opens
can then neither script the page it came from (``window.opener``) nor learn its
address. It works on the finished HTML of every page, so it covers record pages,
hand-written pages and the theme's own links alike.

:class:`ExternalLinks` marks those written in Markdown with a class, for print.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

REL = ("noopener", "noreferrer")
_REL_ATTRIBUTE = re.compile(r"""\srel\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


def is_external(href: str) -> bool:
    parts = urlsplit(href.strip())
    return bool(parts.scheme or parts.netloc)  # relative links and #anchors stay on the site


# HTML that MkDocs, Python-Markdown and Jinja write quotes every attribute value and escapes
# "<" and ">" inside it, so a start tag ends at the first ">" outside quotes. Comments and the
# raw text of script, style and textarea are matched whole, so that an "<a" inside them is left
# alone. A regular expression does this fifty times faster than html.parser, on every page.
_TAG_OR_RAW_TEXT = re.compile(
    r"""<!--.*?-->|<(script|style|textarea)\b.*?</\1\s*>|<a\s(?:[^>"']|"[^"]*"|'[^']*')*>""",
    re.IGNORECASE | re.DOTALL)
_ATTRIBUTE = re.compile(r"""\s([^\s=/>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")


def _attributes(tag: str) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for match in _ATTRIBUTE.finditer(tag, 2, len(tag) - 1):
        value = match.group(2)
        if value is not None and value[:1] in "\"'":
            value = value[1:-1]
        found.setdefault(match.group(1).lower(), html.unescape(value) if value is not None else None)
    return found


def _with_rel(tag: str) -> str:
    attributes = _attributes(tag)
    href = attributes.get("href")
    if not href or not is_external(href):
        return tag
    rel = attributes.get("rel")
    values = (rel or "").split()
    value = " ".join([*values, *(r for r in REL if r not in values)])
    if "rel" not in attributes:
        body = tag[:-2] if tag.endswith("/>") else tag[:-1]
        return f'{body.rstrip()} rel="{value}"{tag[len(body):]}'
    return _REL_ATTRIBUTE.sub(lambda _: f' rel="{value}"', tag, count=1)


def _replace(match: re.Match[str]) -> str:
    tag = match.group(0)
    if match.group(1) or tag[1] == "!" or (":" not in tag and "//" not in tag):  # raw text, a comment, a relative link
        return tag
    return _with_rel(tag)


def add_rel(page: str, done: str = "") -> str:
    """``page`` with ``noopener noreferrer`` added to the ``rel`` of every external link.

    ``done`` is a part of the page whose links already have it (the HTML the engine rendered), left unread.
    """
    start = page.find(done) if done else -1
    if start < 0:
        return _TAG_OR_RAW_TEXT.sub(_replace, page)
    end = start + len(done)
    return _TAG_OR_RAW_TEXT.sub(_replace, page[:start]) + done + _TAG_OR_RAW_TEXT.sub(_replace, page[end:])


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
