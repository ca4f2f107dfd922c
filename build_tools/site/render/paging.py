"""Long lists in pages of a bounded size, so that no page a reader downloads grows with the synthesis.

A list of up to ``size`` items is one page, exactly as it always was: the scaling is invisible until it is
needed. A longer one is split into parts of ``size`` items; part 1 stays at the list's own address and part
*n* lives below it, at an address that depends only on *n* (``claims/pages/2/``, ``themes/autonomy/2/``), so a
link to a part never breaks (what it lists moves on as records are added, as in any paged list).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from build_tools.engine.model import KINDS

T = TypeVar("T")

RECORD_FOLDERS = frozenset(kind.folder for kind in KINDS.values())

LIST_SIZE = 100
"""Rows of a table of records (an index, the summary of findings) on one page: at 10,000 claims, a page of
100 rows is about 60 KB and 2,000 elements, where the whole list was 4 MB and 76,000."""

ENTRIES_SIZE = 40
"""Records shown with their quotes (a theme's claims, a source's or study's quoting records) on one page."""


def part_uri(base_uri: str, number: int) -> str:
    """The docs path of part ``number`` of the list at ``base_uri``: part 1 is the list's own page;
    ``claims/index.md`` → ``claims/pages/2.md``, ``themes/x.md`` → ``themes/x/2.md``."""
    if number == 1:
        return base_uri
    stem = base_uri.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        stem = stem.removesuffix("index") + "pages"
    return f"{stem}/{number}.md"


def part_owner(uri: str) -> str:
    """The list page a part belongs to (itself for a page that is no later part): ``themes/x/2.md`` →
    ``themes/x.md``, ``claims/pages/3.md`` → ``claims/index.md``."""
    folder, _, name = uri.rpartition("/")
    number = name.removesuffix(".md")
    if not (folder and name.endswith(".md") and number.isdigit() and int(number) > 1) or folder in RECORD_FOLDERS:
        return uri  # not a later part; ``claims/2.md`` is the page of a claim whose id is 2
    if folder == "pages" or folder.endswith("/pages"):
        return folder.removesuffix("pages") + "index.md"
    return f"{folder}.md"


@dataclass(frozen=True)
class Part:
    """One page of a list: which items it holds, and where its siblings are."""

    base_uri: str
    number: int
    """From 1."""
    count: int
    """How many parts the list has (1 when it fits on one page)."""
    size: int
    """Items on a full page."""
    total: int
    """Items in the whole list."""

    @property
    def start(self) -> int:
        return (self.number - 1) * self.size

    @property
    def stop(self) -> int:
        return min(self.total, self.number * self.size)

    @property
    def uri(self) -> str:
        return part_uri(self.base_uri, self.number)

    def uri_of(self, number: int) -> str:
        return part_uri(self.base_uri, number)

    def take(self, items: Sequence[T]) -> Sequence[T]:
        return items[self.start:self.stop]

    def window(self, around: int = 2) -> list[int | None]:
        """The page numbers a pager shows: the first, the last, and ``around`` either side of this one, with
        ``None`` for each gap, so that the pager stays short however many parts there are."""
        shown = sorted({1, self.count, *range(max(1, self.number - around), min(self.count, self.number + around) + 1)})
        numbers: list[int | None] = []
        for number in shown:
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers

    def number_of(self, index: int) -> int:
        """The part that holds the item at ``index`` of the whole list."""
        return index // self.size + 1


def parts(base_uri: str, total: int, size: int) -> list[Part]:
    """The parts of a list of ``total`` items at ``base_uri``, ``size`` to a page (one part, however short)."""
    count = max(1, -(-total // size))
    return [Part(base_uri, n, count, size, total) for n in range(1, count + 1)]


def part_title(title: str, part: Part) -> str:
    """A list's title, and which page of it this is when it has several."""
    return title if part.number == 1 else f"{title} (page {part.number} of {part.count})"
