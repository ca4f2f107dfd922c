"""Verbatim quotes: normalising text and finding a quote in an archived source.

Matching forgives what typography changes and nothing else: curly versus
straight quotes, dash variants, white space and line breaks, Unicode normal
form. It stays case-sensitive. A quote with elisions (``…``, ``...``,
``[...]``, ``[…]``) matches when its parts occur in order within one passage
(:data:`MAX_GAP` characters between consecutive parts). Square brackets that
are not elisions are taken literally: they must be in the source.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote as quote_url

MAX_GAP = 600
"""Most characters an elision may skip between two parts of one quote."""
MAX_ARCHIVE_BYTES = 20_000_000
"""Largest archived text read: a document's text is far smaller; a larger file is something else."""
WHOLE_TEXT_SEARCH = 1_000_000
"""Up to this many characters, the nearest passage to a missing quote is looked for in the whole text; in a longer
one, only around the places where the quote's longest words occur (the whole search grows with the text)."""

_TYPOGRAPHY = dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\uff07`", "'")
_TYPOGRAPHY.update(dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02", '"'))
_TYPOGRAPHY.update(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"))
_TYPOGRAPHY.update(dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", ""))
# Looking for each typographic character with `in` and replacing the ones present is
# faster than one regular expression with a replacement function (a quarter of the time
# on 100 archived texts, half on quotes), and far faster than str.translate.
_TYPOGRAPHY_ITEMS = tuple(_TYPOGRAPHY.items())
_ELISION = re.compile(r"\s*(?:\[\s*(?:\.\s*){3}\]|\[\s*\u2026\s*\]|\u2026|\.\.\.)\s*")


def normalise(text: str) -> str:
    """The comparable form of a text: NFKC, straight quotes, hyphens, single spaces.

    NFKC also turns the ellipsis character into three dots, so ``…`` and
    ``...`` compare equal.
    """
    if not text.isascii() or "`" in text:  # ASCII is its own NFKC, and ` the only typography in it
        text = unicodedata.normalize("NFKC", text)
        for character, replacement in _TYPOGRAPHY_ITEMS:
            if character in text:
                text = text.replace(character, replacement)
    return " ".join(text.split())  # str.split() and re's \s agree on what white space is


def elision_parts(quote: str) -> list[str]:
    """The parts of a quote between its elision marks, as written (not normalised), empties dropped."""
    return [part for part in _ELISION.split(quote) if part.strip()]


def split_elisions(quote: str) -> list[str]:
    """The parts of a quote between its elision marks, normalised, empties dropped."""
    return [part for part in (normalise(p) for p in _ELISION.split(quote)) if part]


class Match(NamedTuple):
    """Where a quote was found in a normalised text (a tuple: validation makes one per quote)."""

    found: bool
    start: int = -1
    end: int = -1
    gaps: tuple[tuple[int, int], ...] = ()
    """The spans of the text its elisions leave out, start and end."""


NEGATION = re.compile(r"(?<!\w)(?:not|no|never|nor|neither|none|nothing|nobody|nowhere|cannot|without)(?!\w)|n't(?!\w)",
                      re.IGNORECASE)
"""Words whose omission can turn a passage into its opposite ("are … entirely free" from "are not entirely free")."""


def elision_problem(match: Match, normalised_source: str, paragraph_starts: tuple[int, ...] = ()) -> str:
    """What an elision of a found quote leaves out that can change its meaning: a negation, or a paragraph break
    (the parts then come from different passages); "" when neither."""
    for start, end in match.gaps:
        omitted = normalised_source[start:end]
        negation = NEGATION.search(omitted)
        if negation:
            return f"the words it leaves out include \"{negation.group()}\" (\"…{omitted.strip()[:80]}…\")"
        if any(start < paragraph <= end for paragraph in paragraph_starts):
            return "its parts come from different paragraphs of the source"
    return ""


