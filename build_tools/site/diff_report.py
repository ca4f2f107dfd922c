"""The evidence diff (``build_tools.engine.evidence_diff``) as Markdown for a pull-request comment, as text for a
terminal or a CI log, and as JSON.

Record text is data in every format. In Markdown each piece of it is escaped whole: HTML's ``& < >`` become
entities (no tag, no comment, no hidden marker, no character reference), the punctuation Markdown reads inside
a line is backslash-escaped (no emphasis, code, link, image, table cell or maths), new lines are shown as
``\\n``, and an ``@`` before a name or a ``#`` before a number is broken with a zero-width space, so that a title
can neither ping anyone nor link an issue. In text, it goes through
:func:`~build_tools.engine.findings.printable`, as findings do: no control character, no escape sequence, no
line a CI runner would take for a command.

The JSON is ``{"format": "evidence-diff", "version": 1, "summary": {...counts}, "base": {"label", "commit"},
"head": {...}, "added": [...], "removed": [...], "renamed": [...], "changed": [...], "contradictions": [...],
"recommendations": [...], "unreadable": [...]}``, each list of objects whose fields are those of the engine's
dataclasses (documented there); ``version`` changes when a field is removed or changes meaning.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict

from build_tools.engine.evidence_diff import Change, Entry, EvidenceDiff, Move, Side
from build_tools.engine.findings import printable
from build_tools.engine.model import ID_PATTERN

MARKER = "<!-- evidence-diff -->"
"""The first line of the pull-request comment: the workflow finds the comment to update by it."""
COMMENT_LIMIT = 60_000
"""GitHub refuses a comment above 65,536 characters: a longer diff is cut at a line, and says so."""
JSON_VERSION = 1
_FIELD_NAMES = {"key_message": "Key message", "statement": "Statement", "title": "Title", "question": "Question"}
_PUNCTUATION = frozenset("\\`*_[]|~$!")
"""What Markdown reads as markup inside a line of text (emphasis, code, links and images, table cells,
strikethrough, maths); record text never starts a line, and its new lines are shown as ``\\n``."""
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_PING = re.compile(r"(@(?=[\w-])|#(?=\d))")
"""A mention (``@name``, ``@org/team``) or an issue reference (``#12``, ``owner/repo#12``)."""


def _file_id(record_id: str) -> str:
    """The id of an unreadable record, which is only its file's name (never checked against the id pattern): as
    code when it is a well-formed id, else as any other text (a name may hold backticks, new lines, mentions)."""
    return f"`{record_id}`" if re.fullmatch(ID_PATTERN, record_id) else md(record_id)


def md(text: str | None) -> str:
    """Record text as Markdown that shows it as it is, on one line, inert."""
    text = printable(text or "")
    out = []
    for char in text:
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _PUNCTUATION:
            out.append("\\" + char)
        else:
            out.append(char)
    return _PING.sub("\\1&#8203;", "".join(out))


def _markdown_side(side: Side) -> str:
    """A revision as the user named it (in a code span when it is a plain git name), and its commit."""
    label = f"`{side.label}`" if re.fullmatch(r"[\w./~^@{}-]+", side.label) else md(side.label)
    return label if side.commit is None or side.label == side.commit else f"{label} (`{side.commit[:7]}`)"


def _side(label: str, commit: str | None) -> str:
    return label if commit is None or label == commit else f"{label} ({commit[:7]})"


def _counts(diff: EvidenceDiff) -> str:
    summary = diff.summary()
    words = [f"{summary[name]} {name}" for name in ("added", "removed", "renamed", "changed") if summary[name]]
    if summary["contradictions"]:
        words.append(f"{summary['contradictions']} new contradiction{'s' * (summary['contradictions'] != 1)}")
    if diff.recommendations:
        n = len({r.recommendation for r in diff.recommendations})
        words.append(f"{n} recommendation{'s' * (n != 1)} on a claim whose certainty moved")
    if summary["unreadable"]:
        words.append(f"{summary['unreadable']} unreadable")
    return ", ".join(words) if words else "no change to the evidence"


def _move(move: Move) -> str:
    return f"{move.before} → {move.after} ({move.direction})"


# --- Markdown -----------------------------------------------------------------------------------------------

def to_markdown(diff: EvidenceDiff, limit: int = COMMENT_LIMIT) -> str:
    """The diff as a pull-request comment, starting with :data:`MARKER`, at most ``limit`` characters."""
    lines = [MARKER, "## Evidence diff", "",
             f"From {_markdown_side(diff.base)} to {_markdown_side(diff.head)}: {_counts(diff)}."]
    if diff.unreadable:
        lines += ["", "### Unreadable records", ""]
        for u in diff.unreadable:
            problems = "; ".join(f"{md(p.message)} (`{p.code}`{f', line {p.line}' if p.line else ''})"
                                 for p in u.problems)
            lines.append(f"- {u.side}: {u.kind} {_file_id(u.id)} ({md(u.file)}): {problems}")
    if diff.contradictions:
        lines += ["", "### New contradictions", ""]
        for c in diff.contradictions:
            was = f" (it {c.was} it before)" if c.was else ""
            lines.append(f"- claim `{c.claim}` ({md(c.title)}) is contradicted by `{c.source}`{was}: "
                         f"“{md(c.quote)}”")
    if diff.recommendations:
        lines += ["", "### Recommendations whose basis changed confidence", ""]
        for r in diff.recommendations:
            lines.append(f"- recommendation `{r.recommendation}` ({md(r.title)}): claim `{r.claim}` "
                         f"{_move(r.certainty)}")
    for heading, refs in (("Added", diff.added), ("Removed", diff.removed)):
        if refs:
            lines += ["", f"### {heading}", ""]
            lines += [f"- {ref.kind} `{ref.id}`: {md(ref.title)}" for ref in refs]
    if diff.renamed:
        lines += ["", "### Renamed", ""]
        for r in diff.renamed:
            how = "merged into" if r.merged else "renamed to"
            note = "" if r.by == "alias" else f" (git saw the rename, but `{r.old_id}` is not among its aliases)"
            lines.append(f"- {r.kind} `{r.old_id}` {how} `{r.new_id}`: {md(r.title)}{note}")
    if diff.changed:
        lines += ["", "### Changed"]
        for change in diff.changed:
            lines += ["", *_markdown_change(change)]
    text = "\n".join(lines) + "\n"
    if len(text) > limit:
        cut = text.rfind("\n", 0, limit - 200)
        text = text[:cut] + "\n\n*The diff is too long for a comment: the rest is in the run's `evidence-diff` " \
                            "artifact.*\n"
    return text


def _markdown_change(change: Change) -> list[str]:
    renamed = f" (was `{change.renamed_from}`)" if change.renamed_from else ""
    lines = [f"**{change.kind} `{change.id}`**{renamed}: {md(change.title)}", ""]
    if change.certainty:
        lines.append(f"- **Certainty**: {_move(change.certainty)}")
    for c in change.components:
        lines.append(f"- **{c.label}**: {c.before} → {c.after} concerns ({c.direction})")
    for t in change.texts:
        lines.append(f"- **{_FIELD_NAMES.get(t.field, t.field)}** changed")
        lines.append(f"  - before: {md(t.before) if t.before else '*none*'}")
        lines.append(f"  - after: {md(t.after) if t.after else '*none*'}")
    lines += [f"- **Evidence added** ({e.stance}): {_markdown_entry(e)}" for e in change.evidence_added]
    lines += [f"- **Evidence removed** ({e.stance}): {_markdown_entry(e)}" for e in change.evidence_removed]
    lines += [f"- **Stance** of `{s.source}` “{md(s.quote)}”: {s.before} → {s.after}" for s in change.stance_changed]
    if change.fields:
        lines.append("- Also changed: " + ", ".join(f"`{_field(name)}`" for name in change.fields))
    return lines


def _markdown_entry(entry: Entry) -> str:
    where = f" ({md(entry.locator)})" if entry.locator else ""
    return f"`{entry.source}`{where}: “{md(entry.quote)}”"


def _field(name: str) -> str:
    """A field name as written in the records (``assessment.coherence.explanation``): plain identifiers."""
    return name if re.fullmatch(r"[a-z_.]+", name) else "?"


# --- text ---------------------------------------------------------------------------------------------------

def to_text(diff: EvidenceDiff) -> str:
    """The diff for a terminal or a CI log: record text made printable."""
    p = printable
    lines = [f"Evidence diff from {p(_side(diff.base.label, diff.base.commit))} to "
             f"{p(_side(diff.head.label, diff.head.commit))}: {_counts(diff)}"]
    if diff.unreadable:
        lines += ["", "Unreadable records:"]
        for u in diff.unreadable:
            lines.append(f"  {u.side}: {u.kind} {p(u.id)} ({p(u.file)})")
            lines += [f"    {f'line {x.line}: ' if x.line else ''}{p(x.message)} [{x.code}]" for x in u.problems]
    if diff.contradictions:
        lines += ["", "New contradictions:"]
        for c in diff.contradictions:
            was = f" (it {c.was} it before)" if c.was else ""
            lines.append(f"  claim {c.claim}: contradicted by {c.source}{was}: \"{p(c.quote)}\"")
    if diff.recommendations:
        lines += ["", "Recommendations whose basis changed confidence:"]
        lines += [f"  recommendation {r.recommendation}: claim {r.claim} {_move(r.certainty)}"
                  for r in diff.recommendations]
    for heading, refs in (("Added", diff.added), ("Removed", diff.removed)):
        if refs:
            lines += ["", f"{heading}:"]
            lines += [f"  {ref.kind} {ref.id}: {p(ref.title)}" for ref in refs]
    if diff.renamed:
        lines += ["", "Renamed:"]
        for r in diff.renamed:
            how = "merged into" if r.merged else "renamed to"
            note = "" if r.by == "alias" else f" (git saw the rename; {r.old_id} is not among its aliases)"
            lines.append(f"  {r.kind} {r.old_id} {how} {r.new_id}{note}")
    if diff.changed:
        lines += ["", "Changed:"]
        for change in diff.changed:
            renamed = f" (was {change.renamed_from})" if change.renamed_from else ""
            lines.append(f"  {change.kind} {change.id}{renamed}: {p(change.title)}")
            if change.certainty:
                lines.append(f"    certainty: {_move(change.certainty)}")
            lines += [f"    {c.label.lower()}: {c.before} → {c.after} concerns ({c.direction})"
                      for c in change.components]
            for t in change.texts:
                name = _FIELD_NAMES.get(t.field, t.field).lower()
                lines += [f"    {name} before: {p(t.before) if t.before else '(none)'}",
                          f"    {name} after:  {p(t.after) if t.after else '(none)'}"]
            lines += [f"    + evidence ({e.stance}) {e.source}: \"{p(e.quote)}\"" for e in change.evidence_added]
            lines += [f"    - evidence ({e.stance}) {e.source}: \"{p(e.quote)}\"" for e in change.evidence_removed]
            lines += [f"    stance of {s.source} \"{p(s.quote)}\": {s.before} → {s.after}"
                      for s in change.stance_changed]
            if change.fields:
                lines.append("    also changed: " + ", ".join(_field(name) for name in change.fields))
    return "\n".join(lines) + "\n"


# --- JSON ---------------------------------------------------------------------------------------------------

def to_json(diff: EvidenceDiff) -> str:
    """The diff as JSON: see the module's documentation for its shape."""
    data = {"format": "evidence-diff", "version": JSON_VERSION, "summary": diff.summary(), **asdict(diff)}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

