"""A small synthesis of the real one's shape, written by the tests, for the browser tests and the screenshot tool.

It is the site tests' base (``write_site_base``: two studies, two sources, the theme ``autonomy``, a contested
claim, a recommendation and an open question) grown to what a real synthesis holds: a peer-reviewed article with
a DOI, an opinion piece that reports no study, a study reported by two sources, three themes, claims at every level
of certainty with supporting, contradicting and qualifying evidence, headline findings, recommendations of every
basis, a question open in the field and one open in these documents, hand-written pages, and a git history for the
changelog. Its site is built with the project's own ``mkdocs.yml`` (theme overrides, CSS and script, plugins,
Markdown extensions, the contributor guide), only the name, the evidence and the archive changed, so that the real
templates are exercised. Every word of its archive is invented: never a copy of a real source.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from support import Project, write_site_base

ROOT = Path(__file__).resolve().parents[1]

SITE_NAME = "Local boards and their doctors"
"""The fixture site's name: its home page's title and heading."""

PEER_TEXT = """\
Journal of Imaginary Health Services Research
Volume 9, 2016 | Open access

Redesign by local boards: a case-study follow-up

Abstract
We followed local boards in twelve areas for two years. Every board redesigned at least one service within its
first year, most often urgent care. Board members valued protected time for strategic work, which few of them had.
Larger boards reported that member doctors attended fewer meetings.

Discussion
Boards that set aside protected time for their clinical leaders redesigned more services than boards that did not.
We recommend that every board protects at least one session a week for its clinical leaders.
Member doctors in larger boards felt further from decisions, although this finding rests on interviews in only
three areas.
"""

OPINION_TEXT = """\
The Imaginary Weekly | Comment

Boards will drift back to the centre

