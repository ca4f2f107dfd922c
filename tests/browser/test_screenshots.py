"""The screenshot script saves a valid PNG of every page type at desktop and phone widths (of the fixture synthesis,
which needs no archive)."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

from .harness import PAGE_TYPES, ROOT

SCRIPT = Path(__file__).with_name("screenshots.py")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def png_colours(path: Path) -> int:
    """How many byte values the pixel rows below the header hold (the lower two thirds of the image): a handful
    for a blank page, which the header bar alone would not reveal; many for text and colour."""
    data, position, chunks = path.read_bytes(), 8, []
    width, height = png_size(path)
    channels = {2: 3, 6: 4}[data[25]]  # RGB or RGBA, 8 bits each, as Chromium writes them
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        if kind == b"IDAT":
            chunks.append(data[position + 8:position + 8 + length])
        position += 12 + length
    row = 1 + width * channels
    return len(set(zlib.decompress(b"".join(chunks))[row * (height // 3):]))


def test_script_saves_every_page_type_at_both_widths(browser, tmp_path):
    # `browser` only makes this test fail like the others when chromium is missing
    result = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "shots"), "--fixture"], cwd=ROOT,
                            capture_output=True, text=True, env=dict(os.environ), check=False, timeout=600)
    assert result.returncode == 0, result.stderr
    expected = {f"{name}-{width}.png" for name in PAGE_TYPES for width in ("desktop", "phone")}
    assert {p.name for p in (tmp_path / "shots").iterdir()} == expected
    for name in expected:
        width, height = png_size(tmp_path / "shots" / name)
        assert width == (1280 if name.endswith("-desktop.png") else 375), name
        assert height >= 700, name
        assert png_colours(tmp_path / "shots" / name) > 32, f"{name} looks blank"
