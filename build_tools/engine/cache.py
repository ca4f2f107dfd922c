"""What validation learnt last time, kept between runs: typed records of unchanged files, verified quotes.

Re-validating 10,000 claims after editing one would otherwise parse every file
and search every archived text again. A record file is unchanged when its
modification time (to the nanosecond), size and inode are those seen last time,
the test git and make use; a quote stays verified while its source's archived
text has the same sha256.

The cache is a folder of pickle files, each written atomically, under
``.cache/`` (never committed). It is ignored, and rebuilt, when the code that produces records
changes or the file is unreadable: a cache can make validation faster, never
different. Pickle runs code when loaded, so only ever point it at a cache this
tool wrote.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
import yaml

from build_tools.engine.findings import Finding
from build_tools.engine.model import Record

DEFAULT_PATH = Path(".cache/validation")
SHARDS = 64
"""Records are spread over this many files, so that saving after one edit rewrites one small file."""

FileKey = tuple[str, int, int, int]
"""Shown path, mtime in nanoseconds, size, inode."""
Entry = tuple["Record | None", list[Finding]]


CODE_THAT_MAKES_RECORDS = ("cache.py", "findings.py", "load.py", "model.py", "quotes.py")
"""The modules whose code decides what a cached entry holds: a change to any of them empties the cache."""


def _code_version() -> str:
    digest = hashlib.sha256(f"{sys.version}|{pydantic.VERSION}|{yaml.__version__}".encode())
    here = Path(__file__).parent
    for name in CODE_THAT_MAKES_RECORDS:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


_VERSION = _code_version()


def shard_of(key: FileKey) -> int:
    """The shard file that keeps the record of this file."""
    return zlib.crc32(key[0].encode("utf-8")) % SHARDS


def _encode_shard(entries: dict[FileKey, Entry]) -> bytes:
    """A shard file's content, also what a worker hands back (:meth:`ValidationCache.store_shard`)."""
    return pickle.dumps((_VERSION, entries), protocol=pickle.HIGHEST_PROTOCOL)


