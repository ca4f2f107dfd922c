"""What the tests share: small evidence bases and sites they write themselves, the commands they run and the
environments they run them in, git repositories, and where the project's real evidence base and archive are.

Plain functions and constants; the fixtures that use them are in conftest.py. Import them with
``from support import …`` (pytest puts tests/ on the import path, as it does for conftest).
"""

from __future__ import annotations

import dataclasses
import datetime
import gzip
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from build_tools.engine.graph import build_graph
from build_tools.engine.history import FileChange, RawCommit, build_history
from build_tools.engine.load import load_evidence
from build_tools.engine.model import KINDS
from build_tools.site.citations import Citations
from build_tools.site.exports import build_exports
from build_tools.site.render import TAGS_URI, GeneratedPage, SiteInfo, render_pages

# --- the project's own evidence base and archive ------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
"""The project's folder (this checkout)."""
REAL_EVIDENCE = ROOT / "evidence"
"""The project's real evidence base. A test that reads it, or the archive below, is marked ``real_base``."""
_ARCHIVE = Path(os.environ.get("EVIDENCE_ARCHIVE") or ROOT.parent / "shared" / "sources")
REAL_ARCHIVE = _ARCHIVE if _ARCHIVE.is_absolute() else (ROOT / _ARCHIVE).resolve()
"""The archive of the real base's sources, as every command finds it: EVIDENCE_ARCHIVE, else ../shared/sources."""
needs_real_archive = pytest.mark.skipif(
    not REAL_ARCHIVE.is_dir() and not os.environ.get("CI"),
    reason="the source archive is not beside the project, nor in EVIDENCE_ARCHIVE")
"""Outside CI a checkout without the archive skips the tests that need it; in CI a missing archive fails them."""


# --- small evidence bases of the tests' own ------------------------------------------------------------------

ARCHIVE_TEXT = """\
Fictional Health Journal
Menu | Subscribe | Sign in

Local boards were “less constrained by the centre” than their predecessors, a survey of 400 board members found.
Doctors on the boards said they “could change services quickly” – often within months – when managers
had tried for years.
One chair said: “We opened a walk-in centre in [the town] in six weeks.”
Researchers cautioned that the findings were early… and that the picture varied widely between areas.
“It’s too soon to say what the effect on patients will be,” said the lead author.
"""


@dataclass
class Project:
    """A project folder with evidence/ and archive/ that tests fill in."""

    root: Path

    @property
    def evidence(self) -> Path:
        return self.root / "evidence"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    def write(self, kind: str, record_id: str, body: str, *, suffix: str = ".yaml") -> Path:
        """A record file. A claim written without an assessment gets one that fits its certainty (and a key
        message, if it has none), after its other fields, so that a test writes only what it is about."""
        path = self.evidence / KINDS[kind].folder / f"{record_id}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = textwrap.dedent(body).lstrip("\n")
        if kind == "claim":
            text = judged(text)
        path.write_text(text, encoding="utf-8")
        return path

    def archive_file(self, name: str, text: str) -> str:
        self.archive.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        (self.archive / name).write_bytes(data)
        return hashlib.sha256(data).hexdigest()


KEY_MESSAGES = {"high": "The finding holds.", "moderate": "The finding probably holds.", "low": "The finding may hold.",
                "very low": "It is uncertain whether the finding holds."}
WORST_CONCERN = {"high": ("adequacy", "no or very minor"), "moderate": ("adequacy", "minor"),
                 "low": ("adequacy", "moderate"), "very low": ("methodological_limitations", "serious")}


def judged(text: str) -> str:
    """A claim's YAML with a key message and an assessment that fit its certainty appended, when it has none:
    one component at the level's worst concern, coherence minor when some evidence contradicts the claim."""
    level = re.search(r"^certainty: *(.+)$", text, re.M)
    if level is None or re.search(r"^assessment:", text, re.M):
        return text
    certainty = level.group(1).strip()
    worst, concern = WORST_CONCERN.get(certainty, ("adequacy", "minor"))
    lines = [] if re.search(r"^key_message:", text, re.M) else [
        f"key_message: {KEY_MESSAGES.get(certainty, KEY_MESSAGES['low'])}"]
    lines.append("assessment:")
    for name in ("methodological_limitations", "coherence", "adequacy", "relevance"):
        judgement = concern if name == worst else (
            "minor" if name == "coherence" and "stance: contradicts" in text else "no or very minor")
        lines += [f"  {name}:", f"    concerns: {judgement}", "    explanation: Judged for the test."]
    return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"


