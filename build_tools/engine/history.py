"""History: what git says about the record files, read once per build with one ``git log``.

An input like the YAML files: the adapters read it and hand it to validation
(renames without an alias) and rendering (the changelog, "last updated"), which
stay pure functions of what they are given. Reading never fails: without git,
outside a repository, in a shallow clone or before the first commit, the result
says why it is missing or incomplete, and pages say "unknown" rather than guess.

Dates are commit dates (when a change landed), in UTC. Only the main line is read
(``--first-parent``): a merged pull request counts as one change, on the day it
was merged.

Besides the log, one ``git status`` says which commit the working tree is (``HEAD``)
and whether it has uncommitted changes: the version of the synthesis a build shows.
"""

from __future__ import annotations

import datetime as _dt
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path, PurePosixPath

from build_tools.engine.model import KIND_BY_FOLDER

RECORD_SUFFIXES = (".yaml", ".yml")
_COMMIT, _FIELD = "\x1e", "\x1f"
# One record per commit: hash, commit time, decorations ("grafted" marks the cut of a shallow clone), subject.
# The file list follows, NUL-separated (-z), with paths relative to the evidence folder (--relative).
GIT_LOG = ("log", "--first-parent", "--diff-merges=first-parent", "-M", "--name-status", "-z", "--relative",
           "--no-color", "--decorate-refs-exclude=refs/*", "--decorate-refs-exclude=HEAD",
           f"--format={_COMMIT}%H{_FIELD}%ct{_FIELD}%D{_FIELD}%s", "--", ".")
# The commit checked out and the state of the whole working tree (ignored files left out), in one cheap call.
GIT_STATUS = ("--no-optional-locks", "status", "--porcelain=v2", "--branch", "-z")


class Action(StrEnum):
    added = "added"
    changed = "changed"
    renamed = "renamed"
    removed = "removed"


@dataclass(frozen=True)
class FileChange:
    """One line of ``git log --name-status``: a status letter and one path (two for a rename)."""

    status: str
    path: str
    new_path: str | None = None


@dataclass(frozen=True)
class RawCommit:
    """A commit as git reports it, before its files are read as records."""

    sha: str
    date: _dt.date
    subject: str
    files: tuple[FileChange, ...]
    grafted: bool = False
    time: _dt.datetime | None = None
    """The commit time, in UTC (``date`` is its day)."""


@dataclass(frozen=True)
class Change:
    """What one commit did to one record.

    ``record_id`` is the id after the change (the id removed, for ``removed``);
    ``old_id`` the id before a rename; ``now`` the id the record has at the
    newest commit read, after any later renames (None when it was removed since);
    ``path`` the record's file after the change, relative to the evidence folder
    (None for ``removed``).
    """

    action: Action
    kind: str
    record_id: str
    old_id: str | None = None
    now: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class Commit:
    sha: str
    date: _dt.date
    subject: str
    changes: tuple[Change, ...]
    time: _dt.datetime | None = None
    """The commit time, in UTC (``date`` is its day); None when not known (a history made up in tests)."""

    @property
    def short(self) -> str:
        return self.sha[:7]


@dataclass(frozen=True)
class Rename:
    """A former id of a record, and the commit that renamed it."""

    old_id: str
    sha: str
    date: _dt.date


@dataclass(frozen=True)
class RecordHistory:
    """One record's life in git.

    ``first_added`` and ``last_changed`` are None when the history is cut short
    (a shallow clone) before them: the record was added, or last changed, on or
    before :attr:`History.cut`.
    """

    first_added: _dt.date | None
    last_changed: _dt.date | None
    last_commit: str | None
    renames: tuple[Rename, ...] = ()

    @property
    def former_ids(self) -> tuple[str, ...]:
        return tuple(r.old_id for r in self.renames)


@dataclass(frozen=True)
class ClaimEvent:
    """One commit in a claim's story. ``certainty`` and ``key_message`` are (before, after) when they moved;
    ``before`` is None on the commit that added the claim (or when an older version did not say)."""

    sha: str
    date: _dt.date
    subject: str
    added: bool = False
    renamed_from: str | None = None
    certainty: tuple[str | None, str | None] | None = None
    key_message: tuple[str | None, str | None] | None = None

    @property
    def short(self) -> str:
        return self.sha[:7]


