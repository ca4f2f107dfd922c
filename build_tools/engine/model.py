"""What a record is: one pydantic model per kind, the single source of truth.

The JSON Schemas in ``schemas/`` are generated from these models
(``python -m build_tools schema``), and the loader types every YAML file with
them. Field descriptions double as editor tooltips through the schemas.
"""

from __future__ import annotations

import datetime as _dt
import marshal
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
)

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _check_partial_date(value: str | None) -> str | None:
    if value is None:
        return None
    match = _DATE_RE.match(value)
    if not match:
        raise ValueError("a date is written YYYY, YYYY-MM or YYYY-MM-DD, or null when unknown")
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        _dt.date(year, month or 1, day or 1)
    except ValueError as error:
        raise ValueError(f"{value} is not a real date ({error})") from None
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
RecordId = Annotated[
    str,
    StringConstraints(pattern=ID_PATTERN, max_length=100),
    Field(description="Id of another record: lowercase letters, digits and single hyphens."),
]
PartialDate = Annotated[
    str | None,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    AfterValidator(_check_partial_date),
    Field(
        description="ISO date, partial allowed: 2014, 2014-04 or 2014-04-02; null when the text does not say.",
        json_schema_extra={"pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
    ),
]
HttpUrl = Annotated[
    str,
    StringConstraints(pattern=r"^https?://[^\s<>\"]+$", max_length=2000),
    Field(description="An http:// or https:// address."),
]
Doi = Annotated[
    str,
    StringConstraints(pattern=r"^10\.\d{4,9}/\S+$", max_length=300),
    Field(description="A DOI without the https://doi.org/ prefix, e.g. 10.1136/bmj.g2306."),
]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
ArchiveFileName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9._-]*$", max_length=255),
    Field(description="Plain file name inside the archive folder: no folders, no '..'."),
]


class SourceType(StrEnum):
    research_report = "research-report"
    peer_reviewed_article = "peer-reviewed-article"
    abstract = "abstract"
    news_report = "news-report"
    practitioner_article = "practitioner-article"
    opinion_piece = "opinion-piece"
    policy_document = "policy-document"
    other = "other"

    @property
    def label(self) -> str:
        """For readers: "Research report"."""
        return self.value.replace("-", " ").capitalize()


class Certainty(StrEnum):
    high = "high"
    moderate = "moderate"
    low = "low"
    very_low = "very low"


CERTAINTY_ORDER = [Certainty.high, Certainty.moderate, Certainty.low, Certainty.very_low]
"""Most certain first."""


class Concerns(StrEnum):
    """How much one GRADE-CERQual component lowers confidence in a finding."""

    none = "no or very minor"
    minor = "minor"
    moderate = "moderate"
    serious = "serious"

    @property
    def label(self) -> str:
        """For readers: "Moderate concerns"."""
        return f"{self.value.capitalize()} concerns"


CONCERNS_ORDER = [Concerns.none, Concerns.minor, Concerns.moderate, Concerns.serious]
"""Least concern first."""


class Basis(StrEnum):
    """What kind of ground a recommendation stands on."""

    study_findings = "study-findings"
    authors_interpretation = "authors-interpretation"
    expert_opinion = "expert-opinion"

    @property
    def explanation(self) -> str:
        """What the basis means, for readers."""
        return {"study-findings": "It follows from what a study found.",
                "authors-interpretation": "It is the authors' reading of their study, going beyond what their data "
                                          "show.",
                "expert-opinion": "It is the view of an expert or commentator, not drawn from a study."}[self.value]

    @property
    def label(self) -> str:
        return {"study-findings": "Study findings", "authors-interpretation": "The authors' interpretation",
                "expert-opinion": "Expert opinion or commentary"}[self.value]