def find_quote(quote: str, normalised_source: str) -> Match:
    """Where ``quote`` occurs in an already normalised source text.

    The whole quote is tried literally first, because sources contain
    ellipses of their own; then its parts, in order, within one passage.
    Every part is matched as whole words.
    """
    whole = normalise(quote)
    start = _find_words(normalised_source, whole, 0, len(normalised_source)) if whole else -1
    if start >= 0:
        return Match(True, start, start + len(whole))
    parts = split_elisions(quote)
    if not parts or parts == [whole]:  # no elision: the whole quote was the only way to find it
        return Match(False)
    # Each place the longest part occurs is tried, the parts before it looked for backwards and those after it
    # forwards, each within MAX_GAP: the longest part is the rarest, so few places are tried even when another
    # part is a common word. A quote may open or close with an elision ("… to emergency care"): one part.
    anchor = max(range(len(parts)), key=lambda index: len(parts[index]))
    text, longest = normalised_source, parts[anchor]
    found = _find_words(text, longest, 0, len(text))
    while found >= 0:
        before = _match_before(parts[:anchor], text, found)
        after = _match_rest(parts[anchor + 1:], text, found + len(longest)) if before is not None else None
        if before is not None and after is not None:
            spans = [*before, (found, found + len(longest)), *after]
            gaps = tuple((left[1], right[0]) for left, right in itertools.pairwise(spans))
            return Match(True, spans[0][0], spans[-1][1], gaps)
        found = _find_words(text, longest, found + 1, len(text))
    return Match(False)


def _find_words(text: str, part: str, start: int, end: int) -> int:
    """Where ``part`` occurs in ``text[start:end]`` as whole words: a quote "likely to change" is not in
    "unlikely to change", nor "change" in "changed", nor "20" in "2020". A letter next to a digit is a boundary:
    texts taken from print glue footnote numbers to words ("commissioning2")."""
    found = text.find(part, start, end)
    while found >= 0:
        if _whole_words_at(text, part, found):
            return found
        found = text.find(part, found + 1, end)
    return -1


def _whole_words_at(text: str, part: str, found: int) -> bool:
    """Whether ``part``, found at ``found`` in ``text``, begins and ends at word boundaries there."""
    before = text[found - 1] if found > 0 else " "
    after = text[found + len(part)] if found + len(part) < len(text) else " "
    return not (_same_word(before, part[0]) or _same_word(part[-1], after))


def _same_word(left: str, right: str) -> bool:
    """Whether two characters side by side belong to one word: two letters, or two digits."""
    return (left.isalpha() and right.isalpha()) or (left.isdigit() and right.isdigit())


def _match_before(parts: list[str], text: str, position: int) -> list[tuple[int, int]] | None:
    """Where ``parts`` are when each ends at most MAX_GAP characters before the next (the last before
    ``position``), each the nearest such occurrence, in order; None when one is missing."""
    spans: list[tuple[int, int]] = []
    for part in reversed(parts):
        low = max(0, position - MAX_GAP - len(part) - 2)
        found = _rfind_words(text, part, low, position)
        if found < 0:
            return None
        spans.append((found, found + len(part)))
        position = found
    return spans[::-1]


def _rfind_words(text: str, part: str, start: int, end: int) -> int:
    """The last place ``part`` occurs in ``text[start:end]`` as whole words, or -1."""
    found = text.rfind(part, start, end)
    while found >= 0:
        if _whole_words_at(text, part, found):
            return found
        found = text.rfind(part, start, found + len(part) - 1) if found > start else -1
    return -1


def _match_rest(parts: list[str], text: str, position: int) -> list[tuple[int, int]] | None:
    """Where ``parts`` are when each starts at most MAX_GAP characters after the one before (the first after
    ``position``); None when one is missing."""
    spans: list[tuple[int, int]] = []
    for part in parts:
        found = _find_words(text, part, position, position + MAX_GAP + len(part) + 2)
        if found < 0:
            return None
        spans.append((found, found + len(part)))
        position = found + len(part)
    return spans


