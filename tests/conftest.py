"""Fixtures that write small evidence bases and archives of their own (never the real sources)."""

from __future__ import annotations

import hashlib
import os
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from build_tools.engine.model import KINDS

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


@pytest.fixture(scope="session", autouse=True)
def cache_signing_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The validation cache's signing key of the tests, not of the user who runs them (subprocesses too)."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/browser/ is a browser test (``check --fast`` leaves them out)."""
    for item in items:
        if "browser" in Path(str(item.path)).relative_to(Path(__file__).parent).parts[:1]:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


@pytest.fixture
def valid_project(project: Project) -> Project:
    write_valid_base(project)
    return project