@dataclass
class ValidationCache:
    """Read from the folder ``path`` if it holds a current cache; :meth:`save` writes what this run used."""

    path: Path | None
    records: dict[FileKey, Entry] = field(default_factory=dict)
    verified_quotes: set[tuple[str, str]] = field(default_factory=set)
    """(sha256 of the archived text, quote) pairs found in that text."""
    text_hashes: dict[FileKey, str] = field(default_factory=dict)
    """sha256 of archived texts, by their file key (real path), so that unchanged texts are not read again."""
    _on_file: list[dict[FileKey, Entry]] = field(default_factory=lambda: [{} for _ in range(SHARDS)])
    """What each shard's file holds: as read, or as a worker wrote it this run."""
    _stale: set[int] = field(default_factory=set)
    """Shards whose file a worker rewrote without the records read from it before."""
    _hits: set[FileKey] = field(default_factory=set)
    _new: list[dict[FileKey, Entry]] = field(default_factory=lambda: [{} for _ in range(SHARDS)])
    _quotes_used: set[tuple[str, str]] = field(default_factory=set)
    _hashes_used: dict[FileKey, str] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path | str | None) -> ValidationCache:
        cache = cls(Path(path) if path is not None else None)
        if cache.path is None or not cache.path.is_dir():
            return cache
        for shard in range(SHARDS):
            entries = cache._read(f"records-{shard:02d}.pickle")
            if isinstance(entries, dict):
                cache.records.update(entries)
                cache._on_file[shard] = entries
        verified = cache._read("quotes.pickle")
        if isinstance(verified, set):
            cache.verified_quotes = verified
        hashes = cache._read("texts.pickle")
        if isinstance(hashes, dict):
            cache.text_hashes = hashes
        return cache

    def _read(self, name: str) -> Any:
        assert self.path is not None
        try:
            with (self.path / name).open("rb") as file:
                version, content = pickle.load(file)
        except FileNotFoundError:
            return None
        except Exception:  # a truncated or foreign file: start afresh
            return None
        return content if version == _VERSION else None

    @staticmethod
    def key(path: str, shown: str) -> FileKey | None:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        return shown, stat.st_mtime_ns, stat.st_size, stat.st_ino

    def has(self, key: FileKey | None) -> bool:
        return key is not None and key in self.records

    def get(self, key: FileKey | None) -> Entry | None:
        found = self.records.get(key)  # type: ignore[arg-type]
        if found is not None:
            self._hits.add(key)  # type: ignore[arg-type]
        return found

    def store_shard(self, entries: dict[FileKey, Entry]) -> bytes:
        """In a worker process: the records it parsed for one shard, pickled, and written as that shard's file.

        Workers write in parallel what the parent would otherwise write alone when it
        saves; the parent takes the records with :meth:`adopt`.
        """
        content = _encode_shard(entries)
        if self.path is not None and entries:
            self.path.mkdir(parents=True, exist_ok=True)
            self._write(f"records-{shard_of(next(iter(entries))):02d}.pickle", content)
        return content

    def adopt(self, shard_bytes: bytes) -> None:
        """Take the records of one shard a worker parsed (:meth:`store_shard`), as if read from the cache.

        :meth:`save` leaves that shard's file as the worker wrote it if this run used exactly those records.
        """
        _version, entries = pickle.loads(shard_bytes)
        if entries:
            self.records.update(entries)
            shard = shard_of(next(iter(entries)))
            if self._on_file[shard]:
                self._stale.add(shard)
            self._on_file[shard] = entries

    def put(self, key: FileKey | None, record: Record | None, file_findings: list[Finding]) -> None:
        if key is not None:
            self._new[shard_of(key)][key] = (record, file_findings)

    def unverified_quotes(self, archive_sha256: str, quotes: list[str]) -> list[str]:
        """Those of ``quotes`` that no earlier run found in the text with this hash. Changes nothing: a quote
        is kept for the next run by :meth:`add_verified_quotes`."""
        verified = self.verified_quotes
        return [quote for quote in quotes if (archive_sha256, quote) not in verified]

    def add_verified_quotes(self, archive_sha256: str, quotes: Iterable[str]) -> None:
        self._quotes_used.update([(archive_sha256, quote) for quote in quotes])

    def text_hash(self, key: FileKey | None) -> str | None:
        """The sha256 an earlier run computed of this archived text, if the file is unchanged since. Changes
        nothing: a hash is kept for the next run by :meth:`add_text_hash`."""
        return self.text_hashes.get(key) if key is not None else None

    def add_text_hash(self, key: FileKey | None, sha256: str) -> None:
        if key is not None:
            self._hashes_used[key] = sha256

    def save(self, every_quote_checked: bool = True) -> None:
        """Keep what this run used, so the cache never grows with deleted records or changed quotes.

        Only files whose content changed are rewritten. A run that checked only some
        quotes (``validate FILE``) keeps the others too.
        """
        if self.path is None:
            return
        self.path.mkdir(parents=True, exist_ok=True)
        hits = self._hits
        every_record_used = len(hits) == len(self.records)  # else some file was deleted or changed
        for shard, (on_file, new) in enumerate(zip(self._on_file, self._new, strict=True)):
            if new or shard in self._stale or not (every_record_used or all(key in hits for key in on_file)):
                used = {key: entry for key, entry in self.records.items() if key in hits and shard_of(key) == shard
                        } if shard in self._stale else {key: entry for key, entry in on_file.items() if key in hits}
                self._write(f"records-{shard:02d}.pickle", _encode_shard({**used, **new}))
        quotes = self._quotes_used if every_quote_checked else self._quotes_used | self.verified_quotes
        if quotes != self.verified_quotes:
            self._write("quotes.pickle", pickle.dumps((_VERSION, quotes), protocol=pickle.HIGHEST_PROTOCOL))
        hashes = self._hashes_used if every_quote_checked else {**self.text_hashes, **self._hashes_used}
        if hashes != self.text_hashes:
            self._write("texts.pickle", pickle.dumps((_VERSION, hashes), protocol=pickle.HIGHEST_PROTOCOL))

    def _write(self, name: str, content: bytes) -> None:
        assert self.path is not None
        descriptor, temporary = tempfile.mkstemp(prefix=f".{name}-", dir=self.path)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(content)
            os.replace(temporary, self.path / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