class OpenIn(StrEnum):
    """Where an open question is open: in the documents synthesised here, or for everyone."""

    these_documents = "these-documents"
    the_field = "the-field"

    @property
    def label(self) -> str:
        return {"these-documents": "Unresolved in these documents",
                "the-field": "Open in the field"}[self.value]

    @property
    def explanation(self) -> str:
        """What it means, for readers."""
        return {"these-documents": "The documents synthesised here disagree on it or do not report it; other work "
                                   "may have answered it.",
                "the-field": "The documents themselves say that nobody knows yet."}[self.value]


OPEN_IN_ORDER = [OpenIn.the_field, OpenIn.these_documents]


class Stance(StrEnum):
    supports = "supports"
    contradicts = "contradicts"
    qualifies = "qualifies"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (for the validation cache, and from worker processes) as its four parts, restored without
        pydantic's generic ``__getstate__``/``__setstate__``: a third faster for ten thousand records."""
        return _restore, (type(self), self.__dict__, _shared(self.__pydantic_fields_set__), self.__pydantic_private__)


_set_attribute = object.__setattr__
_FIELDS_SETS: dict[frozenset[str], set[str]] = {}


def _shared(fields_set: set[str]) -> set[str]:
    """One set for every model that set the same fields: pickle writes it once in a file and refers to it after,
    so unpickling makes no set per model (ten thousand claims hold about 90,000 models; 40 ms). It stays a set, as
    pydantic expects (``model_dump(exclude_unset=True)``); nothing adds to it in place: the models are frozen, and
    ``model_copy`` copies it before adding."""
    key = frozenset(fields_set)
    shared = _FIELDS_SETS.get(key)
    if shared is None:
        shared = _FIELDS_SETS[key] = set(key)
    return shared


def _restore(cls: type[BaseModel], values: dict[str, Any], fields_set: set[str],
             private: dict[str, Any] | None) -> BaseModel:
    model = cls.__new__(cls)
    _set_attribute(model, "__dict__", values)
    _set_attribute(model, "__pydantic_fields_set__", fields_set)
    _set_attribute(model, "__pydantic_extra__", None)
    _set_attribute(model, "__pydantic_private__", private)
    return model


class Archive(_Strict):
    file: ArchiveFileName
    sha256: Sha256 = Field(description="sha256 of the archived file, lowercase hex.")


class Citation(_Strict):
    """A verbatim quote from a source, checked against the archived text."""

    source: RecordId
    quote: Text = Field(
        description="Verbatim words of the source. Mark omissions with … or [...].",
        max_length=2000,
    )
    locator: Text | None = Field(default=None, description="Where in the source: page, section, paragraph.")
    note: Text | None = None
    elision_note: Text | None = Field(
        default=None, max_length=600,
        description="Why the words left out at an elision do not change what the source says: needed when they "
                    "hold a negation (not, no, never...) or a paragraph break. The page shows it beside the quote.")


class Evidence(Citation):
    stance: Stance = Field(description="supports, contradicts or qualifies the claim.")


class Judgement(_Strict):
    """One GRADE-CERQual component of a claim's assessment."""

    concerns: Concerns = Field(description="How much this component lowers confidence in the claim: no or very "
                                           "minor, minor, moderate or serious concerns.")
    explanation: Text = Field(description="One sentence: why, for this claim's evidence.", max_length=600)


class Assessment(_Strict):
    """The GRADE-CERQual assessment of a claim: each component judged, in the order reviews publish them."""

    methodological_limitations: Judgement = Field(
        description="How sound is the way the evidence was produced, and how directly can we see it?")
    coherence: Judgement = Field(description="Do the sources fit together, or does some evidence pull the other way?")
    adequacy: Judgement = Field(description="How rich and how plentiful are the data?")
    relevance: Judgement = Field(description="How well does the evidence match the claim in setting, time and scope?")
    why_overall_differs: Text | None = Field(
        default=None, max_length=1000,
        description="Why the overall certainty is not what these judgements suggest: needed when it is high despite "
                    "moderate or serious concerns, very low with no concern above minor, or above low although no "
                    "study supports the claim.")

    COMPONENTS: ClassVar[dict[str, str]] = {
        "methodological_limitations": "Methodological limitations",
        "coherence": "Coherence",
        "adequacy": "Adequacy of data",
        "relevance": "Relevance",
    }
    """Field name → the component's name for readers."""

    def components(self) -> list[tuple[str, str, Judgement]]:
        """(field name, name for readers, judgement) of each component, in order."""
        return [(name, label, getattr(self, name)) for name, label in self.COMPONENTS.items()]