def nearest_passage(quote: str, normalised_source: str, margin: int = 24) -> str:
    """The passage of the source that looks most like the quote, for a hint.

    Anchored on the longest run the quote shares with the source, widened by
    ``margin`` characters and cut at word boundaries.
    """
    parts = split_elisions(quote) or [normalise(quote)]
    target = max(parts, key=len)[:1000]
    if not target or not normalised_source:
        return ""
    if len(normalised_source) <= WHOLE_TEXT_SEARCH:
        matcher = difflib.SequenceMatcher(None, normalised_source, target, autojunk=False)
        block = matcher.find_longest_match(0, len(normalised_source), 0, len(target))
    else:
        block, normalised_source = _nearest_in_windows(target, normalised_source)
    if block.size < min(4, len(target)):
        return ""
    start = max(0, block.a - block.b - margin)
    end = min(len(normalised_source), block.a + len(target) - block.b + margin)
    if start > 0:
        start = normalised_source.find(" ", start, block.a) + 1 or start
    if end < len(normalised_source):
        end = normalised_source.rfind(" ", block.a + block.size, end) if " " in normalised_source[
            block.a + block.size:end] else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(normalised_source) else ""
    return f"{prefix}{normalised_source[start:end].strip()}{suffix}"


def _nearest_in_windows(target: str, text: str) -> tuple[difflib.Match, str]:
    """The longest match of ``target`` in windows of a long ``text`` around the first place each of the target's
    five longest words occurs, and the window it is in: bounded time whatever the text's length."""
    best, best_window = difflib.Match(0, 0, 0), ""
    for word in sorted(set(target.split()), key=len, reverse=True)[:5]:
        place = text.find(word)
        if place < 0:
            continue
        window = text[max(0, place - 2 * len(target) - 200):place + 2 * len(target) + 200]
        block = difflib.SequenceMatcher(None, window, target, autojunk=False).find_longest_match(
            0, len(window), 0, len(target))
        if block.size > best.size:
            best, best_window = block, window
    return best, best_window


FRAGMENT_WORDS = 5
"""Words of a quote a text fragment names at each end: short enough to survive small differences."""
_EDGE = "\"'“”‘’«»„‚.,;:!?()[]…\u2013\u2014- "


def text_fragment(quote: str) -> str:
    """A URL text fragment (``#:~:text=…``, WICG scroll-to-text) that finds the quote in its source.

    A short quote is named whole; a long one, or one with elisions, by its first and last
    words (``textStart,textEnd``). Quotation marks and punctuation at the edges are left out,
    since the page may print them differently. Empty when nothing is left to look for.
    """
    parts = [" ".join(p.split()).strip(_EDGE) for p in _ELISION.split(quote)]
    parts = [p for p in parts if p]
    if not parts:
        return ""
    first, last = parts[0].split(), parts[-1].split()
    if len(parts) == 1 and len(first) <= 2 * FRAGMENT_WORDS:
        directive = _fragment_text(parts[0])
    else:
        start = " ".join(first[:FRAGMENT_WORDS]).rstrip(_EDGE)
        end = " ".join(last[-FRAGMENT_WORDS:]).lstrip(_EDGE)
        directive = f"{_fragment_text(start)},{_fragment_text(end)}" if start and end else _fragment_text(
            start or end)
    return f":~:text={directive}"


def _fragment_text(text: str) -> str:
    """Percent-encoded for a text directive: also ``-``, ``,`` and ``&``, which are its syntax."""
    return quote_url(text, safe="").replace("-", "%2D")