def write_valid_base(project: Project) -> None:
    """A small evidence base that validates strict: two studies, three sources, claims, and the rest."""
    sha = project.archive_file("journal.txt", ARCHIVE_TEXT)
    sha2 = project.archive_file(
        "other.txt", "A second study of 12 areas found boards “less constrained by the centre”.\n")
    project.write("study", "board-study", """
        id: board-study
        title: A survey of local boards
        design: national survey
        investigators: [A. Researcher]
        organisations: [Fictional University]
        funder: null
        period: "2013"
        sample: 400 board members
    """)
    project.write("study", "second-study", """
        id: second-study
        title: A second study
        design: case studies
        sample: 12 areas
    """)
    project.write("source", "journal-report", f"""
        id: journal-report
        title: Boards less constrained by the centre
        authors: []
        outlet: Fictional Health Journal
        date: 2014-04
        type: news-report
        study: board-study
        archive:
          file: journal.txt
          sha256: {sha}
        data_period: "2013: the survey's one round"
    """)
    project.write("source", "second-report", f"""
        id: second-report
        title: Second report
        authors: ["Writer, B."]
        date: 2015
        type: research-report
        study: second-study
        archive:
          file: other.txt
          sha256: {sha2}
    """)
    project.write("theme", "autonomy", """
        id: autonomy
        title: Autonomy
        summary: |
          Boards feel freer.

          But it varies.
    """)
    project.write("claim", "boards-feel-freer", """
        id: boards-feel-freer
        statement: Board members see their boards as freer from central control than earlier bodies.
        themes: [autonomy]
        certainty: moderate
        certainty_rationale: Two independent studies agree.
        evidence:
          - source: journal-report
            quote: "less constrained by the centre"
            stance: supports
          - source: second-report
            quote: boards “less constrained by the centre”
            stance: supports
        key_message: Board members probably see their boards as freer from central control.
    """)
    project.write("claim", "effect-unknown", """
        id: effect-unknown
        statement: The effect on patients is not yet known.
        themes: [autonomy]
        certainty: low
        certainty_rationale: One author's remark in a news report.
        evidence:
          - source: journal-report
            quote: "It's too soon to say what the effect on patients will be"
            stance: supports
        key_message: The effect on patients may not be known yet.
    """)
    project.write("recommendation", "wait-and-see", """
        id: wait-and-see
        statement: Judge the reforms only once patient effects are measured.
        made_in:
          - source: journal-report
            quote: too soon to say
        rationale: The effect is unknown.
        claims: [effect-unknown]
        audience: [policy makers]
        made_by: [A. Researcher]
        basis: study-findings
    """)
    project.write("question", "patient-effects", """
        id: patient-effects
        question: What is the effect on patients?
        why_open: Too early.
        claims: [effect-unknown, boards-feel-freer]
        would_settle: Outcome data over several years.
        raised_by:
          - source: journal-report
            quote: the findings were early
        open_in: the-field
    """)


def write_site_base(project: Project) -> None:
    """The valid base plus a contested claim, and a minimal site around it."""
    write_valid_base(project)
    project.write("claim", "change-is-quick", """
        id: change-is-quick
        statement: Doctors on the boards can change services quickly.
        themes: [autonomy]
        certainty: low
        certainty_rationale: One survey, reported in the news.
        evidence:
          - source: journal-report
            quote: “could change services quickly”
            stance: supports
            locator: paragraph 2
          - source: journal-report
            quote: the picture varied widely between areas
            stance: contradicts
            note: Variation suggests not every board can.
        aliases: [quick-change]
        key_message: Doctors on the boards may be able to change services quickly.
    """)
    (project.root / "content").mkdir()
    (project.root / "content" / "overview.md").write_text(textwrap.dedent("""\
        # Overview

        The key finding: [](claim:boards-feel-freer). See also [this theme](theme:autonomy).

        Code is left alone: `[](claim:not-a-claim)`.
        """), encoding="utf-8")
    (project.root / "content" / "methods.md").write_text("# Methods\n\nHow it was made.\n", encoding="utf-8")
    (project.root / "mkdocs.yml").write_text(textwrap.dedent("""\
        site_name: Test synthesis
        site_url: http://127.0.0.1:8000/
        repo_url: !ENV [REPO_URL, null]
        edit_uri: edit/main/content/
        docs_dir: content
        theme:
          name: material
          font: false
          features: [navigation.instant, navigation.instant.preview, content.action.edit]
        plugins:
          - search
          - tags
          - evidence:
              archive: archive
          - redirects
        markdown_extensions: [admonition, attr_list, md_in_html, tables, {toc: {permalink: true}}]
        validation:
          omitted_files: warn
          absolute_links: warn
          unrecognized_links: warn
          anchors: warn
          not_found: warn
        nav:
          - Home: index.md
          - Overview: overview.md
          - Themes: themes/index.md
          - Claims: claims/index.md
          - Evidence map: evidence-map.md
          - Recommendations: recommendations/index.md
          - Open questions: questions/index.md
          - Sources: sources/index.md
          - Studies: studies/index.md
          - Methods: methods.md
          - Downloads: downloads/index.md
          - Changelog: changelog.md
        """), encoding="utf-8")

