"""A generated page: its HTML and what MkDocs would otherwise read from Markdown (title, headings, front matter)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from jinja2 import pass_context
from markdown.extensions.toc import slugify, unique
from markupsafe import Markup

from build_tools.site.render.markup import escape_attribute, text


@dataclass
class Heading:
    level: int
    id: str
    text: str
    """Plain text."""

    def html(self) -> Markup:
        """The heading as the page has it: with its permalink, as Python-Markdown's toc extension writes one."""
        return Markup(f'<h{self.level} id="{self.id}">{text(self.text)}<a class="headerlink" href="#{self.id}" '
                      f'title="Permanent link">&para;</a></h{self.level}>')


@dataclass
class GeneratedPage:
    """A page made from the records: its HTML body and what MkDocs would otherwise read from Markdown."""

    title: str
    """Plain text, as the reader sees it."""
    body: str
    """The page's HTML, from its h1 on."""
    headings: list[Heading] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    hide: list[str] = field(default_factory=list)
    """Parts of the theme the page hides (Material's ``hide`` front matter)."""
    search: str | None = None
    """Plain text the search index holds for the page; ``None`` leaves it out of search."""
    feed: str | None = None
    """The page's own Atom feed, by its path below the site root (a theme's), which the theme's ``<head>``
    advertises beside the site's (``feed`` in the front matter)."""

    @property
    def meta(self) -> dict[str, Any]:
        """Front matter. Material prints titles and tag names into the HTML as they are, so they are escaped."""
        meta: dict[str, Any] = {"title": escape_attribute(self.title)}
        if self.tags:
            meta["tags"] = [escape_attribute(tag) for tag in self.tags]
        if self.hide:
            meta["hide"] = list(self.hide)
        if self.feed:
            meta["feed"] = self.feed
        return meta

    def toc_tokens(self) -> list[dict[str, Any]]:
        """The headings nested as Python-Markdown's ``toc_tokens`` (what MkDocs builds a page's TOC from)."""
        root: dict[str, Any] = {"level": 0, "children": []}
        stack = [root]
        for heading in self.headings:
            token = {"level": heading.level, "id": heading.id, "name": html.escape(heading.text, quote=False),
                     "children": []}
            while stack[-1]["level"] >= heading.level:
                stack.pop()
            stack[-1]["children"].append(token)
            stack.append(token)
        return root["children"]

    @property
    def anchors(self) -> set[str]:
        return {h.id for h in self.headings}




def heading(headings: list[Heading], level: int, title: str, anchor: str | None = None) -> Markup:
    """A heading with its permalink, as Python-Markdown's toc extension writes one; recorded for the page's TOC."""
    anchor = unique(anchor or slugify(title, "-"), {h.id for h in headings})
    entry = Heading(level, anchor, " ".join(title.split()))
    headings.append(entry)
    return entry.html()


@pass_context
def heading_in_template(context: Any, level: int, title: str, anchor: str | None = None) -> Markup:
    return heading(context["headings"], level, title, anchor)
