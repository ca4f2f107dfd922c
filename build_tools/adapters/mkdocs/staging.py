"""``mkdocs build`` into a folder beside the site, swapped in only when the build succeeded."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover (not POSIX): builds are not locked against each other
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("mkdocs.plugins.evidence")


class StagedSite:
    """``mkdocs build`` into a folder beside the site, swapped in only when the build succeeded.

    MkDocs empties ``site_dir`` before building, so a failed build (invalid records,
    strict warnings) would otherwise leave readers, previews and deploy scripts with
    half a site or none. Each staging folder is named after the process that builds in it
    (``.site-building-PID-…``): one left by a build that was killed is removed by the next.
    Swaps are done under a lock, so that two builds ending at once leave one whole site.
    """

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir.resolve()
        self.site_dir.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            self._remove_stale()
            self.staging = Path(tempfile.mkdtemp(prefix=f"{self._prefix('building')}{os.getpid()}-",
                                                 dir=self.site_dir.parent))
        self.complete = False

    def finish(self) -> None:
        if not self.complete:
            shutil.rmtree(self.staging, ignore_errors=True)
            log.info(f"the build failed: {self.site_dir} is left as it was")
            return
        with self._locked():
            old = Path(tempfile.mkdtemp(prefix=f"{self._prefix('old')}{os.getpid()}-", dir=self.site_dir.parent))
            if self.site_dir.exists():
                self.site_dir.replace(old / "site")
            self.staging.rename(self.site_dir)
        shutil.rmtree(old, ignore_errors=True)

    def _prefix(self, what: str) -> str:
        return f".{self.site_dir.name}-{what}-"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Held while folders beside the site are made, removed or swapped: a lock on the folder that holds
        them, so that no lock file is left beside the site."""
        if fcntl is None:
            yield
            return
        folder = os.open(self.site_dir.parent, os.O_RDONLY)
        try:
            fcntl.flock(folder, fcntl.LOCK_EX)
            yield
        finally:
            os.close(folder)  # closing releases the lock

    def _remove_stale(self) -> None:
        """Staging and old-site folders of builds whose process is gone (killed, or the machine restarted)."""
        for what in ("building", "old"):
            for folder in self.site_dir.parent.glob(f"{self._prefix(what)}*"):
                pid = folder.name.removeprefix(self._prefix(what)).split("-", 1)[0]
                if folder.is_dir() and not folder.is_symlink() and pid.isdigit() and not _alive(int(pid)):
                    shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
