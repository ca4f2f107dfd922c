"""`serve`: a record or a theme override edited while serving is served again; `serve --dirty` writes again
only the pages that changed."""

from __future__ import annotations

import subprocess
import sys

from support import free_port, site_environment


def _fetch(url: str) -> str:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def _wait_for(url: str, text: str, seconds: float = 30) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in _fetch(url):
            return True
        time.sleep(0.3)
    return False


def test_serve_rebuilds_when_a_record_or_an_override_changes(site_project):
    overrides = site_project.root / "overrides"
    (overrides / "assets").mkdir(parents=True)
    (overrides / "assets" / "extra.css").write_text("/* first */\n")
    config = site_project.root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"))
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "properdocs", "serve", "--livereload", "-f", "mkdocs.yml",
                               "-a", f"127.0.0.1:{port}"],
                              cwd=site_project.root, env=site_environment(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        page = f"http://127.0.0.1:{port}/claims/boards-feel-freer/"
        assert _wait_for(page, "Board members see their boards as freer")
        record = site_project.evidence / "claims" / "boards-feel-freer.yaml"
        record.write_text(record.read_text().replace("Board members see", "Board members now see"))
        assert _wait_for(page, "Board members now see their boards")
        (overrides / "assets" / "extra.css").write_text("/* second */\n")
        assert _wait_for(f"http://127.0.0.1:{port}/assets/extra.css", "second")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_dirty_rebuilds_only_the_pages_whose_markdown_changed(site_project, monkeypatch, tmp_path):
    """Two `serve --dirty` rebuilds: after editing one claim, its page is written again, other claims' are not."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from build_tools.adapters.mkdocs.serve import DirtyServe

    monkeypatch.chdir(site_project.root)
    monkeypatch.setattr(DirtyServe, "rendered", {})
    monkeypatch.setattr(DirtyServe, "active", False)  # restored after the test; on_startup sets it
    site = tmp_path / "served"

    def rebuild() -> None:
        config = load_config("mkdocs.yml", site_dir=str(site), strict=False)
        config.plugins.on_startup(command="serve", dirty=True)
        mkdocs_build(config, dirty=True)

    rebuild()
    edited = site / "claims" / "effect-unknown" / "index.html"
    untouched = site / "claims" / "boards-feel-freer" / "index.html"
    before = {page: page.stat().st_mtime_ns for page in (edited, untouched)}
    claim = site_project.evidence / "claims" / "effect-unknown.yaml"
    claim.write_text(claim.read_text().replace("is not yet known", "is still unknown"))
    rebuild()
    assert "is still unknown" in edited.read_text(encoding="utf-8")
    assert edited.stat().st_mtime_ns != before[edited]
    assert untouched.stat().st_mtime_ns == before[untouched]