BASIS_ORDER = [Basis.study_findings, Basis.authors_interpretation, Basis.expert_opinion]
"""Firmest ground first."""


class Record(_Strict):
    """Fields every record has. The id must equal the file name without .yaml."""

    kind: ClassVar[str] = ""
    id: RecordId = Field(description="Equals the file name without .yaml; becomes the URL.")
    aliases: list[RecordId] = Field(
        default_factory=list,
        description="Former ids of this record, after a rename: their old web addresses redirect here. A retired "
                    "id is never used again by another record of this kind.",
    )

    _file: str = PrivateAttr(default="")
    _line: int = PrivateAttr(default=1)
    _column: int = PrivateAttr(default=1)
    # A dict; bytes (marshal) in a record unpickled from the validation cache, decoded when first asked.
    _positions: dict[tuple[str | int, ...], tuple[int, int]] | bytes = PrivateAttr(default_factory=dict)

    @property
    def file(self) -> str:
        return self._file

    @property
    def line(self) -> int:
        return self._line

    @property
    def column(self) -> int:
        return self._column

    def position(self, *path: str | int) -> tuple[int, int]:
        """Line and column of the value at ``path`` in the YAML file (1-based).

        Falls back to the nearest enclosing value that has a position.
        """
        positions = self._positions
        if isinstance(positions, bytes):
            positions = self._positions = marshal.loads(positions)
        while path:
            found = positions.get(path)
            if found:
                return found
            path = path[:-1]
        return self._line, self._column

    @property
    def title_text(self) -> str:
        """The short human name of the record, for links and headings."""
        raise NotImplementedError

    def __reduce__(self) -> tuple[Any, ...]:
        """As any model's, with positions as one marshal blob: unpickling ten thousand records
        then takes half the time, and positions are rarely needed."""
        private = self.__pydantic_private__
        if private is not None and isinstance(private["_positions"], dict):
            private = {**private, "_positions": marshal.dumps(private["_positions"])}
        return _restore, (type(self), self.__dict__, _shared(self.__pydantic_fields_set__), private)


class Source(Record):
    kind: ClassVar[str] = "source"
    title: Text
    authors: list[Text] = Field(description="Authors as the text names them, people as \"Family, Given\" "
                                "(\"Storey, John\"), organisations as named; empty when the text names none.")
    organisations: list[Text] = Field(
        default_factory=list, description="Which of the authors are organisations, as written in authors: their "
                                          "names print as they are, and the check for people written given name "
                                          "first leaves them alone.")
    outlet: Text | None = Field(default=None, description="Journal, magazine, website or series it appeared in.")
    publisher: Text | None = None
    date: PartialDate
    type: SourceType = Field(description="What kind of document this is.")
    url: HttpUrl | None = Field(default=None, description="Where the document can be read: an http:// or "
                                "https:// address (no javascript:, data: or other schemes).")
    doi: Doi | None = Field(default=None, description="A DOI without the https://doi.org/ prefix, "
                            "e.g. 10.1136/bmj.g2306.")
    study: RecordId | None = Field(default=None, description="Id of the study this source reports, if any.")
    archive: Archive
    summary: Text | None = Field(default=None, description="What the document is, in our words.")
    data_period: Text | None = Field(
        default=None, description="The period its data or observations cover, as the text says (e.g. \"the first "
                                  "year of a three-year study; no dates given\"); empty when it reports no data.")

    @property
    def title_text(self) -> str:
        return self.title


