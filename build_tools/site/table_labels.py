"""Every table cell knows its column's name, so that on a phone each row can be read as a card.

A Python-Markdown extension (``markdown_extensions: [build_tools.site.table_labels]`` in mkdocs.yml), so it
serves every engine that renders with Python-Markdown, and every table: the generated pages' (the renderer calls
:func:`label_cells` itself) and the hand-written ones'. Each body cell of a table with a header row gets
``data-label="<its column's header>"``; a row's header cell, the card's title, needs none. Below a phone's width
the theme's CSS stacks the rows and shows each label before its cell, so no table scrolls sideways. Cells that
already carry a label keep theirs.
"""

from __future__ import annotations

import html
import re

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor

_TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.S)
_HEAD = re.compile(r"<thead\b[^>]*>(.*?)</thead>", re.S)
_BODY = re.compile(r"(<tbody\b[^>]*>)(.*?)(</tbody>)", re.S)
_ROW = re.compile(r"(<tr\b[^>]*>)(.*?)(</tr>)", re.S)
_CELL = re.compile(r"<(td|th)\b([^>]*)>(.*?)</\1>", re.S)
_SPAN = re.compile(r"""\bcolspan\s*=\s*["']?(\d+)""")
_TAGS = re.compile(r"<[^>]+>")
_HIDDEN = re.compile(r'<span class="ev-sr">.*?</span>', re.S)


def label_cells(page: str) -> str:
    """The page with ``data-label`` on the body cells of every table that has a header row."""
    return _TABLE.sub(_label_table, page) if "<table" in page else page


def _label_table(match: re.Match[str]) -> str:
    table = match.group(0)
    head = _HEAD.search(table)
    if head is None:
        return table
    labels: list[str] = []
    for cell in _CELL.finditer(head.group(1)):
        name = " ".join(html.unescape(_TAGS.sub(" ", _HIDDEN.sub("", cell.group(3)))).split())
        labels += [name] * _span(cell.group(2))
    return _BODY.sub(lambda body: body.group(1) + _ROW.sub(lambda row: _label_row(row, labels), body.group(2))
                     + body.group(3), table)


def _label_row(row: re.Match[str], labels: list[str]) -> str:
    column = 0
    cells = []
    last = 0
    inner = row.group(2)
    for cell in _CELL.finditer(inner):
        tag, attributes, content = cell.groups()
        span = _span(attributes)
        # A row's header cell titles its card: it needs no label.
        label = labels[column] if tag == "td" and span == 1 and column < len(labels) else ""
        if label and "data-label" not in attributes:
            attributes += f' data-label="{html.escape(label, quote=True)}"'
        cells.append(inner[last:cell.start()] + f"<{tag}{attributes}>{content}</{tag}>")
        last = cell.end()
        column += span
    return row.group(1) + "".join(cells) + inner[last:] + row.group(3)


def _span(attributes: str) -> int:
    found = _SPAN.search(attributes)
    return max(1, int(found.group(1))) if found else 1


class _LabelCells(Postprocessor):
    def run(self, text: str) -> str:
        return label_cells(text)


class TableLabelsExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After raw HTML is put back (priority 30), so that the generated pages' tables are labelled too.
        md.postprocessors.register(_LabelCells(md), "evidence_table_labels", 5)


def makeExtension(**kwargs: object) -> TableLabelsExtension:
    return TableLabelsExtension(**kwargs)
