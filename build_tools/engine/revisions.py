"""Revisions: the records of the evidence folder as a commit holds them, read without checking the commit out.

``git ls-tree`` lists a commit's record files with their sizes, and one ``git cat-file --batch`` process hands
over the bytes of all of them, which the loader parses exactly as it parses files (``load_record_bytes``); the
working tree is read file by file, by the same function. Time and memory grow with the number of records: a file
above the loader's size limit is not even read. A record that does not parse at a revision is kept as
:class:`Unreadable`, with the loader's findings, never raised. Nothing is checked against the archive: a diff
needs neither the archived texts nor any secret, and runs no code of the revisions it reads.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from build_tools.engine.findings import Finding, error
from build_tools.engine.history import _file_changes, record_of
from build_tools.engine.load import (
    MAX_FILE_BYTES,
    discover,
    display_path,
    load_record_bytes,
    load_record_file,
    too_large,
)
from build_tools.engine.model import KINDS, Record

WORKING_TREE = "working tree"
_SYMLINK_MODE = "120000"


class RevisionError(Exception):
    """A revision that cannot be read (no such commit, no git, not a repository): one line, for the user."""


@dataclass(frozen=True)
class Unreadable:
    """A record file present at a revision whose record could not be read: the loader's findings say why."""

    kind: str
    id: str
    file: str
    findings: tuple[Finding, ...]


@dataclass
class Snapshot:
    """The records of the evidence folder at one revision.

    ``label`` is what the user named (``origin/main``, or ``working tree``), ``commit`` the full hash (None for
    the working tree). ``files`` holds each record's file, by (kind, id), relative to the repository.
    """

    label: str
    commit: str | None
    records: dict[str, dict[str, Record]] = field(default_factory=lambda: {k: {} for k in KINDS})
    files: dict[tuple[str, str], str] = field(default_factory=dict)
    unreadable: dict[tuple[str, str], Unreadable] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    """Problems that belong to no one record (two files with one id)."""

    def add(self, kind: str, record_id: str, file: str, record: Record | None, findings: list[Finding]) -> None:
        """One record file's result, the first file of an id winning (as the loader does)."""
        first = self.files.get((kind, record_id)) or (
            self.unreadable[(kind, record_id)].file if (kind, record_id) in self.unreadable else None)
        if first is not None:
            self.findings.append(error("duplicate-id", f"{kind} id '{record_id}' is already used by {first}", file))
            return
        if record is None:
            self.unreadable[(kind, record_id)] = Unreadable(kind, record_id, file, tuple(findings))
        else:
            self.records[kind][record_id] = record
            self.files[(kind, record_id)] = file


@dataclass(frozen=True)
class Repository:
    """The git work tree an evidence folder lives in: ``folder`` is the evidence folder relative to ``top``
    (POSIX, "." when it is the top itself)."""

    top: Path
    folder: str
    evidence: Path

    def relative(self, path: str) -> str | None:
        """A repository path made relative to the evidence folder; None outside it."""
        if self.folder == ".":
            return path
        prefix = self.folder + "/"
        return path[len(prefix):] if path.startswith(prefix) else None

    def shown(self, relative: str) -> str:
        return relative if self.folder == "." else f"{self.folder}/{relative}"


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        result = subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=cwd, input=stdin,
                                capture_output=True, check=False,
                                **({} if stdin is not None else {"stdin": subprocess.DEVNULL}))
    except OSError as exc:
        raise RevisionError(f"git could not be run ({exc.strerror or exc})") from None
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = lines[-1] if lines else f"git {args[0]} exited with status {result.returncode}"
        raise RevisionError(reason.removeprefix("fatal: "))
    return result.stdout


def locate(evidence: Path | str) -> Repository:
    """The repository that holds ``evidence`` (which need not exist in the working tree)."""
    evidence = Path(evidence)
    existing = evidence.resolve()
    while not existing.is_dir() and existing != existing.parent:
        existing = existing.parent
    try:
        top = Path(_git(existing, "rev-parse", "--show-toplevel").decode("utf-8", "replace").strip())
    except RevisionError as exc:
        if "not a git repository" in str(exc):
            raise RevisionError(f"{evidence} is not in a git repository") from None
        raise
    folder = os.path.relpath(evidence.resolve(), top.resolve())
    if folder.startswith(".."):
        raise RevisionError(f"{evidence} is outside the repository {top}")
    return Repository(top, PurePosixPath(Path(folder)).as_posix(), evidence)


def resolve(repo: Repository, revision: str) -> str:
    """The full hash of the commit ``revision`` names; :class:`RevisionError` when it names none."""
    if not revision or revision.startswith("-") or any(c in revision for c in "\0\n\r"):
        raise RevisionError(f"'{revision}' is not a commit")
    try:
        found = _git(repo.top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}")
    except RevisionError:
        raise RevisionError(f"'{revision}' is not a commit of {repo.top}") from None
    return found.decode("ascii").strip()


Parsed = dict[tuple[str, str], tuple[Record | None, list[Finding]]]
"""What a file's bytes gave, by (git object, path): a file both revisions hold unchanged is parsed once."""


