"""The evidence diff: what changed between two revisions of the records, as evidence rather than lines.

A pure function of two :class:`~build_tools.engine.revisions.Snapshot` values (and, optionally, the renames git
saw): records added, removed or renamed (a record whose former id is in the new record's ``aliases`` was renamed,
or merged into it; a rename git saw without an alias is paired too, and says so); for a record on both sides,
its certainty and each GRADE-CERQual component's concerns from → to, its headline texts (key message,
statement, title, question) before and after, its evidence entries added or removed with their stance, and
the names of its other fields that changed; the contradicting evidence that is new; the recommendations whose
claims changed certainty; and the records that one side cannot read. Presentation is the site's
(``build_tools.site.diff_report``): every value here is data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from build_tools.engine.model import (
    CERTAINTY_ORDER,
    CONCERNS_ORDER,
    KINDS,
    Assessment,
    Certainty,
    Citation,
    Claim,
    Recommendation,
    Record,
    Stance,
)
from build_tools.engine.revisions import Snapshot

TEXT_FIELDS = ("title", "key_message", "statement", "question")
"""The fields that name a record, shown before and after when they change."""


@dataclass(frozen=True)
class Side:
    label: str
    commit: str | None


@dataclass(frozen=True)
class Ref:
    kind: str
    id: str
    title: str
    file: str


@dataclass(frozen=True)
class Move:
    """A level that moved: certainty (``direction`` higher or lower) or concerns (more or fewer)."""

    before: str
    after: str
    direction: str


@dataclass(frozen=True)
class ComponentMove:
    component: str
    label: str
    before: str
    after: str
    direction: str


@dataclass(frozen=True)
class TextChange:
    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Entry:
    source: str
    quote: str
    stance: str
    locator: str | None


@dataclass(frozen=True)
class StanceMove:
    source: str
    quote: str
    before: str
    after: str


@dataclass(frozen=True)
class Change:
    """A record on both sides whose content changed (``renamed_from`` its former id, when renamed)."""

    kind: str
    id: str
    title: str
    file: str
    renamed_from: str | None
    certainty: Move | None
    components: tuple[ComponentMove, ...]
    texts: tuple[TextChange, ...]
    evidence_added: tuple[Entry, ...]
    evidence_removed: tuple[Entry, ...]
    stance_changed: tuple[StanceMove, ...]
    fields: tuple[str, ...]
    """Other fields that changed, by name (``assessment.coherence.explanation`` for a nested one)."""


@dataclass(frozen=True)
class Rename:
    """``by`` is "alias" (the rule: the new record lists the old id) or "git" (git saw a renamed file, and the
    record does not list its old id: its old address leads nowhere); ``merged`` when the record it became was
    there before, or another former id became it already (the diff pairs a record with one former self)."""

    kind: str
    old_id: str
    new_id: str
    title: str
    by: str
    merged: bool


@dataclass(frozen=True)
class Contradiction:
    """Evidence that contradicts a claim and did not before: ``was`` its former stance, None when it is new."""

    claim: str
    title: str
    source: str
    quote: str
    was: str | None


@dataclass(frozen=True)
class BasisMove:
    """A recommendation one of whose claims changed certainty."""

    recommendation: str
    title: str
    claim: str
    claim_title: str
    certainty: Move


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    line: int
    column: int


@dataclass(frozen=True)
class Unreadable:
    side: str
    kind: str
    id: str
    file: str
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class EvidenceDiff:
    base: Side
    head: Side
    added: tuple[Ref, ...]
    removed: tuple[Ref, ...]
    renamed: tuple[Rename, ...]
    changed: tuple[Change, ...]
    contradictions: tuple[Contradiction, ...]
    recommendations: tuple[BasisMove, ...]
    unreadable: tuple[Unreadable, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.renamed or self.changed or self.unreadable)

    def summary(self) -> dict[str, int]:
        return {"added": len(self.added), "removed": len(self.removed), "renamed": len(self.renamed),
                "changed": len(self.changed), "contradictions": len(self.contradictions),
                "recommendations": len(self.recommendations), "unreadable": len(self.unreadable)}


def diff_evidence(old: Snapshot, new: Snapshot, git_renames: list[tuple[str, str, str]] | tuple[()] = ()
                  ) -> EvidenceDiff:
    """What changed from ``old`` to ``new``; ``git_renames`` (kind, old id, new id) pairs renames the records do
    not declare."""
    added: list[Ref] = []
    removed: list[Ref] = []
    renames: list[Rename] = []
    pairs: list[tuple[Record, Record, str | None]] = []  # old, new, former id when renamed
    renamed_ids: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}  # old id -> new id
    merged_into: dict[tuple[str, str], set[str]] = {}
    became: dict[tuple[str, str], str] = {}  # (kind, new id) -> the one former id it was renamed from
    for kind in KINDS:
        before, after = old.records[kind], new.records[kind]
        gone = [i for i in sorted(before) if i not in after and (kind, i) not in new.unreadable]
        appeared = {i for i in after if i not in before and (kind, i) not in old.unreadable}
        alias_of = {alias: record.id for record in after.values() for alias in record.aliases}
        by_git = {o: n for k, o, n in git_renames if k == kind}
        for old_id in gone:
            target, by = alias_of.get(old_id), "alias"
            if target is None and by_git.get(old_id) in appeared:
                target, by = by_git[old_id], "git"
            if target is None:
                if (kind, by_git.get(old_id)) not in new.unreadable:  # else: its new file is reported unreadable
                    removed.append(_ref(before[old_id], old))
                continue
            # Into a record that was there before, or that another former id became already: a merge.
            merged = target in before or target not in appeared
            renames.append(Rename(kind, old_id, target, after[target].title_text, by, merged))
            renamed_ids[kind][old_id] = target
            merged_into.setdefault((kind, target), set()).add(old_id)
            if not merged:
                appeared.discard(target)
                pairs.append((before[old_id], after[target], old_id))
                became[(kind, target)] = old_id
        added += [_ref(after[i], new) for i in sorted(appeared)]
        pairs += [(before[i], after[i], None) for i in sorted(before) if i in after]
    changes: dict[tuple[str, str], Change] = {}
    for before_record, after_record, former in pairs:
        if before_record is after_record:
            continue  # one file, unchanged in git, parsed once
        change = _compare(before_record, after_record, former, new, renamed_ids,
                          merged_into.get((after_record.kind, after_record.id), set()))
        if change is not None:
            changes[(change.kind, change.id)] = change
    order = {kind: n for n, kind in enumerate(KINDS)}
    changed = tuple(sorted(changes.values(), key=lambda c: (order[c.kind], c.id)))
    return EvidenceDiff(
        Side(old.label, old.commit), Side(new.label, new.commit), tuple(added), tuple(removed),
        tuple(renames), changed, tuple(_contradictions(old, new, renamed_ids, became)),
        tuple(_recommendations(new, changes)), tuple(_unreadable(old, "base") + _unreadable(new, "head")))


def _ref(record: Record, snapshot: Snapshot) -> Ref:
    return Ref(record.kind, record.id, record.title_text, snapshot.files.get((record.kind, record.id), ""))


def _quote_key(citation: Citation, sources: dict[str, str]) -> tuple[str, str]:
    """What identifies an evidence entry: its source (by its current id) and its words (spacing aside)."""
    return sources.get(citation.source, citation.source), " ".join(citation.quote.split())


def _value(value: Any) -> Any:
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


def _compare(before: Record, after: Record, former: str | None, new: Snapshot,
             renamed_ids: dict[str, dict[str, str]], merged: set[str]) -> Change | None:
    certainty: Move | None = None
    components: list[ComponentMove] = []
    texts: list[TextChange] = []
    entries_added: list[Entry] = []
    entries_removed: list[Entry] = []
    stances: list[StanceMove] = []
    fields: list[str] = []
    for name in type(after).model_fields:
        was, now = getattr(before, name), getattr(after, name)
        if name == "id" or _value(was) == _value(now):
            continue  # a new id is a rename, reported as one
        if name == "aliases":
            if set(was) - set(now) or set(now) - set(was) - merged - {former}:
                fields.append(name)
        elif name == "certainty":
            certainty = _move(was, now)
        elif name == "assessment":
            components, other = _assessment(was, now)
            fields += other
        elif name in TEXT_FIELDS:
            texts.append(TextChange(name, was, now))
        elif name == "evidence" and isinstance(before, Claim) and isinstance(after, Claim):
            entries_added, entries_removed, stances, other_evidence = _evidence(before, after, renamed_ids)
            if other_evidence:
                fields.append(name)
        else:
            fields.append(name)
    if not (certainty or components or texts or entries_added or entries_removed or stances or fields):
        return None
    return Change(after.kind, after.id, after.title_text, new.files.get((after.kind, after.id), ""), former,
                  certainty, tuple(components), tuple(texts), tuple(entries_added), tuple(entries_removed),
                  tuple(stances), tuple(fields))


def _move(was: Certainty, now: Certainty) -> Move:
    higher = CERTAINTY_ORDER.index(now) < CERTAINTY_ORDER.index(was)
    return Move(was.value, now.value, "higher" if higher else "lower")


def _assessment(was: Assessment, now: Assessment) -> tuple[list[ComponentMove], list[str]]:
    moves, fields = [], []
    for name, label, judgement in now.components():
        before = getattr(was, name)
        if before.concerns != judgement.concerns:
            more = CONCERNS_ORDER.index(judgement.concerns) > CONCERNS_ORDER.index(before.concerns)
            moves.append(ComponentMove(name, label, before.concerns.value, judgement.concerns.value,
                                       "more" if more else "fewer"))
        if before.explanation != judgement.explanation:
            fields.append(f"assessment.{name}.explanation")
    if was.why_overall_differs != now.why_overall_differs:
        fields.append("assessment.why_overall_differs")
    return moves, fields


def _evidence(before: Claim, after: Claim, renamed_ids: dict[str, dict[str, str]]
              ) -> tuple[list[Entry], list[Entry], list[StanceMove], bool]:
    sources = renamed_ids["source"]
    was = {_quote_key(e, sources): e for e in reversed(before.evidence)}  # the first of a repeated entry
    now = {_quote_key(e, {}): e for e in reversed(after.evidence)}
    added = [_entry(e) for key, e in _ordered(now, after.evidence, {}) if key not in was]
    removed = [_entry(e) for key, e in _ordered(was, before.evidence, sources) if key not in now]
    stances = [StanceMove(key[0], e.quote, was[key].stance.value, e.stance.value)
               for key, e in _ordered(now, after.evidence, {}) if key in was and was[key].stance != e.stance]
    # Locators and notes, or only the order or spacing of the entries: "evidence" among the other fields.
    other = any(key in was and _details(was[key]) != _details(e) for key, e in now.items())
    return added, removed, stances, other or (not added and not removed and not stances)


def _details(evidence: Any) -> tuple[str | None, ...]:
    return evidence.locator, evidence.note, evidence.elision_note


def _ordered(entries: dict[tuple[str, str], Any], order: list[Any], sources: dict[str, str]
             ) -> list[tuple[tuple[str, str], Any]]:
    """The entries of ``entries`` in the order the record lists them, once each."""
    seen, result = set(), []
    for citation in order:
        key = _quote_key(citation, sources)
        if key not in seen:
            seen.add(key)
            result.append((key, entries[key]))
    return result


def _entry(evidence: Any) -> Entry:
    return Entry(evidence.source, evidence.quote, evidence.stance.value, evidence.locator)


def _contradictions(old: Snapshot, new: Snapshot, renamed_ids: dict[str, dict[str, str]],
                    became: dict[tuple[str, str], str]) -> list[Contradiction]:
    former = {new_id: old_id for (kind, new_id), old_id in became.items() if kind == "claim"}
    found = []
    for claim_id in sorted(new.records["claim"]):
        claim = new.records["claim"][claim_id]
        assert isinstance(claim, Claim)
        old_id = former.get(claim_id, claim_id)
        if ("claim", old_id) in old.unreadable:
            continue  # what it held before is unknown: nothing can be said to be new
        previous = old.records["claim"].get(old_id)
        stances: dict[tuple[str, str], Stance] = {}
        if isinstance(previous, Claim):
            stances = {_quote_key(e, renamed_ids["source"]): e.stance for e in previous.evidence}
        for evidence in claim.evidence:
            key = _quote_key(evidence, {})
            if evidence.stance is Stance.contradicts and stances.get(key) is not Stance.contradicts:
                was = stances.get(key)
                found.append(Contradiction(claim.id, claim.title_text, evidence.source, evidence.quote,
                                           was.value if was else None))
                stances[key] = Stance.contradicts  # a repeated entry once
    return found


def _recommendations(new: Snapshot, changes: dict[tuple[str, str], Change]) -> list[BasisMove]:
    found = []
    for rec_id in sorted(new.records["recommendation"]):
        recommendation = new.records["recommendation"][rec_id]
        assert isinstance(recommendation, Recommendation)
        for claim_id in dict.fromkeys(recommendation.claims):
            change = changes.get(("claim", claim_id))
            if change is not None and change.certainty is not None:
                found.append(BasisMove(rec_id, recommendation.title_text, claim_id, change.title, change.certainty))
    return found


def _unreadable(snapshot: Snapshot, side: str) -> list[Unreadable]:
    return [Unreadable(side, u.kind, u.id, u.file, tuple(Problem(f.code, f.message, f.line, f.column)
                                                         for f in u.findings))
            for _, u in sorted(snapshot.unreadable.items(), key=lambda item: (list(KINDS).index(item[0][0]),
                                                                             item[0][1]))]

