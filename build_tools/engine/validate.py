"""Validate: cross-record checks over the graph. Returns findings; never raises for bad input."""

from __future__ import annotations

import contextlib
import difflib
import functools
import gc
import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from build_tools.engine import workers
from build_tools.engine.cache import FileKey, ValidationCache
from build_tools.engine.findings import Finding, Severity, error, sort_key, strict, warning
from build_tools.engine.graph import Graph, QuoteUse, build_graph, references
from build_tools.engine.history import History
from build_tools.engine.load import EvidenceBase, load_evidence
from build_tools.engine.method import KeyMessageRules, Method, QuoteRules
from build_tools.engine.model import (
    CONCERNS_ORDER,
    KIND_BY_FOLDER,
    KINDS,
    Basis,
    Certainty,
    Claim,
    Concerns,
    Record,
    Source,
    Stance,
)
from build_tools.engine.quotes import (
    Archive,
    ArchiveError,
    elision_parts,
    elision_problem,
    find_quote,
    nearest_passage,
)


@dataclass
class Report:
    """The outcome of a validation run."""

    base: EvidenceBase
    graph: Graph
    findings: list[Finding] = field(default_factory=list)
    scope: Scope | None = None
    notes: list[str] = field(default_factory=list)
    """What the run could not do that does not change its result (a cache it could not write)."""

    @property
    def summary(self) -> str:
        records = sum(len(by_id) for by_id in self.base.records.values())
        if self.scope is None:
            return f"checked all {records} records"
        return (f"checked {self.scope.changed_records} changed file(s) and the {self.scope.related_records} "
                f"record(s) linked to them, of {records} records")

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.error]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Scope:
    """The record files one validation reports on: the changed ones and the records linked to them.

    "Linked" goes both ways: records that refer to a changed record (its quotes, its
    claims) and records it refers to (a theme it may have left without claims).
    """

    files: frozenset[str]  # real paths
    changed_records: int
    related_records: int

    @classmethod
    def of(cls, base: EvidenceBase, changed: Iterable[Path | str]) -> Scope:
        root = base.root.resolve()
        changed_files: set[str] = set()
        changed_ids: set[tuple[str, str]] = set()
        for path in map(Path, changed):
            try:
                parts = path.resolve().relative_to(root).parts
            except ValueError:
                continue  # not a record file: nothing of the base depends on it
            changed_files.add(os.path.realpath(path))
            kind = KIND_BY_FOLDER.get(parts[0]) if len(parts) > 1 else None
            if kind is not None:
                changed_ids.add((kind.name, path.stem))  # also for deleted files: their referrers must know
        related: set[str] = set()
        for record in base.all_records():
            real = os.path.realpath(record.file)
            is_changed = real in changed_files
            # A record's aliases link it to the records that hold (or once held) those ids.
            links = [*((ref.kind, ref.target) for ref in references(record)),
                     *((record.kind, alias) for alias in record.aliases)]
            for kind_name, target_id in links:
                if is_changed:
                    target = base.files.get(f"{kind_name}:{target_id}")
                    if target is not None:
                        related.add(os.path.realpath(target))
                elif (kind_name, target_id) in changed_ids:
                    related.add(real)
        related -= changed_files
        return cls(frozenset(changed_files | related), len(changed_files), len(related))

    def covers(self, finding: Finding) -> bool:
        return not finding.file or os.path.realpath(finding.file) in self.files

    def has(self, record: Record) -> bool:
        return os.path.realpath(record.file) in self.files


