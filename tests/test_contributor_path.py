"""A contributor who follows CONTRIBUTING.md gets a green check.

In a copy of the project (its committed files) and of the archive, the test adds what a contributor adds: a new
archived text and its source, a new theme, two claims and a recommendation, each begun with `new` as the guide
says, then runs the whole `check`, every step and every test. The tests run inside it leave this one out.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import REAL_ARCHIVE, ROOT, git_repository, needs_real_archive

INSIDE = "EVIDENCE_CONTRIBUTOR_RUN"
"""Set in the check this test runs, so that the check's own tests do not run this test again."""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.real_base,
    pytest.mark.skipif(bool(os.environ.get(INSIDE)), reason="the contributor's check is running this suite"),
]

NEW_TEXT = """\
Clinical commissioning in a fictional county: a worked example

The county's commissioning group reported that locality meetings drew more GPs once they were held at lunchtime.
Attendance rose in every locality over the year, the group's annual report says.

The report adds that practice managers, not GPs, wrote most of the locality plans.
"""

RECORDS = {
    "sources/county-2015-worked-example": """\
id: county-2015-worked-example
title: "Clinical commissioning in a fictional county: a worked example"
authors: []
outlet: null
publisher: null
date: "2015"
type: other
study: null
archive:
  file: {file}
  sha256: {sha256}
summary: >-
  A short worked example written for this test; it names no author, outlet or publisher.
""",
    "themes/locality-working": """\
id: locality-working
title: Locality working
summary: >-
  How CCGs worked through their localities.
""",
    "claims/lunchtime-meetings-drew-more-gps": """\
id: lunchtime-meetings-drew-more-gps
key_message: >-
  Holding locality meetings at lunchtime may draw more GPs to them.
statement: >-
  According to one commissioning group's report, locality meetings drew more GPs once they were held at
  lunchtime.
themes:
  - locality-working
certainty: low
certainty_rationale: >-
  One organisation's account of its own meetings, in a document that reports no study.
assessment:
  methodological_limitations:
    concerns: serious
    explanation: A group describing its own meetings, with no study behind the account.
  coherence:
    concerns: no or very minor
    explanation: No other source speaks of meeting times.
  adequacy:
    concerns: moderate
    explanation: One sentence and no figures.
  relevance:
    concerns: no or very minor
    explanation: It concerns a commissioning group's localities, the setting of the claim.
evidence:
  - source: county-2015-worked-example
    quote: "locality meetings drew more GPs once they were held at lunchtime"
    stance: supports
""",
    "claims/managers-wrote-locality-plans": """\
id: managers-wrote-locality-plans
key_message: >-
  It is uncertain whether practice managers, rather than GPs, wrote most locality plans.
statement: >-
  According to one commissioning group's report, practice managers wrote most of its locality plans.
themes:
  - locality-working
certainty: very low
certainty_rationale: >-
  One sentence of one organisation's report, which reports no study.
assessment:
  methodological_limitations:
    concerns: serious
    explanation: The report states it without saying how it knows.
  coherence:
    concerns: no or very minor
    explanation: No other source speaks of who wrote locality plans.
  adequacy:
    concerns: serious
    explanation: A single sentence, about one county.
  relevance:
    concerns: minor
    explanation: One fictional county may not stand for others.
evidence:
  - source: county-2015-worked-example
    quote: "practice managers, not GPs, wrote most of the locality plans"
    stance: supports
""",
    "recommendations/hold-locality-meetings-at-lunchtime": """\
id: hold-locality-meetings-at-lunchtime
statement: >-
  CCGs could try holding locality meetings at lunchtime to draw more GPs to them.
made_by:
  - The county's commissioning group
basis: authors-interpretation
made_in:
  - source: county-2015-worked-example
    quote: "Attendance rose in every locality over the year"
rationale: >-
  The group reports that attendance rose once meetings moved to lunchtime.
claims:
  - lunchtime-meetings-drew-more-gps
audience:
  - CCG leaders
""",
}


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=3000)


@needs_real_archive
def test_a_contributor_who_follows_the_guide_gets_a_green_check(tmp_path):
    project, archive = tmp_path / "project", tmp_path / "archive"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode("utf-8").split("\0")):
        target = project / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target)
    shutil.copytree(REAL_ARCHIVE, archive)
    data = NEW_TEXT.encode("utf-8")
    text_name = "900_county_worked_example.txt"
    (archive / text_name).write_bytes(data)
    python = str(Path(sys.executable))
    env = {**os.environ, "EVIDENCE_ARCHIVE": str(archive), INSIDE: "1", "NO_MKDOCS_2_WARNING": "1"}
    git_repository(project, "copy")

    for path, body in RECORDS.items():
        folder, record_id = path.split("/")
        kind = {"sources": "source", "themes": "theme", "claims": "claim", "recommendations": "recommendation"}[folder]
        made = _run([python, "-m", "build_tools", "new", kind, record_id], project, env)
        assert made.returncode == 0, made.stderr
        file = project / "evidence" / folder / f"{record_id}.yaml"
        modeline = file.read_text(encoding="utf-8").splitlines()[0]
        file.write_text(modeline + "\n" + body.format(file=text_name, sha256=hashlib.sha256(data).hexdigest()),
                        encoding="utf-8")
    validated = _run([python, "-m", "build_tools", "validate", "--strict"], project, env)
    assert validated.returncode == 0, validated.stdout + validated.stderr

    check = _run([python, "-m", "build_tools", "check"], project, env)
    assert check.returncode == 0, check.stdout[-6000:] + check.stderr[-3000:]
    assert "tests: ok" in check.stdout