Local boards were promised freedom, but freedom granted from the centre can be withdrawn by it. In my view the
boards will drift back under central control within a decade, as every reform before them did.
Boards should listen to their member doctors before they listen to the centre.
"""

SOURCES = {
    "peer-article": """
        id: peer-article
        title: "Redesign by local boards: a case-study follow-up"
        authors: ["Quill, Ada", "Marsh, Tobias"]
        outlet: Journal of Imaginary Health Services Research
        publisher: null
        date: "2016-03"
        type: peer-reviewed-article
        url: https://doi.org/10.5555/jihsr.2016.0042
        doi: 10.5555/jihsr.2016.0042
        study: second-study
        data_period: "Two years of case studies in twelve areas; the article gives no dates."
        archive:
          file: peer.txt
          sha256: {peer}
        summary: >-
          The second study's own article: a follow-up of the boards of twelve areas over two years, with a
          recommendation about protected time for clinical leaders.
    """,
    "opinion-column": """
        id: opinion-column
        title: Boards will drift back to the centre
        authors: ["Penhallow, Iris"]
        outlet: The Imaginary Weekly
        publisher: null
        date: "2017-01-12"
        type: opinion-piece
        archive:
          file: opinion.txt
          sha256: {opinion}
        summary: A columnist argues that the boards' freedom will not last. It reports no study.
    """,
}

THEMES = {
    "member-engagement": """
        id: member-engagement
        title: Engaging member doctors
        summary: |
          How far the doctors who are members of a board take part in its work.

          Larger boards seem to find it harder, on thin evidence.
    """,
    "service-redesign": """
        id: service-redesign
        title: Service redesign
        summary: What the boards changed in the services they commission, and what helped them change it.
    """,
}

CLAIMS = {
    "every-board-redesigned-a-service": """
        id: every-board-redesigned-a-service
        statement: >-
          Every board in the follow-up study redesigned at least one service within its first year, and board
          members in a national survey said they could change services quickly.
        themes: [service-redesign]
        certainty: high
        certainty_rationale: Two independent studies agree, one of them in a peer-reviewed article.
        headline: true
        evidence:
          - source: peer-article
            quote: Every board redesigned at least one service within its first year
            stance: supports
            locator: Abstract
          - source: journal-report
            quote: Doctors on the boards said they “could change services quickly”
            stance: supports
            locator: paragraph 2
          - source: peer-article
            quote: most often urgent care
            stance: qualifies
            note: The redesign was mostly of one kind of service.
        key_message: Every board redesigned at least one service within its first year.
    """,
    "protected-time-helps-redesign": """
        id: protected-time-helps-redesign
        statement: >-
          Boards that set aside protected time for their clinical leaders redesigned more services, but few board
          members had such time.
        themes: [service-redesign, autonomy]
        certainty: moderate
        certainty_rationale: One study's own article states it firmly.
        evidence:
          - source: peer-article
            quote: >-
              Boards that set aside protected time for their clinical leaders redesigned more services than boards
              that did not
            stance: supports
            locator: Discussion
          - source: peer-article
            quote: Board members valued protected time for strategic work, which few of them had
            stance: supports
        key_message: Protected time for clinical leaders probably helps a board redesign services.
    """,
    "engagement-is-uneven": """
        id: engagement-is-uneven
        statement: >-
          How far member doctors take part in their board's work varies between areas, and larger boards draw
          fewer of them to meetings.
        themes: [member-engagement, autonomy]
        certainty: low
        certainty_rationale: One case study and a news report of a survey, with evidence pulling the other way.
        headline: true
        evidence:
          - source: peer-article
            quote: Larger boards reported … attended fewer meetings
            stance: supports
            locator: Abstract
          - source: journal-report
            quote: the picture varied widely between areas
            stance: supports
          - source: peer-article
            quote: this finding rests on interviews in only three areas
            stance: qualifies
            note: The authors' own caution.
          - source: journal-report
            quote: a survey of 400 board members found
            stance: contradicts
            note: A national survey reports the boards as a whole, without a divide by size.
          - source: second-report
            quote: A second study of 12 areas found
            stance: qualifies
        key_message: Member doctors' engagement may vary between areas and be weaker in larger boards.
    """,
    "larger-boards-feel-distant": """
        id: larger-boards-feel-distant
        statement: Member doctors in larger boards felt further from the board's decisions.
        themes: [member-engagement]
        certainty: low
        certainty_rationale: Interviews in only three areas.
        evidence:
          - source: peer-article
            quote: Member doctors in larger boards felt further from decisions
            stance: supports
            locator: Discussion
        key_message: Member doctors in larger boards may feel further from decisions.
    """,
    "boards-will-drift-back": """
        id: boards-will-drift-back
        statement: The boards will drift back under central control within a decade.
        themes: [autonomy]
        certainty: very low
        certainty_rationale: One columnist's opinion, against a survey's finding.
        headline: true
        evidence:
          - source: opinion-column
            quote: the boards will drift back under central control within a decade
            stance: supports
          - source: journal-report
            quote: Local boards were “less constrained by the centre” than their predecessors
            stance: contradicts
        key_message: It is uncertain whether the boards will drift back under central control.
    """,
}

RECOMMENDATIONS = {
    "protect-time-for-clinical-leaders": """
        id: protect-time-for-clinical-leaders
        statement: Every board should protect at least one session a week for its clinical leaders.
        made_by: [Ada Quill and Tobias Marsh]
        basis: study-findings
        made_in:
          - source: peer-article
            quote: We recommend that every board protects at least one session a week for its clinical leaders
        rationale: Boards whose leaders had protected time redesigned more services.
        claims: [protected-time-helps-redesign, every-board-redesigned-a-service]
        audience: [board chairs, funders of local boards]
    """,
    "listen-to-member-doctors": """
        id: listen-to-member-doctors
        statement: Boards should listen to their member doctors before the centre.
        made_by: [Iris Penhallow]
        basis: expert-opinion
        made_in:
          - source: opinion-column
            quote: Boards should listen to their member doctors before they listen to the centre
        rationale: The columnist's view; she reports no study.
        claims: [engagement-is-uneven, larger-boards-feel-distant, boards-will-drift-back]
        audience: [board chairs]
    """,
    "involve-doctors-in-larger-boards": """
        id: involve-doctors-in-larger-boards
        statement: Larger boards should find ways of bringing member doctors closer to their decisions.
        made_by: [Ada Quill and Tobias Marsh]
        basis: authors-interpretation
        made_in:
          - source: peer-article
            quote: Member doctors in larger boards felt further from decisions
        rationale: The authors go beyond their data, which come from three areas.
        claims: [larger-boards-feel-distant]
        audience: [board chairs, member doctors]
    """,
}

QUESTIONS = {
    "does-board-size-matter": """
        id: does-board-size-matter
        question: Do larger boards really engage fewer of their member doctors, and if so why?
        open_in: these-documents
        why_open: The finding rests on interviews in three areas, too few to tell size from other differences.
        claims: [larger-boards-feel-distant, engagement-is-uneven]
        would_settle: A survey of member doctors across many boards, relating engagement to size.
        raised_by:
          - source: peer-article
            quote: this finding rests on interviews in only three areas
    """,
}

OVERVIEW = """\
# Local boards: what the evidence says

This is an invented synthesis, written by the tests: its boards, studies and authors are fictional.

## What the evidence base contains

Two studies and one opinion piece lie behind the claims: [](study:board-study), reported in
[](source:journal-report), and [](study:second-study), reported in [](source:second-report) and
[](source:peer-article). [](source:opinion-column) argues a case and reports no study.

## Key messages

The clearest finding: [](claim:every-board-redesigned-a-service). See [](theme:service-redesign).