def page_bodies(project: Project, info: SiteInfo | None = None) -> dict[str, str]:
    """Every generated page of the project's records, rendered in this process (no MkDocs): Markdown or HTML body."""
    rendered = render_pages(build_graph(load_evidence(project.evidence)), info or SiteInfo("Test synthesis"))
    return {uri: page if isinstance(page, str) else page.body for uri, page in rendered.items()}


def only(findings: list[Any], code: str) -> Any:
    """The one finding of ``code`` among ``findings``; fails the test if there are none, or more."""
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, f"not one {code} finding in {[(f.code, f.message) for f in findings]}"
    return matching[0]


# --- commands and their environments -------------------------------------------------------------------------

def site_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without REPO_URL and EVIDENCE_ARCHIVE (so that nothing of the machine's set-up
    reaches a test's project), MkDocs' banner silenced, then ``extra``."""
    environment = {k: v for k, v in os.environ.items() if k not in {"REPO_URL", "EVIDENCE_ARCHIVE"}}
    environment["NO_MKDOCS_2_WARNING"] = "1"
    return environment | (extra or {})


def bare_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Next to nothing: build_tools importable from this checkout and the system's PATH (no virtual environment's
    programs, none of the caller's variables), then ``extra``."""
    return {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"} | (extra or {})


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, bare: bool = False,
            timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m build_tools ARGS`` in ``cwd``, in :func:`site_environment` (or :func:`bare_environment`)
    with ``env`` added."""
    environment = bare_environment(env) if bare else site_environment(env)
    return subprocess.run([sys.executable, "-m", "build_tools", *args], cwd=cwd, capture_output=True, text=True,
                          env=environment, timeout=timeout, check=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- git -----------------------------------------------------------------------------------------------------

GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
                "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org"}


def git(root: Path, *args: str, date: str | None = None) -> str:
    """``git ARGS`` in ``root`` as a test identity (at noon on ``date``, if given); fails the test if git does."""
    environment = {**os.environ, **GIT_IDENTITY}
    if date:
        environment.update(GIT_AUTHOR_DATE=f"{date}T12:00:00+00:00", GIT_COMMITTER_DATE=f"{date}T12:00:00+00:00")
    result = subprocess.run(["git", *args], cwd=root, env=environment, capture_output=True, text=True, check=True)
    return result.stdout


def commit(root: Path, date: str, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, date=date)


def git_repository(root: Path, message: str | None = "base") -> None:
    """``root`` made a repository on branch main with every file added, and committed unless ``message`` is None."""
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    if message is not None:
        git(root, "commit", "-q", "-m", message)


# --- building the site --------------------------------------------------------------------------------------

def build(project: Project, env: dict[str, str] | None = None,
          engine: str = "properdocs") -> subprocess.CompletedProcess[str]:
    """``properdocs build --strict`` (the recommended engine), or ``mkdocs``."""
    return subprocess.run([sys.executable, "-m", engine, "build", "--strict", "-f", "mkdocs.yml", "-d", "site"],
                          cwd=project.root, capture_output=True, text=True, env=site_environment(env), check=False)


def html(project: Project, page: str) -> str:
    return (project.root / "site" / page).read_text(encoding="utf-8")


def searched(project: Project) -> list[dict[str, Any]]:
    """What the project's built site's search finds (:func:`pagefind_entries`)."""
    return pagefind_entries(project.root / "site")


def pagefind_entries(site: Path) -> list[dict[str, Any]]:
    """What a built site's search finds: the records of every Pagefind index it names (gzipped JSON after a
    signature, one a file), as Material's entries (location, title, text, tags)."""
    folders = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["config"]["indexes"]
    entries = []
    for path in sorted(path for folder in folders for path in (site / folder / "fragment").iterdir()):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd"), path
        record = json.loads(data.removeprefix(b"pagefind_dcd"))
        entry = {"location": record["filters"]["location"][0], "title": record["meta"]["title"],
                 "text": record["content"]}
        if "tags" in record["meta"]:
            entry["tags"] = record["meta"]["tags"].split("\n")
        entries.append(entry)
    return entries


# --- every generated page, for the golden files ------------------------------------------------------------

def _commit(sha: str, date: str, subject: str, *files: FileChange) -> RawCommit:
    return RawCommit(sha * 40, datetime.date.fromisoformat(date), subject, files)


# The golden pages never depend on the repository's own history: this one is made up, newest commit first.
# quick-change is renamed to change-is-quick (which lists it in aliases), and a claim is added, then removed.
FIXED_HISTORY = dataclasses.replace(build_history([
    _commit("d", "2026-03-01", "Remove a claim; reword the theme",
            FileChange("D", "claims/dropped.yaml"), FileChange("M", "themes/autonomy.yaml")),
    _commit("c", "2026-02-10", "Add a claim", FileChange("A", "claims/dropped.yaml")),
    _commit("b", "2026-02-10", "Rename quick-change; reword boards-feel-freer",
            FileChange("R", "claims/quick-change.yaml", "claims/change-is-quick.yaml"),
            FileChange("M", "claims/boards-feel-freer.yaml")),
    _commit("a", "2026-01-05", "First records", *(FileChange("A", path) for path in (
        "studies/board-study.yaml", "studies/second-study.yaml", "sources/journal-report.yaml",
        "sources/second-report.yaml", "themes/autonomy.yaml", "claims/boards-feel-freer.yaml",
        "claims/effect-unknown.yaml", "claims/quick-change.yaml", "recommendations/wait-and-see.yaml",
        "questions/patient-effects.yaml", "README.md"))),
]), head="e" * 40, dirty=False)


def rendered_pages(tmp_path: Path) -> dict[str, str]:
    """Every generated page as text: HTML after a header of its front matter (Markdown for the tags page)."""
    project = Project(tmp_path)
    write_site_base(project)
    source = project.evidence / "sources" / "journal-report.yaml"  # an address: quotes link to their passage
    source.write_text(source.read_text(encoding="utf-8") + "url: https://example.org/report\n", encoding="utf-8")
    graph = build_graph(load_evidence(project.evidence))
    info = SiteInfo("Test synthesis", "A synthesis used in tests.", url="https://example.org/synthesis/",
                    date=datetime.date(2026, 1, 2))
    citations = Citations(graph, info, history=FIXED_HISTORY)
    pages = render_pages(graph, info, FIXED_HISTORY, citations=citations,
                         downloads=build_exports(graph, info, citations))
    return {golden_name(uri): page if isinstance(page, str) else golden_text(page) for uri, page in pages.items()}


def golden_text(page: GeneratedPage) -> str:
    """A generated page as one text: a header of its front matter and search text, then its HTML."""
    lines = ["<!--", f"title: {page.title}"]
    lines += [f"tags: {', '.join(page.tags)}"] if page.tags else []
    lines += [f"hide: {', '.join(page.hide)}"] if page.hide else []
    lines += [f"feed: {page.feed}"] if page.feed else []
    lines += [f"search: {page.search}" if page.search is not None else "search: excluded", "-->", ""]
    return "\n".join(lines) + page.body


def golden_name(uri: str) -> str:
    """claims/x.md → claims/x.html: generated pages are HTML, but for the tags page."""
    return uri if uri == TAGS_URI else uri.removesuffix(".md") + ".html"

def build_synthetic_site(root: Path, claims: int, theme_overrides: Path | None = None) -> None:
    """A synthetic synthesis of ``claims`` claims (the benchmark's generator) built strict into ``root/site``;
    with ``theme_overrides``, the project's CSS and script too."""
    from build_tools.tooling.synthetic import generate

    generate(root, claims, seed=3)
    (root / "content").mkdir()
    theme = f"{{name: material, font: false, custom_dir: {theme_overrides}}}" if theme_overrides else \
        "{name: material, font: false}"
    extras = "extra_css: [assets/evidence.css]\nextra_javascript: [assets/evidence.js]\n" if theme_overrides else ""
    (root / "mkdocs.yml").write_text(textwrap.dedent(f"""\
        site_name: Large synthesis
        docs_dir: content
        theme: {theme}
        plugins: [search, tags, {{evidence: {{archive: archive}}}}]
        markdown_extensions: [admonition, pymdownx.details, pymdownx.superfences, tables]
        validation: {{omitted_files: warn, absolute_links: warn, unrecognized_links: warn, anchors: warn,
                     not_found: warn}}
        """) + extras, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", "site"], cwd=root,
                            capture_output=True, text=True, check=False,
                            env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-3000:]

