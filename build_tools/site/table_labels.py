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

_ATTRIBUTES = r"""((?:[^>"']|"[^"]*"|'[^']*')*)"""
"""A tag's attributes, quoted values and all (a quoted value may hold ">")."""
_TABLE = re.compile(r"<table\b" + _ATTRIBUTES + r">.*?</table>", re.S | re.I)
_HEAD = re.compile(r"<thead\b" + _ATTRIBUTES + r">(.*?)</thead>", re.S | re.I)
_BODY = re.compile(r"(<tbody\b" + _ATTRIBUTES + r">)(.*?)(</tbody>)", re.S | re.I)
_ROW = re.compile(r"(<tr\b" + _ATTRIBUTES + r">)(.*?)(</tr>)", re.S | re.I)
_CELL = re.compile(r"<(td|th)\b" + _ATTRIBUTES + r">(.*?)</\1>", re.S | re.I)
_SPAN = re.compile(r"""(?<![\w-])colspan\s*=\s*["']?(\d+)""", re.I)
_LEFT_ALONE = re.compile(r"""(?<![\w-])rowspan\s*=|<table\b""", re.I)
"""A cell spanning rows shifts the columns of the rows below, and a table inside a table ends the match early:
such tables keep their cells as they are."""
_TAGS = re.compile(r"<[^>]+>")
_HIDDEN = re.compile(r'<span class="ev-sr">.*?</span>', re.S)


def label_cells(page: str) -> str:
    """The page with ``data-label`` on the body cells of every table that has a header row."""
    return _TABLE.sub(_label_table, page) if "<table" in page else page


def _label_table(match: re.Match[str]) -> str:
    table = match.group(0)
    head = _HEAD.search(table)
    if head is None or _LEFT_ALONE.search(table, 6):
        return table
    labels: list[str] = []
    for cell in _CELL.finditer(head.group(2)):
        name = " ".join(html.unescape(_TAGS.sub(" ", _HIDDEN.sub("", cell.group(3)))).split())
        labels += [name] * _span(cell.group(2))
    return _BODY.sub(lambda body: body.group(1) + _ROW.sub(lambda row: _label_row(row, labels), body.group(3))
                     + body.group(4), table)


def _label_row(row: re.Match[str], labels: list[str]) -> str:
    column = 0
    cells = []
    last = 0
    inner = row.group(3)
    for cell in _CELL.finditer(inner):
        tag, attributes, content = cell.groups()
        span = _span(attributes)
        # A row's header cell titles its card: it needs no label.
        label = labels[column] if tag.lower() == "td" and span == 1 and column < len(labels) else ""
        if label and "data-label" not in attributes:
            attributes += f' data-label="{html.escape(label, quote=True)}"'
        cells.append(inner[last:cell.start()] + f"<{tag}{attributes}>{content}</{tag}>")
        last = cell.end()
        column += span
    return row.group(1) + "".join(cells) + inner[last:] + row.group(4)


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
