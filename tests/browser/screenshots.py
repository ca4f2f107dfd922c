"""Save a screenshot of each page type at desktop and phone widths, for review in pull requests.

    .venv/bin/python tests/browser/screenshots.py OUT_DIR [--dark] [--viewport-only] [--fixture]

Builds the real site (the source archive from EVIDENCE_ARCHIVE or ../shared/sources),
or with --fixture the tests' fixture synthesis (no archive needed),
serves it on 127.0.0.1 and photographs one page of every type with Debian's Chromium:
OUT_DIR/<type>-desktop.png (1280 px wide) and OUT_DIR/<type>-phone.png (375 px wide),
plus <type>-<width>-dark.png with --dark. Whole pages unless --viewport-only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from harness import DESKTOP, PHONE, launch_chromium, page_types, served_site

WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


def take(out_dir: Path, *, dark: bool = False, full_page: bool = True, fixture: bool = False) -> list[Path]:
    """Every page type at every width (and palette), as PNG files in ``out_dir``; returns their paths."""
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    schemes = ["light", "dark"] if dark else ["light"]
    saved: list[Path] = []
    with (tempfile.TemporaryDirectory() as work, served_site(Path(work), fixture=fixture) as site,
          sync_playwright() as playwright):
        browser = launch_chromium(playwright)
        types = page_types(site.evidence)
        try:
            for scheme in schemes:
                for width_name, viewport in WIDTHS.items():
                    phone = viewport is PHONE
                    context = browser.new_context(viewport=viewport, device_scale_factor=1, is_mobile=phone,
                                                  has_touch=phone, color_scheme=scheme, reduced_motion="reduce")
                    page = context.new_page()
                    for name, path in types.items():
                        page.goto(site.url + path)
                        suffix = "-dark" if scheme == "dark" else ""
                        file = out_dir / f"{name}-{width_name}{suffix}.png"
                        page.screenshot(path=str(file), full_page=full_page, animations="disabled")
                        saved.append(file)
                    context.close()
        finally:
            browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="folder for the PNG files (created if missing)")
    parser.add_argument("--dark", action="store_true", help="also photograph the dark palette")
    parser.add_argument("--viewport-only", action="store_true", help="the first screen only, not whole pages")
    parser.add_argument("--fixture", action="store_true",
                        help="the tests' fixture synthesis instead of the real site (needs no archive)")
    args = parser.parse_args(argv)
    try:
        saved = take(args.out_dir, dark=args.dark, full_page=not args.viewport_only, fixture=args.fixture)
    except RuntimeError as error:
        print(f"screenshots: {error}", file=sys.stderr)
        return 1
    print(f"{len(saved)} screenshots in {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