def link_to_passage(url: str, quote: str) -> str | None:
    """The source's address with a text fragment for the quote, or None when there is nothing to find."""
    fragment = text_fragment(quote)
    if not fragment:
        return None
    return f"{url}{fragment}" if "#" in url else f"{url}#{fragment}"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ArchivedText:
    """One archived source text, read once: its hash, and its normalised form when a quote needs it."""

    path: Path
    sha256: str
    text: str

    @cached_property
    def normalised(self) -> str:
        return normalise(self.text)

    @cached_property
    def paragraph_starts(self) -> tuple[int, ...]:
        """Where each paragraph but the first starts in :attr:`normalised`. Paragraphs are separated by blank
        lines; in a text with none, by a line break after the end of a sentence (a line broken mid-sentence, as
        text taken from print often is, goes on with the same paragraph)."""
        separator = r"\n\s*\n" if re.search(r"\n\s*\n", self.text) else r"(?<=[.!?:;\"”’)])[ \t]*\n"
        starts, position = [], 0
        for paragraph in (normalise(p) for p in re.split(separator, self.text)):
            if paragraph:
                if position:
                    starts.append(position + 1)
                position += len(paragraph) + (1 if position else 0)
        return tuple(starts) if position == len(self.normalised) else ()  # () if the two ever disagree


_SEPARATORS = tuple(separator for separator in (os.sep, os.altsep) if separator)


class ArchiveError(Exception):
    """Raised by :meth:`Archive.read`; the validator turns it into a finding."""


class Archive:
    """A folder of archived source texts, each read and normalised at most once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._root = folder.resolve()
        self._cache: dict[str, ArchivedText] = {}
        self._located: dict[str, Path] = {}

    def locate(self, file_name: str) -> Path:
        """The real path of an archived text, which must be a file directly inside the folder."""
        located = self._located.get(file_name)
        if located is None:
            located = self._located[file_name] = self._resolve(file_name)
        return located

    def _resolve(self, file_name: str) -> Path:
        # A plain name that is not a symbolic link is its own real path inside the (resolved) folder;
        # Path.resolve, which looks at every folder of the path, is left for the rest.
        candidate = self._root / file_name
        if file_name not in ("", ".", "..") and not any(s in file_name for s in _SEPARATORS) \
                and not candidate.is_symlink():
            return candidate
        try:
            resolved = (self.folder / file_name).resolve()
        except (OSError, RuntimeError):  # a loop of symbolic links
            raise ArchiveError(f"archive file '{file_name}' is a symbolic link that leads nowhere (a loop)") from None
        if Path(file_name).is_absolute() or resolved.parent != self._root:
            raise ArchiveError(f"archive file '{file_name}' is outside the archive folder")
        return resolved

    def read(self, file_name: str, keep: bool = True) -> ArchivedText:
        """The archived text, kept for the next call unless ``keep`` is false (a caller that reads each
        text once leaves its memory free for the next text)."""
        cached = self._cache.get(file_name)
        if cached is not None:
            return cached
        path = self.folder / file_name
        resolved = self.locate(file_name)
        try:
            status = os.stat(resolved)  # never open a FIFO or a device: reading one waits for ever
            if not stat.S_ISREG(status.st_mode):
                raise ArchiveError(f"archive file '{file_name}' is not a plain file (a folder, pipe or device): an "
                                   "archived text is a file of text")
            if status.st_size > MAX_ARCHIVE_BYTES:
                raise ArchiveError(f"archive file '{file_name}' is {status.st_size:,} bytes; an archived text is at "
                                   f"most {MAX_ARCHIVE_BYTES:,}: check that it is the document's text")
            data = resolved.read_bytes()
        except FileNotFoundError:
            raise ArchiveError(f"archive file '{file_name}' is not in {self.folder}") from None
        except OSError as exc:
            raise ArchiveError(f"cannot read archive file '{file_name}': {exc.strerror}") from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ArchiveError(f"archive file '{file_name}' is not UTF-8 text") from None
        archived = ArchivedText(path, sha256_of(data), text)
        if keep:
            self._cache[file_name] = archived
        return archived