def run(evidence: Path | str, archive: Path | str | None = None, *, strict_mode: bool = False,
        changed: Iterable[Path | str] | None = None, history: History | None = None,
        cache: Path | str | None = None, method: Method | None = None) -> Report:
    """Load, index and check an evidence folder: the whole of ``validate``.

    With ``changed`` (record files a pull request touched, deleted ones included),
    only those records and the records linked to them are checked and reported on:
    every file is still loaded, so references resolve, but only their quotes are verified.
    With ``history`` (:func:`history.read_history`), records renamed in git without
    an alias for their old id are reported too.

    With ``cache`` (a folder), records of unchanged files and quotes already found
    in an unchanged archived text are taken from the last run (:mod:`.cache`).

    ``method`` holds the project's rules for key messages and quotes (:mod:`.method`), the defaults if not given.
    """
    with _collector_paused(), workers.Pool() as pool:  # workers forked while loading serve the quotes too
        validation_cache = ValidationCache.open(cache) if cache is not None else None
        base = load_evidence(evidence, validation_cache, pool)
        graph = build_graph(base)
        scope = Scope.of(base, changed) if changed is not None else None
        archived = Archive(Path(archive)) if archive else None
        findings = base.findings + check(base, graph, archived, scope, history, validation_cache, pool,
                                         method)
        pool.release()  # the workers exit while the cache is saved
        notes = []
        if validation_cache is not None:
            note = validation_cache.save(every_quote_checked=scope is None and archived is not None)
            notes += [note] if note else []
    if scope is not None:
        findings = [f for f in findings if scope.covers(f)]
    if strict_mode:
        findings = strict(findings)
    return Report(base, graph, sorted(findings, key=sort_key), scope, notes)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the records are built.

    Loading creates hundreds of thousands of objects that all stay alive; each
    automatic collection re-scans them all, which made loading 10,000 claims
    40% slower. Records hold no reference cycles, so nothing is left to collect.
    Afterwards they are frozen (``gc.freeze``): the collector leaves them alone
    for the rest of the process (the first collection alone would take 0.1 s
    at 10,000 claims, and the build after it would pay again), while reference
    counting still frees them when they are no longer used. Freezing also keeps
    whatever garbage with cycles is waiting at that moment, so it is done only
    in a process with no other threads, such as ``validate`` or ``mkdocs build``:
    ``mkdocs serve`` (which has threads) builds again and again, and would keep
    each build's garbage for good.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if threading.active_count() == 1:
            gc.freeze()
        if was_enabled:
            gc.enable()


def check(base: EvidenceBase, graph: Graph, archive: Archive | None, scope: Scope | None = None,
          history: History | None = None, cache: ValidationCache | None = None,
          pool: workers.Pool | None = None, method: Method | None = None) -> list[Finding]:
    method = method or Method()
    return [
        *_check_references(base, graph),
        *_check_aliases(base, graph),
        *_check_renames(base, graph, history),
        *_check_quotes(graph, archive, scope, cache, pool),
        *_check_coverage(graph),
        *_check_certainty(graph),
        *_check_key_messages(graph, method.key_messages),
        *_check_quote_wording(graph, method.quotes),
        *_check_recommendations(graph),
        *_check_author_names(graph),
    ]


def _at(record: Record, *loc: str | int) -> tuple[str, int, int]:
    line, column = record.position(*loc)
    return record.file, line, column


