"""The contributor guide tells the truth: its walkthrough validates, and its error messages are real.

Each mistake below is made on the guide's example claim, in a small evidence base written here with the records
the guide names (its source, study, themes, the claim it renames and the records that refer to it) and an invented
archive that holds the one passage the guide quotes, so that re-auditing the real records never breaks this test.
The guide must show the validator's output word for word. When a message changes, this test shows the new text to
paste into CONTRIBUTING.md.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
GUIDE = ROOT / "CONTRIBUTING.md"
CLAIM_PATH = "evidence/claims/larger-ccgs-struggle-to-engage.yaml"
ARCHIVED = "003_136c343bd61ff066.txt"
"""The archived file the guide's messages name."""

ARCHIVE_TEXT = """\
Fictional Practice Weekly | News

GPs keep their distance from the groups that commission their services

An invented study of six commissioning groups found that member ownership was much higher in certain localities
than in others. Larger CCGs, in particular, may struggle to engage GPs and create a culture of collective ownership,
the findings suggest. The authors advise groups to give member practices a vote on each year's plans.

Asked what would settle the question, one author said a survey across many groups would be needed.
"""
"""Invented, but for the sentence the guide quotes (and the words around it that its hint shows)."""
ARCHIVED_SHA256 = hashlib.sha256(ARCHIVE_TEXT.encode("utf-8")).hexdigest()

RECORDS = {
    "studies/kings-fund-nuffield-ccg-study": """\
        id: kings-fund-nuffield-ccg-study
        title: An invented study of six commissioning groups
        design: Case studies of six commissioning groups.
        investigators: []
        organisations: [A fictional institute]
        funder: null
        period: The source gives no dates.
        sample: Six commissioning groups.
    """,
    "sources/white-2013-gps-disengaged-from-ccgs": f"""\
        id: white-2013-gps-disengaged-from-ccgs
        title: GPs keep their distance from the groups that commission their services
        authors: ["White, Caroline"]
        outlet: Fictional Practice Weekly
        publisher: null
        date: "2013-07-23"
        type: news-report
        study: kings-fund-nuffield-ccg-study
        archive:
          file: {ARCHIVED}
          sha256: {ARCHIVED_SHA256}
        summary: An invented news report of an invented study.
    """,
    "themes/gp-engagement-and-ownership": """\
        id: gp-engagement-and-ownership
        title: GP engagement and ownership
        summary: Whether member GPs feel the groups are theirs.
    """,
    "themes/variation-between-ccgs": """\
        id: variation-between-ccgs
        title: Variation between groups
        summary: How the groups differ from each other.
    """,
    "claims/ownership-varies-larger-ccgs-struggle": """\
        id: ownership-varies-larger-ccgs-struggle
        key_message: >-
          Member ownership may vary between areas, and larger groups may find engaging GPs harder.
        statement: >-
          An invented study of six groups found member ownership much higher in some localities than in
          others, and suggests that larger groups may struggle to engage GPs.
        themes:
          - variation-between-ccgs
          - gp-engagement-and-ownership
        certainty: low
        certainty_rationale: >-
          One study of six groups, known only through a news report; the point about size is hedged.
        assessment:
          methodological_limitations:
            concerns: moderate
            explanation: We see the study only through a news report.
          coherence:
            concerns: no or very minor
            explanation: No other source speaks to it.
          adequacy:
            concerns: moderate
            explanation: Six case studies, no figures.
          relevance:
            concerns: no or very minor
            explanation: The setting of the claim.
        evidence:
          - source: white-2013-gps-disengaged-from-ccgs
            quote: member ownership was much higher in certain localities than in others
            stance: supports
          - source: white-2013-gps-disengaged-from-ccgs
            quote: may struggle to engage GPs and create a culture of collective ownership
            stance: supports
    """,
    # the guide's messages name the lines where these two refer to the claim it renames: line 10 and line 19
    "questions/does-size-affect-engagement": """\
        id: does-size-affect-engagement
        question: >-
          Do larger groups really find it harder to engage their member GPs, and if so why?
        open_in: these-documents
        why_open: >-
          The suggestion comes from six case studies, too few to separate the effect of size from other
          differences between groups.
        claims:
          - ownership-varies-larger-ccgs-struggle
        would_settle: A survey across many groups.
        raised_by:
          - source: white-2013-gps-disengaged-from-ccgs
            quote: a survey across many groups would be needed
    """,
    "recommendations/governance-that-involves-local-clinicians": """\
        id: governance-that-involves-local-clinicians
        statement: >-
          Groups should give member practices a vote on each year's plans, so that GPs feel the
          groups are theirs.
        made_by:
          - The invented study's authors
        basis: authors-interpretation
        made_in:
          - source: white-2013-gps-disengaged-from-ccgs
            quote: give member practices a vote on each year's plans
        rationale: >-
          In the same invented study, member ownership varied widely between localities, and
          larger groups may find collective ownership harder to build. The news report gives the
          advice without saying how the authors derive it from these findings, so we record it as
          the authors' interpretation. (Five lines, as in the guide's example: the claim below is
          then named on line 19, where the guide's message says it is.)
        claims:
          - ownership-varies-larger-ccgs-struggle
        audience:
          - group leaders
    """,
}
"""The seven records the guide names, by path under evidence/ (the example claim is written by each test)."""


