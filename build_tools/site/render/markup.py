"""Small pieces of HTML made from record text, every piece of it escaped (:class:`markupsafe.Markup` out)."""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

from markupsafe import Markup, escape

from build_tools.engine.graph import EvidenceCount
from build_tools.engine.model import Certainty, Concerns, SourceType, Stance
from build_tools.engine.quotes import link_to_passage
from build_tools.site.citations import ITALIC_END, ITALIC_START, TITLE_END, TITLE_START

STANCE_ORDER = [Stance.supports, Stance.contradicts, Stance.qualifies]

_INLINE_SPECIAL = re.compile(r"([\\`*_{}\[\]|])")
_LINE_START = re.compile(r"^(\s*)([#+\->=]|\d+[.)])")


def escape_inline(text: str) -> Markup:
    """One line of record text, safe in Markdown, HTML and table cells (for links written into Markdown pages)."""
    text = " ".join(str(text).split())
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    text = html.escape(text, quote=False)
    text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2) if m.group(2)[0] in "#+->=" else
                           m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)
    return Markup(text)


def text(value: Any) -> Markup:
    """Record text on one line, HTML-escaped."""
    return escape(" ".join(str(value).split()))


def escape_paragraphs(value: str) -> Markup:
    """Record text with blank-line paragraphs, as HTML paragraphs."""
    paragraphs = [p for p in re.split(r"\n\s*\n", str(value).strip()) if p.strip()]
    return Markup("\n".join(f"<p>{text(p)}</p>" for p in paragraphs))


def escape_attribute(value: str) -> str:
    """Text for an HTML attribute or a title: one line, every special character escaped."""
    return html.escape(" ".join(str(value).split()), quote=True)


HREF_MARK = "\ue020"
"""Stands in for a page's link to a source in a reference made once for every page."""
REL = 'rel="noopener noreferrer"'
"""On every absolute link the templates write, so that ``external_links.add_rel`` has nothing left to do."""


def quoted(quote: str) -> Markup:
    """A verbatim quote in double quotation marks. The source's own double marks inside it become single
    ones, as in print, so that a passage that opens or closes with a quotation never shows doubled marks."""
    parts = quote.strip().replace("“", "‘").replace("”", "’").split('"')
    inner = "".join(part + ("‘" if i % 2 == 0 else "’") for i, part in enumerate(parts[:-1])) + parts[-1]
    return Markup(f"“{text(inner)}”")


def external_link(address: str, label: str | None = None, title: str | None = None) -> Markup:
    """A link that leaves the site, marked for print (``ev-external``; ``ev-address`` when it shows its address)."""
    classes = "ev-external" if label is not None and label != address else "ev-external ev-address"
    tooltip = f' title="{escape_attribute(title)}"' if title else ""
    return Markup(f'<a class="{classes}" href="{escape_attribute(address)}"{tooltip} {REL}>'
                  f"{text(address if label is None else label)}</a>")


@cache  # a quote is shown on its claim's page, its source's, its study's and its themes'
def passage_link(url: str | None, quote: str) -> Markup:
    """A link that opens the original at the quoted passage (a URL text fragment), when it has an address."""
    target = link_to_passage(url, quote) if url else None
    if not target:
        return Markup("")
    return external_link(target, "open the passage ↗", "Open the original at this passage")


def reference_html(marked: str, addresses: list[str], link: tuple[str, str] | None = None,
                   site_url: str = "") -> Markup:
    """A formatted reference as HTML: all its text escaped, then the style's italics as ``<i>``,
    the first of ``addresses`` it prints as a link (one into ``site_url`` does not leave the site),
    and the title linked to ``link`` (href, tooltip) if given."""
    out = str(text(marked))
    for address in addresses:
        escaped = str(text(address))
        if escaped in out:
            own = site_url and address.startswith(site_url)
            anchor = f'<a href="{escape_attribute(address)}" {REL}>{escaped}</a>' if own else external_link(address)
            out = out.replace(escaped, anchor, 1)
            break
    out = out.replace(ITALIC_START, "<i>").replace(ITALIC_END, "</i>")
    if link:
        target, tooltip = link
        start, end = out.find(TITLE_START), out.find(TITLE_END)
        shown = out[start + len(TITLE_START):end] if 0 <= start < end else None
        title = "" if shown == str(text(tooltip)) else f' title="{escape_attribute(tooltip)}"'
        out = out.replace(TITLE_START, f'<a href="{escape_attribute(target)}"{title}>', 1).replace(TITLE_END, "</a>", 1)
    return Markup(out.replace(TITLE_START, "").replace(TITLE_END, ""))


