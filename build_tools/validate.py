"""Validate: cross-record checks over the graph. Returns findings; never raises for bad input."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from .findings import Finding, Severity, error, sort_key, strict, warning
from .graph import Graph, build_graph
from .load import EvidenceBase, load_evidence
from .model import Certainty, Record, SourceType, Stance
from .quotes import Archive, ArchiveError, find_quote, nearest_passage


@dataclass
class Report:
    """The outcome of a validation run."""

    base: EvidenceBase
    graph: Graph
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.error]

    @property
    def ok(self) -> bool:
        return not self.errors


def run(evidence: Path | str, archive: Path | str | None = None, *, strict_mode: bool = False) -> Report:
    """Load, index and check an evidence folder: the whole of ``validate``."""
    base = load_evidence(evidence)
    graph = build_graph(base)
    findings = base.findings + check(base, graph, Archive(Path(archive)) if archive else None)
    if strict_mode:
        findings = strict(findings)
    return Report(base, graph, sorted(findings, key=sort_key))


def check(base: EvidenceBase, graph: Graph, archive: Archive | None) -> list[Finding]:
    return [
        *_check_references(base, graph),
        *_check_quotes(graph, archive),
        *_check_coverage(graph),
        *_check_certainty(graph),
    ]


def _at(record: Record, *loc: str | int) -> tuple[str, int, int]:
    line, column = record.position(*loc)
    return record.file, line, column


def _check_references(base: EvidenceBase, graph: Graph) -> list[Finding]:
    findings = []
    for ref in graph.unresolved:
        if ref.target in base.known_ids[ref.kind]:
            continue  # the file exists but failed to load; that failure is already reported
        close = difflib.get_close_matches(ref.target, base.known_ids[ref.kind], n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else (
            f"no {ref.kind} has this id: check the spelling, or create it with "
            f"`python -m build_tools new {ref.kind} {ref.target}`")
        findings.append(error("unresolved-reference", f"{ref.kind} '{ref.target}' does not exist",
                              *_at(ref.record, *ref.loc), hint=hint))
    return findings


def _check_quotes(graph: Graph, archive: Archive | None) -> list[Finding]:
    if archive is None:
        count = sum(len(uses) for uses in graph.quotes_by_source.values())
        return [warning("quotes-unverified", f"no source archive given: {count} quotes were not checked",
                        hint="pass --archive DIR or set EVIDENCE_ARCHIVE to the folder of archived source texts")]
    if not archive.folder.is_dir():
        return [error("archive-missing", f"archive folder {archive.folder} does not exist",
                      hint="pass --archive DIR or set EVIDENCE_ARCHIVE to the folder of archived source texts")]
    findings = []
    for source in graph.sources.values():
        try:
            text = archive.read(source.archive.file)
        except ArchiveError as exc:
            findings.append(error("archive-file", str(exc), *_at(source, "archive", "file"),
                                  hint="check archive.file: a plain file name inside the archive folder"))
            continue
        if text.sha256 != source.archive.sha256:
            findings.append(error(
                "archive-hash", f"sha256 of {source.archive.file} is {text.sha256}, not the recorded one",
                *_at(source, "archive", "sha256"),
                hint="the archived text changed: if the new copy is right, record its sha256 and re-check "
                     "every quote of this source; otherwise restore the original file"))
        for use in graph.quotes_by_source.get(source.id, ()):
            if find_quote(use.citation.quote, text.normalised).found:
                continue
            near = nearest_passage(use.citation.quote, text.normalised)
            hint = "copy the words exactly from the source; mark omitted words with … or [...]"
            if near:
                hint += f"\nnearest passage in the source: \"{near}\""
            findings.append(error("quote-not-found", f"quote not found in source '{source.id}' "
                                  f"({source.archive.file})", *_at(use.record, *use.loc, "quote"), hint=hint))
    return findings


def _check_coverage(graph: Graph) -> list[Finding]:
    findings = []
    for theme in graph.themes.values():
        if not graph.claims_by_theme.get(theme.id):
            findings.append(warning("theme-without-claims", f"theme '{theme.id}' has no claims", *_at(theme, "id"),
                                    hint="add the theme's id to the themes: of its claims, or remove the theme"))
    cited = {e.source for claim in graph.claims.values() for e in claim.evidence}
    for source in graph.sources.values():
        if source.id not in cited:
            findings.append(warning("source-not-cited", f"no claim cites source '{source.id}'", *_at(source, "id"),
                                    hint="quote it in the evidence of a claim, or remove the source"))
    for study in graph.studies.values():
        if not graph.reports_by_study.get(study.id):
            findings.append(warning("study-without-reports", f"no source reports study '{study.id}'",
                                    *_at(study, "id"), hint=f"set `study: {study.id}` on the sources that report it"))
    for claim in graph.claims.values():
        if not any(e.stance is Stance.supports for e in claim.evidence):
            findings.append(warning("claim-without-support", f"claim '{claim.id}' has no supporting evidence",
                                    *_at(claim, "evidence"),
                                    hint="a claim states what the evidence supports: add a quote with "
                                         "`stance: supports`, or restate the claim"))
    return findings


def _check_certainty(graph: Graph) -> list[Finding]:
    findings = []
    for claim in graph.claims.values():
        if claim.certainty is not Certainty.high:
            continue
        studies = graph.independent_studies(claim)
        supporting = [graph.sources[e.source] for e in claim.evidence
                      if e.stance is Stance.supports and e.source in graph.sources]
        if supporting and all(s.type is SourceType.opinion_piece for s in supporting):
            findings.append(warning("high-certainty-opinion", f"claim '{claim.id}' is rated high but its support "
                                    "comes only from opinion pieces", *_at(claim, "certainty"),
                                    hint="opinion is argument, not evidence of fact: rate it low or very low"))
        elif len(studies) == 1:
            findings.append(warning("high-certainty-one-study", f"claim '{claim.id}' is rated high but its support "
                                    "comes from one study only (reports of one study count once)",
                                    *_at(claim, "certainty"),
                                    hint="high needs corroboration by independent studies: rate it moderate, or "
                                         "add evidence from another study"))
    return findings