def _check_references(base: EvidenceBase, graph: Graph) -> list[Finding]:
    findings = []
    for ref in graph.unresolved:
        if ref.target in base.known_ids[ref.kind]:
            continue  # the file exists but failed to load; that failure is already reported
        renamed = graph.renamed(ref.kind, ref.target)
        if renamed is not None:
            findings.append(error(
                "renamed-reference", f"{ref.kind} '{ref.target}' was renamed to '{renamed.id}'",
                *_at(ref.record, *ref.loc),
                hint=f"write '{renamed.id}': a former id only keeps old web addresses working"))
            continue
        close = difflib.get_close_matches(ref.target, base.known_ids[ref.kind], n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else (
            f"no {ref.kind} has this id: check the spelling, or create it with "
            f"`python -m build_tools new {ref.kind} {ref.target}`")
        findings.append(error("unresolved-reference", f"{ref.kind} '{ref.target}' does not exist",
                              *_at(ref.record, *ref.loc), hint=hint))
    return findings


RESERVED_IDS = {"index": "is the site's list of {plural}",
                "pages": "holds the later pages of the site's list of {plural}"}
"""Ids that would be the address of a page the site itself has: ``claims/index`` is the list of claims, and
``claims/pages/2`` its second page (build_tools/site/render/paging.py)."""


def _check_aliases(base: EvidenceBase, graph: Graph) -> list[Finding]:
    """Former ids: never the record's own id, never a live id, never claimed twice; no id or former id that is
    the address of one of the site's own pages."""
    findings = []
    claimed: dict[tuple[str, str], tuple[Record, int]] = {}
    for record in base.all_records():
        kind = record.kind
        if record.id in RESERVED_IDS:
            findings.append(error("reserved-id", f"'{record.id}' cannot be the id of a {kind}: "
                                  f"{KINDS[kind].folder}/{record.id}/ "
                                  + RESERVED_IDS[record.id].format(plural=KINDS[kind].plural),
                                  *_at(record, "id"), hint="choose another id, and rename the file to match it"))
        for index, alias in enumerate(record.aliases):
            where = _at(record, "aliases", index)
            if alias in RESERVED_IDS:
                findings.append(error("reserved-id", f"alias '{alias}' would send readers of the site's list of "
                                      f"{KINDS[kind].plural} ({KINDS[kind].folder}/{alias}/) to {kind} "
                                      f"'{record.id}'", *where,
                                      hint=f"'{alias}' was never an id this {kind} could have: remove it"))
                continue
            if alias == record.id:
                findings.append(error("alias-is-own-id", f"alias '{alias}' is this {kind}'s own id", *where,
                                      hint=f"aliases lists former ids only: remove '{alias}'"))
                continue
            if alias in base.known_ids[kind]:
                live = graph.get(kind, alias)
                findings.append(error(
                    "retired-id-reused",
                    f"{kind} id '{alias}' is retired: {kind} '{record.id}' was renamed from it and lists it in "
                    f"aliases ({':'.join(map(str, where))})",
                    *(_at(live, "id") if live is not None else where),
                    hint=f"give this {kind} another id (rename its file and its id), so that old links to "
                         f"'{alias}' keep leading to '{record.id}'; if '{record.id}' never had this id, remove "
                         f"'{alias}' from its aliases"))
                continue
            first = claimed.setdefault((kind, alias), (record, index))
            if first != (record, index):
                other, other_index = first
                findings.append(error(
                    "duplicate-alias", f"alias '{alias}' is already listed by {kind} '{other.id}' "
                    f"({':'.join(map(str, _at(other, 'aliases', other_index)))})", *where,
                    hint="an old address can lead to one record only: keep the alias on the record that "
                         "replaced the old one, and remove it here"))
    return findings


def _check_renames(base: EvidenceBase, graph: Graph, history: History | None) -> list[Finding]:
    """Records renamed in git whose old id is neither live nor an alias: their old page would lead nowhere."""
    if history is None or not history.available:
        return []
    findings = []
    for (kind, record_id), life in history.records.items():
        record = graph.get(kind, record_id) or graph.renamed(kind, record_id)
        if record is None:
            continue  # removed since, or renamed again and not committed yet without an alias
        for rename in life.renames:
            old = rename.old_id
            if old in base.known_ids[kind] or graph.renamed(kind, old) is not None:
                continue
            findings.append(warning(
                "missing-alias", f"{kind} '{record.id}' was renamed from '{old}' (commit {rename.sha[:7]}, "
                f"{rename.date.isoformat()}), but '{old}' is not among its aliases: its old web address leads "
                "nowhere", *_at(record, "id"),
                hint=(f"add '{old}' to its aliases" if record.aliases else f"add `aliases: [{old}]`")
                + " so that old links redirect here"))
    return findings


def _check_quotes(graph: Graph, archive: Archive | None, scope: Scope | None,
                  cache: ValidationCache | None = None, pool: workers.Pool | None = None) -> list[Finding]:
    """Every quote in scope looked for in its source's archived text.

    A text whose file is unchanged since an earlier run, all of whose quotes that
    run found, is not read again; of a text unchanged since, only the quotes that
    run did not find are looked for. Many quotes are looked for in the workers of
    ``pool`` (:func:`_search_texts`).
    """
    if archive is None:
        count = sum(len(uses) for uses in graph.quotes_by_source.values())
        return [warning("quotes-unverified", f"no source archive given: {count} quotes were not checked",
                        hint="pass --archive DIR or set EVIDENCE_ARCHIVE to the folder of archived source texts")]
    if not archive.folder.is_dir():
        return [error("archive-missing", f"archive folder {archive.folder} does not exist",
                      hint="pass --archive DIR or set EVIDENCE_ARCHIVE to the folder of archived source texts")]
    memo = cache if cache is not None else ValidationCache(None)
    findings: list[Finding] = []
    searching: list[tuple[Source, list[QuoteUse], FileKey | None]] = []
    searches: list[_Search] = []
    for source in graph.sources.values():
        uses = graph.quotes_by_source.get(source.id, [])
        if scope is not None:
            if not (scope.has(source) or any(scope.has(use.record) for use in uses)):
                continue
            uses = [use for use in uses if scope.has(use.record)]
        try:
            path = str(archive.locate(source.archive.file))
        except ArchiveError as exc:
            findings.append(_archive_file_error(source, exc, archive.folder))
            continue
        key = ValidationCache.key(path, path)
        sha256 = memo.text_hash(key)
        quotes = [use.citation.quote for use in uses]
        wanted = quotes if sha256 is None else memo.unverified_quotes(sha256, quotes)
        if sha256 is not None and not wanted:  # unchanged since a run that found every one of these quotes
            findings += _verified(source, uses, key, sha256, [None] * len(uses), memo)
            continue
        searching.append((source, uses, key))
        searches.append(_Search(source.archive.file, wanted, quotes))
    if sum(len(search.wanted) for search in searches) >= PARALLEL_MIN_QUOTES:
        with contextlib.nullcontext(pool) if pool is not None else workers.Pool() as searchers:
            tasks = [(archive, part) for part in workers.share(searches)]
            searched = [one for part in searchers.map(_search_texts, tasks) for one in part]
    else:
        searched = _search_texts((archive, searches))
    for (source, uses, key), result in zip(searching, searched, strict=True):
        if isinstance(result, ArchiveError):
            findings.append(_archive_file_error(source, result, archive.folder))
        else:
            findings += _verified(source, uses, key, *result, memo)
    return findings


PARALLEL_MIN_QUOTES = 2000
"""Fewer quotes to search than this are searched in this process: workers would cost more than they save."""


class _Search(NamedTuple):
    """What to look for in one archived text: ``wanted`` of its ``quotes`` (the others were found before)."""

    file_name: str
    wanted: list[str]
    quotes: list[str]


class Elided(NamedTuple):
    """A quote found in its source only by leaving out words that can change its meaning."""

    problem: str


Outcome = str | Elided | None
"""Of one quote's search: None when found (or not searched: found before), an :class:`Elided`, or the nearest
passage of the text when not found ("" when nothing is near)."""


def _search_texts(task: tuple[Archive, list[_Search]]) -> list[tuple[str, list[Outcome]] | ArchiveError]:
    """For each search: the text's sha256 and the :data:`Outcome` of each of its quotes; or the error that kept the
    text from being read.

    Knows nothing of records, so that it can run in a worker process with only what its task holds.
    """
    archive, searches = task
    results: list[tuple[str, list[Outcome]] | ArchiveError] = []
    for search in searches:
        try:
            text = archive.read(search.file_name, keep=False)
        except ArchiveError as exc:
            results.append(exc)
            continue
        normalised = text.normalised
        outcomes: dict[str, Outcome] = {}
        for quote in search.wanted:
            match = find_quote(quote, normalised)
            if not match.found:
                outcomes[quote] = nearest_passage(quote, normalised)
            elif match.gaps:
                problem = elision_problem(match, normalised, text.paragraph_starts)
                if problem:
                    outcomes[quote] = Elided(problem)
        results.append((text.sha256, [outcomes.get(quote) for quote in search.quotes]))
    return results


def _verified(source: Source, uses: list[QuoteUse], key: FileKey | None, sha256: str,
              nearest: list[Outcome], memo: ValidationCache) -> list[Finding]:
    """The findings on one source's quotes, given its text's hash and what was not found; found quotes and
    the text's hash are kept in ``memo``."""
    memo.add_text_hash(key, sha256)
    findings = []
    if sha256 != source.archive.sha256:
        findings.append(error(
            "archive-hash", f"sha256 of {source.archive.file} is {sha256}, not the recorded one",
            *_at(source, "archive", "sha256"),
            hint="the archived text changed: if the new copy is right, record its sha256 and re-check "
                 "every quote of this source; otherwise restore the original file"))
    memo.add_verified_quotes(sha256, [use.citation.quote for use, near in zip(uses, nearest, strict=True)
                                      if near is None])
    for use, near in zip(uses, nearest, strict=True):
        if near is None:
            continue
        if isinstance(near, Elided):
            if use.citation.elision_note is None:
                findings.append(error(
                    "elision-changes-meaning", f"the quote is in source '{source.id}' only by an elision that may "
                    f"change what it says: {near.problem}", *_at(use.record, *use.loc, "quote"),
                    hint="quote the passage without the elision, split it into two quotes, or, if the meaning is "
                         "kept, say why in `elision_note:` beside the quote (the page shows it)"))
            continue
        hint = "copy the words exactly from the source; mark omitted words with … or [...]"
        if near:
            hint += f"\nnearest passage in the source: \"{near}\""
        findings.append(error("quote-not-found", f"quote not found in source '{source.id}' "
                              f"({source.archive.file})", *_at(use.record, *use.loc, "quote"), hint=hint))
    return findings


def _archive_file_error(source: Source, exc: ArchiveError, folder: Path) -> Finding:
    return error("archive-file", str(exc), *_at(source, "archive", "file"),
                 hint=f"check archive.file: a plain file name inside the archive folder, which was {folder} "
                      "(--archive DIR or EVIDENCE_ARCHIVE choose another)")


def _check_coverage(graph: Graph) -> list[Finding]:
    findings = []
    for theme in graph.themes.values():
        if not graph.claims_by_theme.get(theme.id):
            findings.append(warning("theme-without-claims", f"theme '{theme.id}' has no claims", *_at(theme, "id"),
                                    hint="add the theme's id to the themes: of its claims, or remove the theme"))
    for source in graph.sources.values():
        if not any(isinstance(use.record, Claim) for use in graph.quotes_by_source.get(source.id, ())):
            findings.append(warning("source-not-cited", f"no claim cites source '{source.id}'", *_at(source, "id"),
                                    hint="quote it in the evidence of a claim, or remove the source"))
    for study in graph.studies.values():
        if not graph.reports_by_study.get(study.id):
            findings.append(warning("study-without-reports", f"no source reports study '{study.id}'",
                                    *_at(study, "id"), hint=f"set `study: {study.id}` on the sources that report it"))
    for claim in graph.claims.values():
        for evidence in claim.evidence:
            if evidence.stance is Stance.supports:
                break
        else:
            findings.append(warning("claim-without-support", f"claim '{claim.id}' has no supporting evidence",
                                    *_at(claim, "evidence"),
                                    hint="a claim states what the evidence supports: add a quote with "
                                         "`stance: supports`, or restate the claim"))
    return findings


def _check_certainty(graph: Graph) -> list[Finding]:
    """The overall certainty against the four judgements of the assessment and the studies behind the claim.

    GRADE-CERQual starts from high confidence and lowers it for concerns; an overall level that departs from
    what the judgements suggest needs ``assessment.why_overall_differs`` to say why. Where a field is written
    (``_at``) is looked up only for a finding: decoding the positions of every claim would double the time.
    """
    findings = []
    for claim in graph.claims.values():
        judgements = [judgement for _, _, judgement in claim.assessment.components()]
        worst = max((j.concerns for j in judgements), key=CONCERNS_ORDER.index)
        explained = claim.assessment.why_overall_differs is not None
        certainty = claim.certainty
        why = "or say why under assessment.why_overall_differs"
        if certainty is Certainty.high and CONCERNS_ORDER.index(worst) >= CONCERNS_ORDER.index(Concerns.moderate):
            if not explained:
                findings.append(warning(
                    "certainty-above-concerns", f"claim '{claim.id}' is rated high despite {worst.label.lower()} "
                    f"about {_components_with(claim, worst)}", *_at(claim, "certainty"),
                    hint=f"lower the certainty to match the concerns, {why}"))
        elif certainty is not Certainty.high and worst is Concerns.none and not explained:
            findings.append(warning(
                "certainty-below-concerns", f"claim '{claim.id}' is rated {certainty.value}, but the assessment "
                "has no concern about any component", *_at(claim, "certainty"),
                hint=f"judge the component(s) that lower it as minor, moderate or serious concerns, {why}"))
        elif certainty is Certainty.very_low and worst is Concerns.minor and not explained:
            findings.append(warning(
                "certainty-below-concerns", f"claim '{claim.id}' is rated very low, but no concern in its "
                "assessment is above minor", *_at(claim, "certainty"),
                hint=f"very low needs moderate or serious concerns: raise the certainty, judge the concerns "
                     f"again, {why}"))
        if graph.is_contested(claim) and claim.assessment.coherence.concerns is Concerns.none:
            findings.append(warning(
                "contested-but-coherent", f"some evidence contradicts claim '{claim.id}', yet its coherence is "
                "judged as no or very minor concerns", *_at(claim, "assessment", "coherence", "concerns"),
                hint="evidence that points the other way is a concern about coherence: judge it minor, moderate or "
                     "serious, and say in its explanation how the sources disagree"))
        if certainty is not Certainty.high and certainty is not Certainty.moderate:
            continue  # the rules below are about claims rated high or moderate
        studies = graph.independent_studies(claim)
        if not studies and not explained:
            findings.append(warning(
                "certainty-without-study", f"claim '{claim.id}' is rated {certainty.value}, but no study supports "
                "it: its supporting sources report no study", *_at(claim, "certainty"),
                hint=f"an opinion piece, or a news report without a study, is weak evidence of fact: rate it low or "
                     f"very low, add evidence from a study, {why}"))
        elif certainty is Certainty.high and len(studies) == 1:
            findings.append(warning("high-certainty-one-study", f"claim '{claim.id}' is rated high but its support "
                                    "comes from one study only (reports of one study count once)",
                                    *_at(claim, "certainty"),
                                    hint="high needs corroboration by independent studies: rate it moderate, or "
                                         "add evidence from another study"))
    return findings


def _components_with(claim: Claim, level: Concerns) -> str:
    return " and ".join(label.lower() for _, label, judgement in claim.assessment.components()
                        if judgement.concerns is level)


_WORD = re.compile(r"[^\W_]+")


_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


def _odd_characters(quote: str) -> tuple[str | None, str | None]:
    """The quote's first invisible character (a format character: zero-width spaces and joiners, direction marks
    and overrides, soft hyphens, BOMs), and its first compatibility form of a letter or digit. Only its characters
    beyond ASCII are looked at: most quotes have a few typographic ones, if any."""
    invisible = odd = None
    for character in _NOT_ASCII.findall(quote):
        if invisible is None and unicodedata.category(character) == "Cf":
            invisible = character
        elif odd is None and character.isalnum() and unicodedata.normalize("NFKC", character) != character:
            odd = character
    return invisible, odd


def part_word_counts(quote: str, at_most: int) -> list[int]:
    """How many words each part of the quote between elisions has, counting no further than ``at_most``.

    Every quote is checked at every run, cached or not (27,000 at 10,000 claims): a part with enough words is
    matched at C speed up to the last word needed, and only a shorter one is counted.
    """
    enough = _enough_words(at_most)
    elided = "\u2026" in quote or "..." in quote or "[" in quote  # every elision mark holds one of them
    return [at_most if enough.match(part) else len(_WORD.findall(part))
            for part in (elision_parts(quote) if elided else [quote] if quote.strip() else [])]


@functools.lru_cache(maxsize=8)
def _enough_words(count: int) -> re.Pattern[str]:
    return re.compile(rf"(?:[\W_]*[^\W_]+(?![^\W_])){{{count}}}")  # whole words, as _WORD finds them


def _check_quote_wording(graph: Graph, rules: QuoteRules) -> list[Finding]:
    """Every quote says something (words, enough of them in each part) and holds no character that the page would
    show differently from what the check compares: invisible ones, or compatibility forms of letters."""
    findings = []
    for uses in graph.quotes_by_source.values():
        for use in uses:
            quote = use.citation.quote
            parts = part_word_counts(quote, rules.min_words)
            if not any(parts):
                findings.append(error("nothing-quoted", "the quote holds no words: only punctuation or elision marks",
                                      *_at(use.record, *use.loc, "quote"),
                                      hint="quote the words of the source that carry the point"))
                continue
            short = [count for count in parts if count < rules.min_words]
            if short:
                findings.append(error(
                    "quote-too-short", f"a part of this quote has {min(short)} word{'s' if min(short) != 1 else ''}; "
                    f"each part between elisions needs at least {rules.min_words}",
                    *_at(use.record, *use.loc, "quote"),
                    hint="quote enough of the source to show what it says: a word or two occur almost anywhere "
                         "(the minimum is set by `quotes: min_words:` in mkdocs.yml)"))
            if quote.isascii():
                continue
            character, odd = _odd_characters(quote)
            if character is not None:
                findings.append(error(
                    "invisible-character", f"the quote holds an invisible character, U+{ord(character):04X} "
                    f"{unicodedata.name(character, 'FORMAT CHARACTER')}", *_at(use.record, *use.loc, "quote"),
                    hint="delete it: the check ignores it, but the page would print it (it can hide or reverse "
                         "text); copy the words again from the source as plain text"))
                continue
            if odd is not None:
                findings.append(error(
                    "compatibility-character", f"the quote holds '{odd}' (U+{ord(odd):04X} "
                    f"{unicodedata.name(odd, 'CHARACTER')}), a compatibility form of "
                    f"'{unicodedata.normalize('NFKC', odd)}'", *_at(use.record, *use.loc, "quote"),
                    hint=f"write '{unicodedata.normalize('NFKC', odd)}': the check compares the plain form, so the "
                         "page should print it too"))
    return findings


def _check_key_messages(graph: Graph, rules: KeyMessageRules) -> list[Finding]:
    """Every claim has a key message, short, and hedged as its certainty asks."""
    findings = []
    for claim in graph.claims.values():
        message = claim.key_message
        if message is None:
            findings.append(warning(
                "missing-key-message", f"claim '{claim.id}' has no key message", *_at(claim, "id"),
                hint=f"add `key_message:` the finding in plain words, at most {rules.max_words} words; lists, links "
                     "and search show it"))
            continue
        words = rules.words(message)
        if words > rules.max_words:
            findings.append(warning(
                "key-message-too-long", f"the key message of claim '{claim.id}' has {words} words; the limit is "
                f"{rules.max_words}", *_at(claim, "key_message"),
                hint="keep the finding and its hedge; the statement, shown on the claim's page, holds the detail"))
        if rules.hedge_used(message, claim.certainty) is None:
            phrases = rules.hedges[claim.certainty]
            findings.append(warning(
                "key-message-unhedged", f"the key message of claim '{claim.id}' does not say how certain it is: "
                f"the claim is rated {claim.certainty.value}, and the message uses none of "
                + ", ".join(f'"{p}"' for p in phrases), *_at(claim, "key_message"),
                hint=_HEDGE_EXAMPLES.get(claim.certainty, "") + " (the phrases of each level are set under "
                     "`key_messages: hedges:` in mkdocs.yml)"))
    return findings


_HEDGE_EXAMPLES = {
    Certainty.moderate: 'word it as moderate certainty reads: "GPs probably ..."',
    Certainty.low: 'word it as low certainty reads: "GPs may ..."',
    Certainty.very_low: 'word it as very low certainty reads: "It is uncertain whether GPs ..."',
}


def _folded(value: str) -> str:
    """A name or title as compared: case, quotation marks around it, final punctuation and spacing aside."""
    return " ".join(value.casefold().replace("’", "'").split()).strip("\"'“”‘ .,;:")


def _check_recommendations(graph: Graph) -> list[Finding]:
    """Who makes a recommendation is named once each, and is someone, not a document; a basis of study
    findings is made in a source that reports a study."""
    findings = []
    titles = {_folded(source.title): source for source in graph.sources.values()}
    for recommendation in graph.recommendations.values():
        seen: dict[str, int] = {}
        for index, maker in enumerate(recommendation.made_by):
            folded = _folded(maker)
            if folded in seen:
                findings.append(error(
                    "duplicate-maker", f"'{maker}' is named twice in made_by (also entry {seen[folded] + 1})",
                    *_at(recommendation, "made_by", index),
                    hint="name each organisation or person once: remove this entry"))
                continue
            seen[folded] = index
            source = titles.get(folded)
            if source is not None:
                findings.append(warning(
                    "maker-is-title", f"made_by names the document '{source.title}', not who makes the "
                    "recommendation", *_at(recommendation, "made_by", index),
                    hint="name the organisation or person that makes it, as the source names them (its authors, or "
                         "the body whose report it is); the document goes under made_in. If an organisation's name "
                         "is the same as the document's title, keep it and say so in the pull request"))
        if recommendation.basis is Basis.study_findings:
            cited = [graph.sources[c.source] for c in recommendation.made_in if c.source in graph.sources]
            if cited and not any(source.study in graph.studies for source in cited):
                findings.append(warning(
                    "basis-without-study", f"recommendation '{recommendation.id}' has a basis of study findings, but "
                    "none of the sources it is made in reports a study", *_at(recommendation, "basis"),
                    hint="choose authors-interpretation or expert-opinion, or quote where a study's report makes it"))
    return findings


_NAME_WORD = re.compile(r"^[A-Z][a-z\u00c0-\u024f]*(?:[’'-][A-Z]?[a-z\u00c0-\u024f]*)*\.?$")
"""A capitalised word of a name: "Storey", "J.", "O’Neill", "Jean-Luc"."""
_ORGANISATION_WORDS = frozenset((
    "trust", "fund", "university", "college", "institute", "nhs", "group", "council", "department", "agency",
    "association", "society", "foundation", "office", "board", "commission", "centre", "center", "service",
    "services", "ltd", "inc", "committee", "network", "partnership", "academy", "school", "unit", "team",
    "collaboration", "hospital", "health", "royal", "clinic", "clinical", "ministry", "government", "press",
    "news", "times", "journal",
))


def looks_like_given_family(name: str) -> bool:
    """ "John Storey" or "J. Storey": two to four capitalised words and no comma, none of them one that names an
    organisation ("The King's Fund", "NHS England" are left alone)."""
    words = name.split()
    return ("," not in name and 2 <= len(words) <= 4 and all(_NAME_WORD.match(word) for word in words)
            and not any(word.lower().strip(".’'") in _ORGANISATION_WORDS for word in words))


def _check_author_names(graph: Graph) -> list[Finding]:
    """People are written "Family, Given", so that references print "Storey, J." in every style; a name that
    looks like "Given Family" would print whole, family name last."""
    findings = []
    for source in graph.sources.values():
        for index, name in enumerate(source.authors):
            if name not in source.organisations and looks_like_given_family(name):
                *given, family = name.split()
                findings.append(warning(
                    "author-name-order", f"author '{name}' looks like a person's name written given name first",
                    *_at(source, "authors", index),
                    hint=f"write people as 'Family, Given' ('{family}, {' '.join(given)}'), so that references "
                         f"print the family name first; if it is an organisation, list it under organisations: "
                         f"[\"{name}\"]"))
    return findings
