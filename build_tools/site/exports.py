"""Downloads: the evidence base as data files, pure functions of the graph.

- ``evidence.json``: every record of the six kinds with its page address, valid against
  ``evidence.schema.json``, which is generated from the record model (:func:`evidence_schema`);
- ``claims.csv``: one row per piece of evidence of a claim;
- ``sources.bib``, ``sources.ris``, ``sources.json`` (CSL-JSON): the sources, for reference managers.

Archived source texts are never exported: records name their archived copy, nothing more.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from build_tools.engine.graph import Graph
from build_tools.engine.history import History
from build_tools.engine.model import KINDS, Assessment, Claim, SourceType, Stance
from build_tools.site.citations import Citations, source_csl, source_ris, write_ris
from build_tools.site.info import SiteInfo, Version

SCHEMA_NAME = "evidence.schema.json"


@dataclass(frozen=True)
class Download:
    """One file of the Downloads page."""

    name: str
    title: str
    description: str
    content: str | bytes
    """Text (written as UTF-8), or bytes for a binary file (the brief's PDF)."""

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def data(self) -> bytes:
        """The file's bytes, as written."""
        return self.content.encode("utf-8") if isinstance(self.content, str) else self.content


# --- evidence.json -----------------------------------------------------------

_PAGE = (str, Field(description="Address of the record's page on the site (relative to the site when its "
                                "address was not configured)."))
_UPDATED = (str | None, Field(description="When the record last changed in the evidence base's git history "
                                         "(YYYY-MM-DD); null when the history does not tell."))


class StanceCount(BaseModel):
    """The evidence of one stance on a claim, counted as a reader should weigh it."""

    studies: list[str] = Field(description="Ids of the distinct studies behind it: two reports of one study are "
                                           "one study.")
    sources_without_study: dict[SourceType, int] = Field(
        description="Sources that report no study (an opinion piece, a news report of none), counted apart, "
                    "by type.")


class VersionEntry(BaseModel):
    """Which version of the synthesis the file was made from, to cite or compare it."""

    commit: str | None = Field(description="The git commit the file was built from (the full hash); null when it is "
                                           "not known (no git repository).")
    uncommitted_changes: bool | None = Field(
        description="True when the working tree had changes not yet committed, so that the file matches no commit "
                    "exactly; null when not known.")
    built: str | None = Field(description="The build date (YYYY-MM-DD, UTC; from SOURCE_DATE_EPOCH when set).")


_COUNTS = (dict[Stance, StanceCount], Field(description="What stands behind each stance of the claim's evidence: "
                                                      "studies, and apart from them sources of no study."))
_ENTRY_MODELS = {
    kind.name: create_model(f"{kind.model.__name__}Entry", __base__=kind.model, page=_PAGE,  # type: ignore
                            last_updated=_UPDATED, **({"evidence_counts": _COUNTS} if kind.name == "claim" else {}))
    for kind in KINDS.values()
}


def _export_model() -> type[BaseModel]:
    fields: dict[str, Any] = {
        "name": (str, Field(description="The synthesis's name (site_name).")),
        "url": (str | None, Field(description="Where the synthesis is published (site_url), if configured.")),
        "version": (VersionEntry, Field(description="The commit and build date of this version of the synthesis.")),
    }
    for kind in KINDS.values():
        fields[kind.folder] = (list[_ENTRY_MODELS[kind.name]], Field(description=f"Every {kind.name} record."))
    return create_model("EvidenceExport", __config__=ConfigDict(extra="forbid"), **fields)  # type: ignore


def evidence_schema() -> dict[str, Any]:
    """The JSON Schema of evidence.json, from the record model."""
    schema = _export_model().model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema,
            "title": "Evidence base export (evidence.json)"}


def evidence_document(graph: Graph, info: SiteInfo, citations: Citations | None = None) -> dict[str, Any]:
    """Every record, by kind, sorted by id, with its fields, its page's address and its last update."""
    citations = citations or Citations(graph, info)
    version = Version.of(citations.history or History.unavailable("no history was given"), info)
    document: dict[str, Any] = {"name": info.name, "url": info.url or None, "version": {
        "commit": version.commit, "uncommitted_changes": version.dirty,
        "built": version.built.isoformat() if version.built else None}}
    for kind in KINDS.values():
        records = graph.by_kind(kind.name)
        document[kind.folder] = []
        for record_id in sorted(records):
            record = records[record_id]
            updated = citations.updated(record)
            entry = {**record.model_dump(mode="json"), "page": info.permalink(kind.name, record_id),
                     "last_updated": updated.isoformat() if updated else None}
            if isinstance(record, Claim):
                entry["evidence_counts"] = _counts(graph, record)
            document[kind.folder].append(entry)
    return document