@dataclass(frozen=True)
class History:
    """The git history of an evidence folder, newest commit first.

    ``available`` is False when there is none to read (``note`` says why);
    ``shallow`` when the clone's history is cut short (dates before ``cut`` are unknown).
    ``head`` is the commit checked out (None when unknown, or before the first commit), and ``dirty``
    whether the working tree differs from it (None when unknown).
    """

    available: bool
    note: str = ""
    commits: tuple[Commit, ...] = ()
    records: dict[tuple[str, str], RecordHistory] = field(default_factory=dict)
    shallow: bool = False
    cut: _dt.date | None = None
    head: str | None = None
    dirty: bool | None = None
    claim_stories: dict[str, tuple[ClaimEvent, ...]] = field(default_factory=dict)
    """Each claim's story, by its id now, oldest event first (:mod:`build_tools.engine.claim_history`)."""

    def of(self, kind: str, record_id: str, aliases: Iterable[str] = ()) -> RecordHistory | None:
        """The history of a record, also found under a former id when the rename is not committed yet."""
        found = self.records.get((kind, record_id))
        if found is None:
            found = next((self.records[(kind, a)] for a in aliases if (kind, a) in self.records), None)
        return found

    @classmethod
    def unavailable(cls, note: str) -> History:
        return cls(False, note)


def read_history(evidence: Path | str) -> History:
    """The history of the record files under ``evidence``: one ``git log`` (and one ``git status`` for the commit
    checked out), never an exception."""
    folder = Path(evidence)
    if not folder.is_dir():
        return History.unavailable(f"the evidence folder {folder} does not exist")
    try:
        result = subprocess.run(["git", "-c", "log.showSignature=false", *GIT_LOG], cwd=folder, capture_output=True,
                                stdin=subprocess.DEVNULL, check=False)
    except OSError as exc:
        return History.unavailable(f"git could not be run ({exc.strerror or exc})")
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = message[-1] if message else f"git log exited with status {result.returncode}"
        if "not a git repository" in reason:
            reason = "the records are not in a git repository"
        elif "does not have any commits" in reason:
            reason = "the repository has no commits yet"
        return History.unavailable(reason.removeprefix("fatal: "))
    history = build_history(parse_log(result.stdout.decode("utf-8", "replace")))
    head, dirty = read_head(folder)
    return replace(history, head=head, dirty=dirty)


def read_head(folder: Path) -> tuple[str | None, bool | None]:
    """The commit checked out in the repository that holds ``folder``, and whether the working tree (every file
    git does not ignore, records or not) differs from it; (None, None) when git cannot say."""
    try:
        result = subprocess.run(["git", *GIT_STATUS], cwd=folder, capture_output=True, stdin=subprocess.DEVNULL,
                                check=False)
    except OSError:
        return None, None
    if result.returncode != 0:
        return None, None
    return parse_status(result.stdout.decode("utf-8", "replace"))


def parse_status(output: str) -> tuple[str | None, bool | None]:
    """The output of :data:`GIT_STATUS`: headers (``# branch.oid SHA``), then one entry per changed file."""
    head: str | None = None
    dirty = False
    for entry in output.split("\0"):
        if entry.startswith("# branch.oid "):
            oid = entry.removeprefix("# branch.oid ").strip()
            head = oid if oid != "(initial)" else None
        elif entry and not entry.startswith("#"):
            dirty = True
    return head, dirty


def parse_log(output: str) -> list[RawCommit]:
    """The output of :data:`GIT_LOG`, newest commit first."""
    commits = []
    for chunk in output.split(_COMMIT)[1:]:
        header, _, body = chunk.partition("\0")
        parts = header.split(_FIELD, 3)
        if len(parts) != 4:
            continue
        sha, timestamp, decorations, subject = parts
        try:
            time = _dt.datetime.fromtimestamp(int(timestamp), _dt.UTC)
        except (ValueError, OverflowError, OSError):
            continue
        date = time.date()
        grafted = "grafted" in (d.strip() for d in decorations.split(","))
        commits.append(RawCommit(sha, date, subject.strip(), tuple(_file_changes(body)), grafted, time))
    return commits


def _file_changes(body: str) -> Iterator[FileChange]:
    """``STATUS\0path\0`` entries, ``R100\0old\0new\0`` for renames and copies; a cut-off entry is dropped."""
    tokens = body.lstrip("\n").split("\0")
    i = 0
    while i < len(tokens):
        status = tokens[i].strip()
        paths = 2 if status[:1] in ("R", "C") else 1
        if not status:
            i += 1
            continue
        if i + paths >= len(tokens) or not all(tokens[i + 1: i + 1 + paths]):
            return
        yield FileChange(status[0], *tokens[i + 1: i + 1 + paths])
        i += 1 + paths


def record_of(path: str) -> tuple[str, str] | None:
    """(kind, id) of a record file, from its path relative to the evidence folder; None for other files."""
    parts = PurePosixPath(path).parts
    if len(parts) < 2 or PurePosixPath(path).suffix not in RECORD_SUFFIXES:
        return None
    kind = KIND_BY_FOLDER.get(parts[0])
    return (kind.name, PurePosixPath(path).stem) if kind else None


