"""``mkdocs build`` into a folder beside the site, swapped in only when the build succeeded."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger("mkdocs.plugins.evidence")


class StagedSite:
    """``mkdocs build`` into a folder beside the site, swapped in only when the build succeeded.

    MkDocs empties ``site_dir`` before building, so a failed build (invalid records,
    strict warnings) would otherwise leave readers, previews and deploy scripts with
    half a site or none.
    """

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir.resolve()
        self.site_dir.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{self.site_dir.name}-building-", dir=self.site_dir.parent))
        self.complete = False

    def finish(self) -> None:
        if not self.complete:
            shutil.rmtree(self.staging, ignore_errors=True)
            log.info(f"the build failed: {self.site_dir} is left as it was")
            return
        old = self.site_dir.with_name(f".{self.site_dir.name}-old-{os.getpid()}")
        if self.site_dir.exists():
            self.site_dir.rename(old)
        self.staging.rename(self.site_dir)
        shutil.rmtree(old, ignore_errors=True)


