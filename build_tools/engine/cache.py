"""What validation learnt last time, kept between runs: typed records of unchanged files, verified quotes.

Re-validating 10,000 claims after editing one would otherwise parse every file
and search every archived text again. A record file is unchanged when its
modification time (to the nanosecond), size and inode are those seen last time,
the test git and make use; a quote stays verified while its source's archived
text has the same sha256.

The cache is a folder of pickle files, each written atomically, under
``.cache/`` (never committed). It is ignored, and rebuilt, when the code that produces records
changes or the file is unreadable: a cache can make validation faster, never
different.

Pickle runs code when loaded, and the cache folder sits in the working tree, where
a pull request could put files of its own. So every file is signed (HMAC-SHA256)
with a key that is never in the project: a random key made once per user, in
``$XDG_CACHE_HOME/evidence-site/cache.key`` (``~/.cache/...``), readable by its owner
only. A file whose signature does not match is ignored, unread by pickle; without a
key (no writable home), nothing is cached.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import re
import stat
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


_SIGNED = b"evidence-site cache 1\n"
"""What a signed cache file starts with, before its signature and its pickle."""


def key_path() -> Path:
    """Where this user's signing key lives: outside any project."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "evidence-site" / "cache.key"


_keys: dict[Path, bytes | None] = {}


def signing_key() -> bytes | None:
    """This user's key, made on first use (32 random bytes, mode 0600); None when it cannot be had."""
    path = key_path()
    if path not in _keys:
        _keys[path] = _read_or_make_key(path)
    return _keys[path]


def _read_or_make_key(path: Path) -> bytes | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = path.read_bytes()
            return key if len(key) == 32 else None
        with os.fdopen(descriptor, "wb") as file:
            file.write(os.urandom(32))
        return path.read_bytes()
    except OSError:
        return None


def _signature(key: bytes, name: str, content: bytes) -> bytes:
    return hmac.new(key, name.encode("utf-8") + b"\0" + content, hashlib.sha256).digest()


MAX_CACHE_FILE = 512 * 1024 * 1024
"""No cache file is read past this size: one that large was not written here."""


def trusted_folder(folder: Path) -> bool:
    """A cache folder is used only when neither it nor the folder above it (``.cache``) is a symbolic link: the
    working tree may hold links a pull request planted, which would lead writes (and clean-ups) anywhere."""
    return not any(path.is_symlink() for path in (folder, folder.parent))


def read_plain_file(path: Path, limit: int = MAX_CACHE_FILE) -> bytes | None:
    """The bytes of a regular file, never read through a link, from a pipe or a device, nor past ``limit``."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as file:
        found = os.fstat(file.fileno())
        if not stat.S_ISREG(found.st_mode) or found.st_size > limit:
            return None
        return file.read(limit)


def read_signed(folder: Path, name: str) -> bytes | None:
    """The content of ``folder/name`` when this user's tool wrote it: signed with this user's key, in a folder that
    is no link, a regular file; None otherwise (never read further, never unpickled)."""
    key = signing_key()
    if key is None or not trusted_folder(folder):
        return None
    data = read_plain_file(folder / name)
    if data is None:
        return None
    signature, content = data[len(_SIGNED):len(_SIGNED) + 32], data[len(_SIGNED) + 32:]
    if not data.startswith(_SIGNED) or not hmac.compare_digest(signature, _signature(key, name, content)):
        return None  # written by other code, or by someone else
    return content


def write_signed(folder: Path, name: str, content: bytes) -> bool:
    """Write ``content`` to ``folder/name`` atomically, signed with this user's key; False when there is no key
    (a cache nobody could trust is not written) or the folder is a link. Raises OSError when it cannot be written."""
    key = signing_key()
    if key is None or not trusted_folder(folder):
        return False
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}-", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(_SIGNED + _signature(key, name, content) + content)
        os.replace(temporary, folder / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


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
        """A file's content if this user's tool wrote it (its signature checked before pickle reads a byte)."""
        assert self.path is not None
        content = read_signed(self.path, name)
        if content is None:
            return None
        try:
            version, value = pickle.loads(content)
        except Exception:  # a file of an older format: start afresh
            return None
        return value if version == _VERSION else None

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

    def save(self, every_quote_checked: bool = True) -> str | None:
        """Keep what this run used, so the cache never grows with deleted records or changed quotes.

        Only files whose content changed are rewritten. A run that checked only some
        quotes (``validate FILE``) keeps the others too. A cache that cannot be written
        (a read-only folder, a file where the folder should be) costs the next run its
        speed, never this run its result: the reason is returned, to be shown as a note.
        """
        if self.path is None:
            return None
        try:
            self._save(every_quote_checked)
        except OSError as exc:
            return (f"the validation cache {self.path} could not be written ({exc.strerror or exc}): the next run "
                    "checks every record again")
        return None

    def _save(self, every_quote_checked: bool) -> None:
        assert self.path is not None
        if not trusted_folder(self.path):
            raise OSError(f"{self.path} or the folder above it is a symbolic link")
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
        write_signed(self.path, name, content)


BRIEF_PATH = Path(".cache/brief")
"""Where :class:`SignedFiles` keeps the printable brief's PDF between builds."""


_STORED_NAME = re.compile(r"[0-9a-f]{64}\.[a-z]{1,5}")
"""The names :class:`SignedFiles` are given: a sha256 and a suffix."""


class SignedFiles:
    """Outputs that cost seconds to remake and are a pure function of their name (a hash of what they are made
    from): the printable brief's PDF, which WeasyPrint lays out in a second or more while most edits leave it
    unchanged. Each file is signed like the validation cache's, so that a file a pull request put in the working
    tree is never taken for one this user's tool made; the ``keep`` newest are kept. Reading or writing may
    fail (no key, a read-only folder): the output is then made again, never different."""

    def __init__(self, folder: Path | str | None, keep: int = 4) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.keep = keep

    def get(self, name: str) -> bytes | None:
        if not _STORED_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a sha256 with a suffix")
        return read_signed(self.folder, name) if self.folder is not None else None

    def put(self, name: str, content: bytes) -> None:
        if self.folder is None:
            return
        try:
            if not write_signed(self.folder, name, content):
                return
            # Only files of the names this store writes, and only regular ones, are ever removed.
            ours = [(entry.lstat().st_mtime_ns, entry) for entry in self.folder.iterdir()
                    if _STORED_NAME.fullmatch(entry.name) and stat.S_ISREG(entry.lstat().st_mode)]
            for _, old in sorted(ours, reverse=True)[self.keep:]:
                old.unlink(missing_ok=True)
        except OSError:
            return