def read_commit(repo: Repository, commit: str, label: str, parsed: Parsed | None = None) -> Snapshot:
    """The records of the evidence folder at ``commit`` (a full hash, from :func:`resolve`); ``parsed``, shared
    between the revisions read, keeps the files already parsed."""
    parsed = {} if parsed is None else parsed
    snapshot = Snapshot(label, commit)
    listing = _git(repo.top, "ls-tree", "-r", "-z", "-l", "--full-tree", commit, "--",
                   repo.folder if repo.folder != "." else ".")
    wanted: list[tuple[str, str, str, str]] = []  # kind, id, shown, object
    for entry in listing.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        relative = repo.relative(path) if len(parts) == 4 else None
        key = record_of(relative) if relative else None
        if key is None or parts[1] != "blob":
            continue
        mode, _, obj, size = parts
        shown = repo.shown(relative)  # type: ignore[arg-type]
        if mode == _SYMLINK_MODE:
            snapshot.add(*key, shown, None, [error("record-symlink", "record file is a symbolic link, which is not "
                                                   "followed in a commit", shown)])
        elif int(size) > MAX_FILE_BYTES:
            snapshot.add(*key, shown, None, [too_large(int(size), shown)])
        else:
            wanted.append((*key, shown, obj))
    to_read = [obj for *_, shown, obj in wanted if (obj, shown) not in parsed]
    blobs = dict(zip(to_read, _cat_blobs(repo, to_read), strict=True))
    for kind, record_id, shown, obj in wanted:
        if (obj, shown) not in parsed:
            parsed[(obj, shown)] = load_record_bytes(KINDS[kind], blobs[obj], shown, record_id)
        record, findings = parsed[(obj, shown)]
        snapshot.add(kind, record_id, shown, record, list(findings))
    return snapshot


def _cat_blobs(repo: Repository, objects: list[str]) -> list[bytes]:
    """The contents of ``objects``, in order, from one ``git cat-file --batch``."""
    blobs = []
    for blob in iter_blobs(repo, objects):
        if blob is None:
            raise RevisionError("git cat-file: an object listed by git ls-tree is missing")
        blobs.append(blob)
    return blobs


def iter_blobs(repo: Repository, specs: list[str], limit: int = MAX_FILE_BYTES) -> Iterator[bytes | None]:
    """The contents of each object (a hash, or ``commit:path``), in order, streamed from one
    ``git cat-file --batch``: None for an object git does not have, or one above ``limit`` bytes (never held).

    The names are written from a thread while the answers are read here, so that neither pipe fills and stops
    the other; memory holds one object at a time."""
    if not specs:
        return
    try:
        process = subprocess.Popen(["git", "cat-file", "--batch"], cwd=repo.top, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError as exc:
        raise RevisionError(f"git could not be run ({exc.strerror or exc})") from None
    assert process.stdin is not None and process.stdout is not None
    names = "".join(f"{spec}\n" for spec in specs).encode("utf-8", "surrogateescape")

    def write() -> None:
        try:
            process.stdin.write(names)  # type: ignore[union-attr]
            process.stdin.close()  # type: ignore[union-attr]
        except OSError:  # git stopped early: the reading side says so
            pass

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        for _ in specs:
            line = process.stdout.readline()
            if line.rstrip(b"\n").endswith(b" missing"):  # "<name> missing": the name may hold spaces
                yield None
                continue
            header = line.split()
            if len(header) != 3:
                raise RevisionError(f"git cat-file: unexpected answer {b' '.join(header)[:80]!r}")
            size = int(header[2])
            if size > limit:
                _skip(process.stdout, size + 1)
                yield None
                continue
            blob = process.stdout.read(size)
            process.stdout.read(1)  # the newline after each object
            yield blob
    finally:
        process.stdout.close()
        process.kill()
        process.wait()
        writer.join()


def _skip(stream: Any, count: int) -> None:
    while count > 0:
        count -= len(stream.read(min(count, 1 << 20)) or b"\0" * count)


def read_working_tree(repo: Repository) -> Snapshot:
    """The records of the evidence folder as they are on disk, committed or not."""
    snapshot = Snapshot(WORKING_TREE, None)
    found, findings = discover(repo.evidence)
    root = str(repo.evidence)
    for finding in findings:  # a record file that is a link out of the folder is not read: unreadable
        if finding.code == "record-symlink":
            relative = _relative_of_shown(finding.file, repo.evidence)
            key = record_of(relative) if relative else None
            if key:
                snapshot.add(*key, repo.shown(relative), None, [finding])  # type: ignore[arg-type]
    for kind, path, _, record_id in found:
        shown = repo.shown(PurePosixPath(Path(os.path.relpath(path, root))).as_posix())
        record, problems = load_record_file(kind, path, shown, record_id)
        snapshot.add(kind.name, record_id, shown, record, problems)
    return snapshot


def _relative_of_shown(shown: str, evidence: Path) -> str | None:
    prefix = display_path(evidence)
    if prefix == ".":
        return shown
    return shown[len(prefix) + 1:] if shown.startswith(prefix + "/") else None


def read(repo: Repository, revision: str | None, parsed: Parsed | None = None) -> Snapshot:
    """The records at ``revision``, or in the working tree when it is None."""
    if revision is None:
        return read_working_tree(repo)
    return read_commit(repo, resolve(repo, revision), revision, parsed)


def git_renames(repo: Repository, base: str, head: str | None) -> list[tuple[str, str, str]]:
    """(kind, old id, new id) of each record file git sees renamed between two commits (or a commit and the
    working tree): a rename the records do not declare with an alias, which the diff still pairs."""
    output = _git(repo.top, "diff", "-M", "--name-status", "-z", "--no-ext-diff", "--no-textconv", base,
                  *([head] if head else []), "--", repo.folder if repo.folder != "." else ".")
    renames = []
    for change in _file_changes(output.decode("utf-8", "surrogateescape")):
        if change.status != "R" or change.new_path is None:
            continue
        old, new = repo.relative(change.path), repo.relative(change.new_path)
        old_key, new_key = record_of(old) if old else None, record_of(new) if new else None
        if old_key and new_key and old_key[0] == new_key[0] and old_key[1] != new_key[1]:
            renames.append((old_key[0], old_key[1], new_key[1]))
    return renames