class Study(Record):
    kind: ClassVar[str] = "study"
    title: Text
    design: Text = Field(description="e.g. mixed methods: national surveys and case studies.")
    investigators: list[Text] = Field(default_factory=list)
    organisations: list[Text] = Field(default_factory=list)
    funder: Text | None = None
    period: Text | None = Field(default=None, description="When the work was done, as the sources say.")
    sample: Text | None = Field(default=None, description="Who or what was studied, and how many.")
    summary: Text | None = None

    @property
    def title_text(self) -> str:
        return self.title


class Claim(Record):
    kind: ClassVar[str] = "claim"
    key_message: Text | None = Field(
        default=None, max_length=2000,  # its length in words is the project's to set (key_messages: max_words)
        description="The finding in plain words, at most about 25 words, hedged to match its certainty "
                    "(\"probably\" when moderate, \"may\" when low, \"it is uncertain whether\" when very low). "
                    "Links, lists and search show it.")
    statement: Text = Field(description="One sentence, in our own words.", max_length=600)
    themes: list[RecordId] = Field(min_length=1, description="Ids of the themes this claim belongs to.")
    certainty: Certainty = Field(description="Overall confidence in the claim: high, moderate, low or very low.")
    certainty_rationale: Text = Field(description="Why this overall certainty: how the four judgements of the "
                                      "assessment add up.")
    assessment: Assessment = Field(description="The GRADE-CERQual judgement of each component, with why.")
    evidence: list[Evidence] = Field(min_length=1)
    headline: bool = Field(default=False, description="Show it among the headline findings on the home page.")

    @property
    def title_text(self) -> str:
        """The key message, which links and lists show; the statement until one is written."""
        return self.key_message or self.statement


class Theme(Record):
    kind: ClassVar[str] = "theme"
    title: Text
    summary: Text = Field(description="Narrative summary in our own words; blank lines separate paragraphs.")

    @property
    def title_text(self) -> str:
        return self.title


class Recommendation(Record):
    kind: ClassVar[str] = "recommendation"
    statement: Text = Field(description="What is recommended, in our words.", max_length=600)
    made_by: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]] = Field(
        min_length=1, description="Who makes it: each organisation or person, as the source names them (never a "
                                  "document's title).")
    basis: Basis = Field(description="What it stands on: study-findings, authors-interpretation (the authors' "
                                     "reading beyond their data) or expert-opinion (opinion or commentary).")
    made_in: list[Citation] = Field(
        min_length=1, description="Where it is made: the sources, each with the words that make it."
    )
    rationale: Text
    claims: list[RecordId] = Field(min_length=1, description="Ids of the claims it rests on.")
    audience: list[Text] = Field(min_length=1, description="Who should act on it.")

    @property
    def title_text(self) -> str:
        return self.statement


class Question(Record):
    kind: ClassVar[str] = "question"
    question: Text = Field(max_length=600)
    open_in: OpenIn | None = Field(
        default=None, description="these-documents (the documents here disagree or do not report it; other work may "
                                  "have answered it) or the-field (the documents say nobody knows yet).")
    why_open: Text
    claims: list[RecordId] = Field(min_length=1, description="Ids of the claims it bears on.")
    would_settle: Text = Field(description="What evidence would settle it.")
    raised_by: list[Citation] = Field(default_factory=list, description="Sources that raise it, with their words.")

    @property
    def title_text(self) -> str:
        return self.question


@dataclass(frozen=True)
class Kind:
    """A kind of record: its model and the folder under evidence/ it lives in."""

    name: str
    folder: str
    model: type[Record]
    plural: str


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("source", "sources", Source, "sources"),
        Kind("study", "studies", Study, "studies"),
        Kind("claim", "claims", Claim, "claims"),
        Kind("theme", "themes", Theme, "themes"),
        Kind("recommendation", "recommendations", Recommendation, "recommendations"),
        Kind("question", "questions", Question, "open questions"),
    )
}
KIND_BY_FOLDER: dict[str, Kind] = {k.folder: k for k in KINDS.values()}

AnyRecord = Source | Study | Claim | Theme | Recommendation | Question