def write_guide_base(root: Path) -> None:
    """The guide's records in ``root/evidence`` and the invented archive in ``root/archive``."""
    (root / "archive").mkdir(parents=True)
    (root / "archive" / ARCHIVED).write_bytes(ARCHIVE_TEXT.encode("utf-8"))
    for path, body in RECORDS.items():
        kind = {"studies": "study", "sources": "source", "themes": "theme", "claims": "claim",
                "questions": "question", "recommendations": "recommendation"}[path.split("/")[0]]
        file = root / "evidence" / f"{path}.yaml"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json\n"
                        + textwrap.dedent(body), encoding="utf-8")


EXAMPLE = """\
# yaml-language-server: $schema=../../schemas/claim.schema.json
id: larger-ccgs-struggle-to-engage
key_message: >-
  Larger CCGs may find it harder than smaller ones to engage GPs and build a sense of collective
  ownership.
statement: >-
  In the King's Fund/Nuffield Trust case studies, larger CCGs seemed to find it harder to engage
  GPs and to build a culture of collective ownership.
themes:
  - gp-engagement-and-ownership
  - variation-between-ccgs
certainty: low
certainty_rationale: >-
  One study of six CCGs, known only through a news report of it; no figures are given.
assessment:
  methodological_limitations:
    concerns: moderate
    explanation: >-
      We see the study only through a news report, which paraphrases what it found.
  coherence:
    concerns: no or very minor
    explanation: No other source says anything about how size affects engagement.
  adequacy:
    concerns: moderate
    explanation: >-
      Six case studies, no figures, and the findings themselves hedge ("may struggle").
  relevance:
    concerns: no or very minor
    explanation: The case studies are of English CCGs in their first months, the setting of the claim.
evidence:
  - source: white-2013-gps-disengaged-from-ccgs
    quote: "Larger CCGs, in particular, may struggle to engage GPs and create a culture of collective ownership"
    stance: supports
"""

# (title in the guide, the example with the mistake made)
MISTAKES = {
    "A colon in unquoted text": EXAMPLE.replace(
        'quote: "Larger CCGs, in particular, may struggle to engage GPs and create a culture of collective '
        'ownership"',
        "quote: Chris Naylor said: CCGs have a real opportunity"),
    "A quote that is not word for word": EXAMPLE.replace("may struggle to engage", "may fail to engage"),
    "A source id that does not exist": EXAMPLE.replace(
        "source: white-2013-gps-disengaged-from-ccgs", "source: white-2013-gps-disengaged"),
    "A theme id that does not exist": EXAMPLE.replace("  - variation-between-ccgs", "  - variation"),
    "A misspelt field": EXAMPLE.replace("statement:", "statment:"),
    "A missing field": re.sub(r"certainty_rationale: >-\n  .*\n", "", EXAMPLE),
    "A value that is not allowed": EXAMPLE.replace("certainty: low", "certainty: medium"),
    "An id that differs from the file name": EXAMPLE.replace(
        "id: larger-ccgs-struggle-to-engage", "id: larger-ccgs-struggle"),
    "A field given twice": EXAMPLE.replace("certainty: low\n", "certainty: low\ncertainty: moderate\n"),
    "A key message that says more than the evidence": EXAMPLE.replace(
        "Larger CCGs may find it harder", "Larger CCGs find it harder"),
    "High certainty on one study": EXAMPLE.replace("certainty: low", "certainty: high"),
}


@pytest.fixture(scope="module")
def base_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("contributing")
    write_guide_base(root)
    return root


def _validate(root: Path, claim: str) -> subprocess.CompletedProcess[str]:
    (root / CLAIM_PATH).write_text(claim, encoding="utf-8")
    return _validate_files(root)


def test_the_guide_base_validates_without_the_example(tmp_path):
    """Every message below is the example claim's: the base itself raises none."""
    write_guide_base(tmp_path)
    result = _validate_files(tmp_path)
    assert result.returncode == 0 and "0 errors, 0 warnings" in result.stdout, result.stdout + result.stderr


def test_the_walkthrough_claim_validates(base_copy):
    result = _validate(base_copy, EXAMPLE)
    assert result.returncode == 0, result.stderr
    assert EXAMPLE.split("\n", 1)[1] in GUIDE.read_text(encoding="utf-8"), "the guide's example claim changed"