def quote_cell(quote: str, locator: str | None = None, url: str | None = None,
               elision_note: str | None = None) -> Markup:
    """A quote in a list: the words, where in the source, a link that opens the passage, and what was left out."""
    out = str(quoted(quote))
    if locator:
        out += f" ({text(locator)})"
    if url and (deep := passage_link(url, quote)):
        out += f" · {deep}"
    if elision_note:
        out += f"<br><em>Words left out:</em> {text(elision_note)}"
    return Markup(out)


def code(value: str) -> Markup:
    """Record text as inline code."""
    return Markup(f"<code>{html.escape(str(value), quote=False)}</code>")


def filesize(size: int) -> Markup:
    """Bytes for readers: "812 bytes", "12.3 kB", "1.4 MB" (powers of 1,000)."""
    if size < 1000:
        return Markup(f"{size} bytes")
    for unit in ("kB", "MB", "GB"):
        size /= 1000  # type: ignore[assignment]
        if size < 1000 or unit == "GB":
            return Markup(f"{size:.1f} {unit}")
    raise AssertionError


def certainty_badge(level: Certainty) -> Markup:
    slug = level.value.replace(" ", "-")
    return Markup(f'<span class="ev-badge ev-certainty-{slug}" title="Certainty: {level.value}">'
                  f"{level.value}</span>")


def concerns_badge(concerns: Concerns) -> Markup:
    """A GRADE-CERQual judgement for readers: "Moderate concerns"."""
    slug = concerns.name.replace("_", "-")
    return Markup(f'<span class="ev-concerns ev-concerns-{slug}">{concerns.label}</span>')


def visually_hidden(value: str) -> Markup:
    """Text for screen readers only (what a picture or a letter means), escaped like any record text."""
    return Markup(f'<span class="ev-sr">{text(value)}</span>')


def slug(value: str) -> str:
    """A value as ``data-`` attributes and filter forms carry it: ``very low`` → ``very-low``."""
    return value.replace(" ", "-")


def stance_label(stance: Stance) -> Markup:
    return Markup(f'<span class="ev-stance ev-stance-{stance.value}">{stance.value}</span>')


def contested_marker() -> Markup:
    return Markup('<span class="ev-contested" title="Some evidence contradicts this claim">contested</span>')


def qualified_marker() -> Markup:
    return Markup('<span class="ev-qualified" title="Some evidence qualifies this claim: it holds with limits '
                  'or conditions">qualified</span>')


def _source_noun(source_type: SourceType, count: int) -> str:
    """ "1 opinion piece", "2 news reports", "1 source of another kind"."""
    if source_type is SourceType.other:
        return f"{count:,} {'source of another kind' if count == 1 else 'sources of other kinds'}"
    noun = source_type.label.lower()
    return f"{count:,} {noun if count == 1 else noun + 's'}"


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def evidence_count(count: EvidenceCount) -> str:
    """The evidence of one stance as a reader should weigh it, studies first and the rest apart:
    "2 studies", "1 study; also 1 opinion piece without a study", "no study: only 2 news reports"."""
    studies = len(count.studies)
    others = [_source_noun(kind, n) for kind, n in count.without_study.items()]
    if not studies:
        return f"no study: only {_and(others)}" if others else "nothing"
    said = f"{studies:,} {'study' if studies == 1 else 'studies'}"
    return f"{said}; also {_and(others)} without a study" if others else said


def source_type_label(source_type: SourceType) -> str:
    return source_type.label
