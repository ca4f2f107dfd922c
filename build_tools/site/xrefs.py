"""``[](kind:id)`` links in hand-written Markdown pages, resolved to the record's page.

Two steps, like any cross-reference resolver: the graph knows every record; each
link becomes a relative Markdown link (MkDocs, or any engine, makes it a URL), and
each link to an unknown or renamed record becomes an error naming file and line.
"""

from __future__ import annotations

import difflib
import re

from build_tools.engine.graph import Graph
from build_tools.engine.model import KINDS
from build_tools.site.render import escape_inline, page_uri, relative

_KIND = "|".join(KINDS)
XREF = re.compile(r"(?P<code>`+[^`]*`+)|\[(?P<text>[^\]]*)\]\((?P<kind>" + _KIND + r"):(?P<id>[^)\s#]*)"
                  r"(?P<anchor>#[^)\s]*)?(?P<title>\s+\"[^\"]*\")?\)")
"""``[text](kind:id)``, ``[text](kind:id#anchor)``, ``[text](kind:id "tooltip")``; code spans are matched to be
left alone."""
_RECORD_LINK = re.compile(r"`+[^`]*`+|\]\(\s*(?:" + _KIND + r"):")
"""Every link to a record, well formed or not (and code spans, to be skipped)."""
_FENCE = re.compile(r"^\s*(```|~~~)")


def resolve_xrefs(markdown: str, graph: Graph, src_uri: str, shown: str) -> tuple[str, list[str]]:
    """The page with every ``[text](kind:id)`` made a link to the record's page (its title when ``text``
    is empty; an ``#anchor`` and a ``"tooltip"`` kept), and the errors: ``shown:line: what is wrong``.
    ``src_uri`` is the page's path in the docs tree; code spans and fenced code blocks are left alone."""
    errors: list[str] = []
    out, in_fence = [], False
    for number, line in enumerate(markdown.split("\n"), start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
        if in_fence or "](" not in line:
            out.append(line)
            continue
        found = 0

        def replace(match: re.Match[str], number: int = number) -> str:
            nonlocal found
            if match.group("code"):
                return match.group(0)
            found += 1
            kind, record_id, text = match.group("kind"), match.group("id"), match.group("text")
            record = graph.get(kind, record_id)
            renamed = graph.renamed(kind, record_id) if record is None else None
            if renamed is not None:
                errors.append(f"{shown}:{number}: {kind} '{record_id}' was renamed to '{renamed.id}': "
                              f"write [{text}]({kind}:{renamed.id})")
                return match.group(0)
            if record is None:
                close = difflib.get_close_matches(record_id, graph.by_kind(kind), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                errors.append(f"{shown}:{number}: unknown {kind} '{record_id}'{hint}")
                return match.group(0)
            label = text or escape_inline(record.title_text)
            target = relative(src_uri, page_uri(kind, record_id)) + (match.group("anchor") or "")
            return f"[{label}]({target}{match.group('title') or ''})"

        out.append(XREF.sub(replace, line))
        if sum(1 for link in _RECORD_LINK.finditer(line) if not link.group(0).startswith("`")) > found:
            errors.append(f"{shown}:{number}: a link to a record is malformed: write [text](kind:id), "
                          '[text](kind:id#anchor) or [text](kind:id "tooltip")')
    return "\n".join(out), errors