@pytest.mark.parametrize("title", list(MISTAKES))
def test_the_guide_shows_the_real_message_for_each_common_mistake(base_copy, title):
    result = _validate(base_copy, MISTAKES[title])
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    message = "\n".join(line for line in result.stderr.strip().splitlines()
                        if not re.fullmatch(r"\d+ errors?, \d+ warnings?", line))
    assert CLAIM_PATH in message
    guide = GUIDE.read_text(encoding="utf-8")
    assert f"### {title}" in guide
    section = guide.split(f"### {title}", 1)[1].split("\n### ", 1)[0]
    assert message in section, f"CONTRIBUTING.md, '{title}' should show:\n{message}"


# --- renaming a record: the guide's steps, and the messages of the steps left out ---------------

OLD_ID, NEW_ID = "ownership-varies-larger-ccgs-struggle", "ownership-varies-by-ccg-size"
GIT = ["git", "-c", "user.name=Contributor", "-c", "user.email=contributor@example.org"]


def _git(root: Path, *args: str, date: str = "2026-12-01T12:00:00+00:00") -> None:
    environment = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run([*GIT, *args], cwd=root, env=environment, check=True, capture_output=True)


def _rename(root: Path, *, alias: bool, update_references: bool) -> None:
    """The guide's steps: git mv, the new id, the old id in aliases, references updated."""
    _git(root, "mv", f"evidence/claims/{OLD_ID}.yaml", f"evidence/claims/{NEW_ID}.yaml")
    path = root / "evidence" / "claims" / f"{NEW_ID}.yaml"
    new_id = f"id: {NEW_ID}\n" + (f"aliases: [{OLD_ID}]\n" if alias else "")
    path.write_text(path.read_text(encoding="utf-8").replace(f"id: {OLD_ID}\n", new_id), encoding="utf-8")
    if update_references:
        for referrer in ("questions/does-size-affect-engagement.yaml",
                         "recommendations/governance-that-involves-local-clinicians.yaml"):
            file = root / "evidence" / referrer
            file.write_text(file.read_text(encoding="utf-8").replace(OLD_ID, NEW_ID), encoding="utf-8")


def _messages(result: subprocess.CompletedProcess[str]) -> str:
    """The validator's output without its summary line, commit hashes shown as in the guide."""
    lines = [line for line in result.stderr.strip().splitlines()
             if not re.fullmatch(r"\d+ errors?, \d+ warnings?", line)]
    return re.sub(r"\(commit [0-9a-f]{7},", "(commit 1a2b3c4,", "\n".join(lines))


def _guide_section(title: str) -> str:
    guide = GUIDE.read_text(encoding="utf-8")
    assert f"### {title}" in guide
    return guide.split(f"### {title}", 1)[1].split("\n#", 1)[0]


@pytest.fixture
def renamed_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write_guide_base(root)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "The evidence base", date="2026-11-30T12:00:00+00:00")
    return root


def test_a_rename_done_as_the_guide_says_validates(renamed_repo):
    _rename(renamed_repo, alias=True, update_references=True)
    _git(renamed_repo, "commit", "-q", "-am", "Rename a claim")
    result = _validate_files(renamed_repo)
    assert result.returncode == 0, result.stderr


def test_the_guide_shows_the_message_for_references_left_on_the_old_id(renamed_repo):
    _rename(renamed_repo, alias=True, update_references=False)
    result = _validate_files(renamed_repo)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    message = _messages(result)
    assert message.count("[renamed-reference]") == 2
    assert message in _guide_section("References to the old id"), f"CONTRIBUTING.md should show:\n{message}"


def test_the_guide_shows_the_message_for_a_rename_without_the_alias(renamed_repo):
    _rename(renamed_repo, alias=False, update_references=True)
    _git(renamed_repo, "commit", "-q", "-am", "Rename a claim")
    result = _validate_files(renamed_repo)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    message = _messages(result)
    assert "[missing-alias]" in message
    assert message in _guide_section("A rename without the old id in aliases"), \
        f"CONTRIBUTING.md should show:\n{message}"


def test_the_guide_shows_the_message_for_reusing_a_retired_id(renamed_repo):
    _rename(renamed_repo, alias=True, update_references=True)
    _git(renamed_repo, "commit", "-q", "-am", "Rename a claim")
    (renamed_repo / CLAIM_PATH).write_text(EXAMPLE.replace("larger-ccgs-struggle-to-engage", OLD_ID),
                                           encoding="utf-8")
    (renamed_repo / CLAIM_PATH).rename(renamed_repo / "evidence" / "claims" / f"{OLD_ID}.yaml")
    result = _validate_files(renamed_repo)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    message = _messages(result)
    assert "[retired-id-reused]" in message
    assert message in _guide_section("A new record with a retired id"), f"CONTRIBUTING.md should show:\n{message}"


def _validate_files(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "build_tools", "validate", "--strict", "--archive",
                           str(root / "archive")], cwd=root, capture_output=True, text=True, check=False)