- [](claim:boards-feel-freer)
- [](claim:protected-time-helps-redesign)
- [](claim:engagement-is-uneven)

What is still unknown: [](question:patient-effects). What the authors advise:
[](recommendation:protect-time-for-clinical-leaders).
"""

METHODS = """\
# How this synthesis was made

## Sources and archived copies

Each document has a **source** record, and a copy of its text is archived with its SHA-256 checksum.

## Claims and quotes

Each **claim** rests on verbatim quotes, each with its stance:

- **supports**: the passage backs the claim;
- **contradicts**: the passage points the other way;
- **qualifies**: the passage limits the claim without denying it.

| Certainty | What it takes |
| --- | --- |
| High | Consistent findings from more than one independent study, in the studies' own words |
| Moderate | A finding stated firmly in a study's own reports |
| Low | A finding known only through a news report, or worded tentatively, or contradicted |
| Very low | Opinion alone |
"""

FIRST_COMMIT = ("2026-01-15T12:00:00+00:00", "The first claims about local boards")
SECOND_COMMIT = ("2026-02-20T12:00:00+00:00", "The follow-up study's article, an opinion piece, and their claims")


def _configuration() -> str:
    """The project's ``mkdocs.yml`` with the fixture's name, evidence and archive, and no redirects of real pages."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    changes = [
        (r"(?m)^site_name: .*$", f"site_name: {SITE_NAME}"),
        (r"(?m)^site_description: >-\n(?:  .*\n)+",
         "site_description: An invented synthesis of what four fictional documents say about local boards.\n"),
        (r"(?m)^(  custom_dir: )theme_overrides$", rf"\g<1>{ROOT / 'theme_overrides'}"),
        (r"(?m)^(      archive: ).*$", r"\g<1>archive"),
        (r"(?m)^(      redirect_maps:)\n(?:        .*\n)+", r"\g<1> {}\n"),
    ]
    for pattern, replacement in changes:
        text, count = re.subn(pattern, replacement, text)
        if count != 1:
            raise RuntimeError(f"mkdocs.yml changed: the fixture site cannot adapt it ({pattern!r} matched {count})")
    return text


def _git(root: Path, *args: str, date: str | None = None) -> None:
    environment = {**os.environ, "GIT_AUTHOR_NAME": "Fixture", "GIT_AUTHOR_EMAIL": "fixture@example.org",
                   "GIT_COMMITTER_NAME": "Fixture", "GIT_COMMITTER_EMAIL": "fixture@example.org"}
    if date:
        environment.update({"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
    subprocess.run(["git", *args], cwd=root, env=environment, check=True, capture_output=True)


def write_fixture_synthesis(root: Path) -> Project:
    """Write the synthesis into ``root`` (evidence/, archive/, content/, mkdocs.yml) as two commits of a git
    repository, so that the changelog and each record's "last updated" line have a history to show."""
    project = Project(root)
    write_site_base(project)
    for claim in ("boards-feel-freer", "effect-unknown"):  # headline findings of the first commit
        path = project.evidence / "claims" / f"{claim}.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "headline: true\n", encoding="utf-8")
    shutil.copy(ROOT / "CONTRIBUTING.md", root / "CONTRIBUTING.md")
    shutil.copy(ROOT / "content" / "contributing.md", root / "content" / "contributing.md")
    (root / "content" / "overview.md").write_text(OVERVIEW, encoding="utf-8")
    (root / "content" / "methods.md").write_text(METHODS, encoding="utf-8")
    (root / "mkdocs.yml").write_text(_configuration(), encoding="utf-8")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", FIRST_COMMIT[1], date=FIRST_COMMIT[0])

    hashes = {"peer": project.archive_file("peer.txt", PEER_TEXT),
              "opinion": project.archive_file("opinion.txt", OPINION_TEXT)}
    for record_id, body in SOURCES.items():
        project.write("source", record_id, body.replace("{peer}", hashes["peer"]).replace(
            "{opinion}", hashes["opinion"]))
    for kind, records in (("theme", THEMES), ("claim", CLAIMS), ("recommendation", RECOMMENDATIONS),
                          ("question", QUESTIONS)):
        for record_id, body in records.items():
            project.write(kind, record_id, body)
    question = project.evidence / "questions" / "patient-effects.yaml"  # a record changed in the second commit
    question.write_text(question.read_text(encoding="utf-8").replace(
        "why_open: Too early.", "why_open: Too early; the follow-up study measured no outcomes for patients."),
        encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", SECOND_COMMIT[1], date=SECOND_COMMIT[0])
    return project


if __name__ == "__main__":  # a look at the fixture: python tests/fixture_synthesis.py FOLDER, then build it there
    import sys

    write_fixture_synthesis(Path(sys.argv[1]))