def _counts(graph: Graph, claim: Claim) -> dict[str, Any]:
    counts = {}
    for stance in Stance:
        count = graph.evidence_count(claim, stance)
        if count:
            counts[stance.value] = {"studies": count.studies,
                                    "sources_without_study": {k.value: n for k, n in count.without_study.items()}}
    return counts


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


# --- claims.csv ----------------------------------------------------------------

CSV_COLUMNS = [
    "claim_id", "claim_key_message", "claim_statement", "certainty",
    *(f"{name}_concerns" for name in Assessment.COMPONENTS),
    "stance", "quote", "locator", "note",
    "source_id", "source_title", "source_type", "study_id", "study_title", "claim_url",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Spreadsheets run a cell starting with one of these as a formula (OWASP, "CSV injection")."""


def csv_cell(text: str | None) -> str:
    """Text for a spreadsheet: a cell that would start a formula gets a leading apostrophe."""
    text = text or ""
    return "'" + text if text.startswith(FORMULA_START) else text


def claims_rows(graph: Graph, info: SiteInfo) -> list[dict[str, str]]:
    rows = []
    for claim_id in sorted(graph.claims):
        claim: Claim = graph.claims[claim_id]
        judgements = {f"{name}_concerns": judgement.concerns.value
                      for name, _, judgement in claim.assessment.components()}
        for evidence in claim.evidence:
            source = graph.sources.get(evidence.source)
            study = graph.studies.get(source.study) if source and source.study else None
            rows.append({
                "claim_id": claim.id, "claim_key_message": claim.key_message or "",
                "claim_statement": claim.statement, "certainty": claim.certainty.value, **judgements,
                "stance": evidence.stance.value, "quote": evidence.quote, "locator": evidence.locator or "",
                "note": evidence.note or "", "source_id": evidence.source,
                "source_title": source.title if source else "", "source_type": source.type.value if source else "",
                "study_id": study.id if study else "", "study_title": study.title if study else "",
                "claim_url": info.permalink("claim", claim.id),
            })
    return rows


def claims_csv(graph: Graph, info: SiteInfo) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in claims_rows(graph, info))
    return out.getvalue()


# --- all of them ---------------------------------------------------------------

def build_exports(graph: Graph, info: SiteInfo, citations: Citations | None = None) -> list[Download]:
    """Every download, computed once from the graph."""
    citations = citations or Citations(graph, info)
    sources = [graph.sources[k] for k in sorted(graph.sources)]
    return [
        Download("evidence.json", "The whole evidence base",
                 "Every source, study, claim, theme, recommendation and open question, with all their fields, "
                 "the address of their page and the date they last changed, as JSON, with the commit and date "
                 "of the build.",
                 _json(evidence_document(graph, info, citations))),
        Download(SCHEMA_NAME, "JSON Schema of evidence.json",
                 "The structure of evidence.json, generated from the record model (JSON Schema 2020-12).",
                 _json(evidence_schema())),
        Download("claims.csv", "Claims and their evidence",
                 "One row per piece of evidence of a claim: claim (key message and statement), certainty and "
                 "the concerns judged for each GRADE-CERQual component, stance, quote, locator, source, study and "
                 "the claim's address. UTF-8, comma-separated.", claims_csv(graph, info)),
        Download("sources.bib", "Sources as BibTeX",
                 "Every source as a BibTeX entry keyed by its id, for LaTeX, Zotero, JabRef and others.",
                 "\n".join(citations.bibtex(s) for s in sources)),
        Download("sources.ris", "Sources as RIS",
                 "Every source as a RIS record, for EndNote, Zotero, Mendeley and others.",
                 write_ris([source_ris(s) for s in sources])),
        Download("sources.json", "Sources as CSL-JSON",
                 "Every source as CSL-JSON, the input of citeproc, Pandoc and Zotero's citation engine.",
                 _json([source_csl(s) for s in sources])),
    ]
