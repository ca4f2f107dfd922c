"""What hand-written pages may publish: their own files and the project's, never the archive of source texts.

The archived texts are copyrighted and never published. A page could still reach one by
including it (``--8<--``, pymdownx.snippets), by being a symbolic link to it, or by being a
copy of it; each is refused with the page's name, whichever engine builds the site.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path

_SNIPPET = re.compile(r"""^\s*-{1,}8<-{1,}\s+["']([^"']+)["']\s*$""")
_SNIPPET_FENCE = re.compile(r"^-{1,}8<-{1,}$")
"""A block of included files: their names between two such lines."""
MAX_HASHED_BYTES = 50_000_000
"""Larger files of the docs folder are not compared with the archived texts (none is this large)."""


def snippet_names(text: str) -> list[str]:
    """Files a page includes: ``--8<-- "name"`` on a line, or the names listed between two ``--8<--`` lines."""
    names: list[str] = []
    block: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        single = _SNIPPET.match(line)
        if single:
            names.append(single.group(1))
        elif _SNIPPET_FENCE.match(stripped):
            if block is None:
                block = []
            else:
                names += block
                block = None
        elif block is not None and stripped and not stripped.startswith(";"):
            block.append(stripped)
    return names


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def refused_include(name: str, bases: Iterable[Path], root: Path, archive: Path | None) -> tuple[Path | None, str]:
    """The base folder in which a page's ``--8<-- "name"`` is found (the first that has it; None if none does),
    and why the file may not be published ("" when it may): it must be a file of the project, inside that base,
    and not in the archive."""
    real_root = os.path.realpath(root)
    real_archive = os.path.realpath(archive) if archive else None
    for base in bases:
        candidate = Path(base) / name
        if not candidate.is_file():
            continue
        source = os.path.realpath(candidate)
        if real_archive and _inside(source, real_archive):
            return Path(base), "it is an archived source text, which is never published"
        if not _inside(source, real_root) or not _inside(source, os.path.realpath(base)):
            return Path(base), "it is not a file of the project: only the project's own files are published"
        return Path(base), ""
    return None, ""


def link_out_of(path: Path, folder: Path) -> str:
    """Where a file of ``folder`` really is when it is (or is under) a symbolic link that leads out of ``folder``;
    "" when it stays inside."""
    real = os.path.realpath(path)
    return "" if _inside(real, os.path.realpath(folder)) else real


def archived_copies(paths: Iterable[Path], archived: dict[str, str]) -> dict[Path, str]:
    """The files among ``paths`` whose content is an archived text: path → the source whose text it is
    (``archived`` maps each source's recorded sha256 to its id)."""
    copies = {}
    for path in paths:
        try:
            if path.stat().st_size > MAX_HASHED_BYTES:
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue
        if digest in archived:
            copies[path] = archived[digest]
    return copies
