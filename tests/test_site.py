"""The site page by page: every generated page matches its golden file in tests/golden/, and rendering is the
same every time. After a deliberate change, ``UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_site.py`` rewrites
the golden files (never in CI); review the diff.

The real builds are in test_build.py (and test_markup, test_renamed_records, test_search_index, test_serve,
test_xrefs); the helpers in support.py."""

from __future__ import annotations

import os
from pathlib import Path

from support import rendered_pages

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def test_golden_pages(tmp_path):
    """Every generated page matches its golden file (UPDATE_GOLDEN=1 rewrites them after a deliberate change)."""
    pages = rendered_pages(tmp_path)
    if UPDATE:
        assert not os.environ.get("CI"), "UPDATE_GOLDEN=1 in CI would compare the pages with themselves"
        for uri, text in pages.items():
            (GOLDEN / uri).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / uri).write_text(text, encoding="utf-8")
    expected = {p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file()}
    assert set(pages) == expected
    for uri, text in pages.items():
        assert text == (GOLDEN / uri).read_text(encoding="utf-8"), f"{uri} differs from tests/golden/{uri}"


def test_rendering_is_deterministic(tmp_path):
    assert rendered_pages(tmp_path / "a") == rendered_pages(tmp_path / "b")
