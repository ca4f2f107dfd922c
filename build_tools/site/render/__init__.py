"""Render: the graph into pages, through Jinja templates. Pure functions of the graph and its history.

One module per page family (``records``, ``references``, ``evidence_map``,
``summary``, ``changelog``, ``home``), each a part of the :class:`Renderer` (``renderer``);
``page`` is what a generated page is, ``addresses`` where pages live and how
they link, ``markup`` the small pieces of escaped HTML the templates use.

Generated pages are HTML, written by the templates, not Markdown: they are most
of the site, and converting them with Python-Markdown cost four times what
MkDocs spends on everything else (``python -m build_tools bench``). Each page
comes with what MkDocs would have read from Markdown: its title, its headings
for the table of contents, its front matter, and the text for the search index.

Record text is data. Templates are autoescaped: every ``{{ expression }}`` is
HTML-escaped unless it is :class:`markupsafe.Markup` (what the helpers
return, having escaped the record text inside), so a field can never inject
markup, and record text is only ever a value passed to a template, never
template source.
"""

from build_tools.site.info import SiteInfo
from build_tools.site.render.addresses import (
    CHANGELOG,
    DOWNLOADS_URI,
    EVIDENCE_MAP,
    NAV_PAGES,
    SUMMARY_OF_FINDINGS,
    TAGS_URI,
    href,
    page_uri,
    page_url,
    redirect_map,
    relative,
    section_uri,
)
from build_tools.site.render.changelog import CHANGELOG_LINES_PER_DATE
from build_tools.site.render.markup import code, escape_attribute, escape_inline, text
from build_tools.site.render.page import GeneratedPage, Heading
from build_tools.site.render.renderer import TEMPLATES, Renderer, render_pages

__all__ = [
    "CHANGELOG", "CHANGELOG_LINES_PER_DATE", "DOWNLOADS_URI", "EVIDENCE_MAP", "NAV_PAGES", "SUMMARY_OF_FINDINGS",
    "TAGS_URI",
    "TEMPLATES", "GeneratedPage", "Heading", "Renderer", "SiteInfo", "code", "escape_attribute", "escape_inline",
    "href", "page_uri", "page_url", "redirect_map", "relative", "render_pages", "section_uri", "text",
]
