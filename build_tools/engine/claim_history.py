"""Each claim's story in git: when it was added, each move of its confidence or key message, its renames.

An input read once per build, after :func:`~build_tools.engine.history.read_history` has said which commits
touched which claim file: one ``git cat-file --batch`` hands over every version of those files, streamed, and
each version is read with the loader's own YAML parser for two fields only (``certainty``, ``key_message``), so
that versions written to an older schema still tell their confidence. Linear in the number of (commit, claim
file) changes; memory holds one version at a time. Never raises: without git the claims have no story, and
an unreadable version is skipped (the next readable one is compared with the last readable one).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from build_tools.engine.history import Action, ClaimEvent, History
from build_tools.engine.load import parse_yaml
from build_tools.engine.revisions import RevisionError, iter_blobs, locate

_WATCHED = ("certainty", "key_message")


def with_claim_stories(evidence: Path | str, history: History) -> History:
    """``history`` with :attr:`History.claim_stories` filled in: one more git process, never an exception."""
    if not history.available or not history.commits:
        return history
    try:
        repo = locate(evidence)
        versions = _claim_versions(history)
        specs = [f"{sha}:{repo.shown(path)}" for sha, path, _ in versions]
        watched = [_watched_fields(blob) for blob in iter_blobs(repo, specs)]
    except (RevisionError, OSError, ValueError):
        return history
    return dataclasses.replace(history, claim_stories=claim_stories(history, [v[2] for v in versions], watched))


def _claim_versions(history: History) -> list[tuple[str, str, tuple[int, int]]]:
    """(commit, file, (commit index, change index)) of each version of a claim that still exists, oldest first."""
    versions = []
    for index in range(len(history.commits) - 1, -1, -1):
        commit = history.commits[index]
        for number, change in enumerate(commit.changes):
            # A name with a line break would be two names to git cat-file --batch: such a version is not read.
            if (change.kind == "claim" and change.now is not None and change.path and change.action != Action.removed
                    and "\n" not in change.path and "\r" not in change.path):
                versions.append((commit.sha, change.path, (index, number)))
    return versions


def _watched_fields(blob: bytes | None) -> dict[str, str] | None:
    """The fields a story follows, from one version of a claim file; None when it cannot be read."""
    if blob is None:
        return None
    try:
        text = blob.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    data, _, findings = parse_yaml(text, "")
    if findings or not isinstance(data, dict):
        return None
    return {name: " ".join(data[name].split()) for name in _WATCHED if isinstance(data.get(name), str)}


def claim_stories(history: History, positions: Iterable[tuple[int, int]],
                  fields: Iterable[dict[str, str] | None]) -> dict[str, tuple[ClaimEvent, ...]]:
    """The story of each claim (by its id now), oldest event first, from the watched fields of each version
    (``positions`` says which change of which commit each version is)."""
    last: dict[str, dict[str, str]] = {}
    stories: dict[str, list[ClaimEvent]] = {}
    for (index, number), watched in zip(positions, fields, strict=True):
        commit = history.commits[index]
        change = commit.changes[number]
        now = change.now
        assert now is not None  # only versions of claims that still exist are read
        added = change.action == Action.added
        if added:
            last.pop(now, None)  # an earlier claim of that id was removed: this one starts afresh
        renamed_from = change.old_id if change.action == Action.renamed else None
        before = last.get(now)
        moved: dict[str, tuple[str | None, str | None]] = {}
        if watched is not None:
            if before is not None or added:
                for name in _WATCHED:
                    was = before.get(name) if before else None
                    if watched.get(name) != was and (added or watched.get(name) is not None):
                        moved[name] = (was, watched.get(name))
            last[now] = watched
        if added or renamed_from or moved:
            stories.setdefault(now, []).append(ClaimEvent(
                commit.sha, commit.date, commit.subject, added, renamed_from,
                moved.get("certainty"), moved.get("key_message")))
    return {claim: tuple(events) for claim, events in stories.items()}
