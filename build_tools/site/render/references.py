"""Formatted references and "Cite this" blocks on pages."""

from __future__ import annotations

import html
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup

from build_tools.engine.model import Claim, Source
from build_tools.site.render.addresses import href
from build_tools.site.render.markup import HREF_MARK, REL, escape_attribute, reference_html


class References:
    """Part of :class:`~build_tools.site.render.renderer.Renderer`: references as HTML, made once per record."""

    @pass_context
    def reference(self, context: Any, source: Source) -> Markup:
        """A formatted reference whose title links to the source's page, for reference lists.

        Made once per source, with a stand-in for the link that each page fills in.
        """
        made = self._references.get(source.id)
        if made is None:
            made = self._references[source.id] = reference_html(
                self.citations.reference(source), self._addresses(source), (HREF_MARK, source.title))
        return Markup(made.replace(HREF_MARK, href(context["page_url"], self._record_url(source)), 1))

    def formatted_reference(self, record: Source | Claim) -> Markup:
        """The record's formatted reference (citeproc, in the site's CSL style), as HTML."""
        return reference_html(self.citations.reference(record), self._addresses(record), site_url=self.info.url)

    def _addresses(self, record: Source | Claim) -> list[str]:
        """Addresses a reference may print, to be made links."""
        if isinstance(record, Source):
            return [a for a in (f"https://doi.org/{record.doi}" if record.doi else None, record.url) if a]
        return [self.info.permalink("claim", record.id)] if self.info.url else []

    def cite_this(self, record: Source | Claim) -> Markup:
        """A collapsed "Cite this" block: the formatted reference, BibTeX to copy, the permalink."""
        bibtex = html.escape(self.citations.bibtex(record).rstrip("\n"), quote=False)
        out = ['<details class="quote">', "<summary>Cite this</summary>",
               f"<p>{self.formatted_reference(record)}</p>",
               f'<div class="highlight"><pre><span></span><code>{bibtex}</code></pre></div>']
        if self.info.url:
            permalink = escape_attribute(self.info.permalink(record.kind, record.id))
            out.append(f'<p>Permalink: <a href="{permalink}" {REL}>{permalink}</a></p>')
        out.append("</details>")
        return Markup("\n".join(out))