@dataclass
class _Life:
    """A record followed through renames, oldest commit first."""

    first_added: _dt.date | None
    last_changed: _dt.date | None
    last_commit: str | None
    current: str | None
    renames: list[Rename] = field(default_factory=list)


_Done = tuple[Action, str, str, str | None, _Life, str | None]  # ..., the file after the change


def build_history(raw: list[RawCommit]) -> History:
    """Follow every record through the commits (given newest first, as git lists them) in one pass, oldest first."""
    lives: dict[tuple[str, str], _Life] = {}
    pending: list[tuple[RawCommit, list[_Done]]] = []  # "now" ids are known only at the end
    cut = min((c.date for c in raw if c.grafted), default=None)
    for commit in reversed(raw):
        if commit.grafted:
            # The cut of a shallow clone lists every file as added: neither when it was added nor last changed.
            for change in commit.files:
                key = record_of(change.new_path or change.path)
                if key and change.status != "D":
                    lives[key] = _Life(None, None, None, key[1])
            continue
        done: list[_Done] = []
        for change in _moves_within_kind(commit.files):
            done.extend(_apply(change, commit, lives))
        pending.append((commit, done))
    commits = tuple(
        Commit(c.sha, c.date, c.subject,
               tuple(Change(a, k, i, o, life.current, path) for a, k, i, o, life, path in done), c.time)
        for c, done in reversed(pending) if done)
    records = {key: RecordHistory(life.first_added, life.last_changed, life.last_commit, tuple(life.renames))
               for key, life in lives.items()}
    note = ""
    if cut is not None:
        note = (f"the history is incomplete: this copy of the repository is a shallow clone whose history stops at "
                f"{cut.isoformat()}")
    return History(True, note, commits, records, cut is not None, cut)


def _moves_within_kind(files: tuple[FileChange, ...]) -> list[FileChange]:
    """A record file moved (into a subfolder of its kind, say) and edited so much that git lists an addition and
    a deletion of the same id, in path order (the addition may come first): one change of that record."""
    added = {record_of(f.path): f for f in files if f.status == "A"}
    deleted = {record_of(f.path) for f in files if f.status == "D"}
    moved = {key for key in added.keys() & deleted if key is not None}
    if not moved:
        return list(files)
    return [FileChange("M", f.path) if f.status == "A" and record_of(f.path) in moved else f
            for f in files if not (f.status == "D" and record_of(f.path) in moved)]


def _apply(change: FileChange, commit: RawCommit, lives: dict[tuple[str, str], _Life]) -> Iterator[_Done]:
    old = record_of(change.path)
    if change.status == "R" and change.new_path is not None:
        new = record_of(change.new_path)
        if old and new and old[0] == new[0] and old[1] != new[1]:
            life = lives.pop(old, None) or _Life(None, None, None, old[1])
            life.renames.append(Rename(old[1], commit.sha, commit.date))
            life.current, life.last_changed, life.last_commit = new[1], commit.date, commit.sha
            _retire(lives, new)
            lives[new] = life
            yield Action.renamed, new[0], new[1], old[1], life, change.new_path
            return
        if old and old == new:  # moved into a subfolder of its kind: same id, same page
            yield from _apply(FileChange("M", change.new_path), commit, lives)
            return
        # Moved to another kind, or into or out of the record folders: a removal and an addition.
        if old:
            yield from _apply(FileChange("D", change.path), commit, lives)
        if new:
            yield from _apply(FileChange("A", change.new_path), commit, lives)
        return
    path = change.new_path if change.status == "C" and change.new_path else change.path
    key = record_of(path)
    if key is None:
        return
    if change.status == "D":
        life = lives.pop(key, None) or _Life(None, None, None, key[1])
        life.current = None
        yield Action.removed, key[0], key[1], None, life, None
    elif change.status in ("A", "C"):
        _retire(lives, key)
        life = lives[key] = _Life(commit.date, commit.date, commit.sha, key[1])
        yield Action.added, key[0], key[1], None, life, path
    else:  # M, or T (type change): a record git saw before, or one whose addition was never seen
        life = lives.setdefault(key, _Life(None, None, None, key[1]))
        life.last_changed, life.last_commit = commit.date, commit.sha
        yield Action.changed, key[0], key[1], None, life, path


def _retire(lives: dict[tuple[str, str], _Life], key: tuple[str, str]) -> None:
    """A file added where git still had a live record of that id: the earlier record is gone."""
    previous = lives.pop(key, None)
    if previous is not None:
        previous.current = None
