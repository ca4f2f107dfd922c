"""Each claim's story on its page, from a real repository with scripted commits: added, certainty moved, key
message reworded, renamed; edits that move neither are not in it; commit subjects stay text."""

from __future__ import annotations

import datetime

import pytest
from support import Project, commit, git

from build_tools.engine.claim_history import with_claim_stories
from build_tools.engine.graph import build_graph
from build_tools.engine.history import read_history
from build_tools.engine.load import load_evidence
from build_tools.site.render import render_pages

CLAIM = "boards-feel-freer"


@pytest.fixture
def storied(valid_project: Project) -> Project:
    """boards-feel-freer: added (moderate), a statement edit, moved to low, reworded, renamed (with the alias)."""
    root, claim = valid_project.root, valid_project.evidence / "claims" / f"{CLAIM}.yaml"
    git(root, "init", "-q", "-b", "main")
    commit(root, "2026-01-05", "First records")
    text = claim.read_text(encoding="utf-8")
    claim.write_text(text.replace("than earlier bodies", "than the bodies before them"), encoding="utf-8")
    commit(root, "2026-01-20", "Statement tidied")
    text = claim.read_text(encoding="utf-8")
    text = text.replace("certainty: moderate", "certainty: low").replace(
        "Board members probably see", "Board members may see")
    claim.write_text(text, encoding="utf-8")
    commit(root, "2026-02-10", "Downgrade <script>alert(1)</script> & co")
    claim.write_text(text.replace("Board members may see their boards", "Board members may see boards"),
                     encoding="utf-8")
    commit(root, "2026-03-01", "Reword the key message")
    renamed = claim.with_name("boards-freer.yaml")
    git(root, "mv", str(claim), str(renamed))
    text = renamed.read_text(encoding="utf-8")
    renamed.write_text(text.replace(f"id: {CLAIM}", f"id: boards-freer\naliases: [{CLAIM}]"), encoding="utf-8")
    for path in valid_project.evidence.rglob("*.yaml"):  # the other records still name the old id
        path.write_text(path.read_text(encoding="utf-8").replace(f"[effect-unknown, {CLAIM}]",
                                                                 "[effect-unknown, boards-freer]"), encoding="utf-8")
    commit(root, "2026-03-15", "Rename boards-feel-freer")
    return valid_project


def test_a_claims_story_holds_each_move_of_certainty_and_key_message_and_its_renames(storied):
    history = with_claim_stories(storied.evidence, read_history(storied.evidence))
    story = history.claim_stories["boards-freer"]
    assert [(e.date, e.added, e.renamed_from, e.certainty, e.key_message and e.key_message[1]) for e in story] == [
        (datetime.date(2026, 1, 5), True, None, (None, "moderate"),
         "Board members probably see their boards as freer from central control."),
        (datetime.date(2026, 2, 10), False, None, ("moderate", "low"),
         "Board members may see their boards as freer from central control."),
        (datetime.date(2026, 3, 1), False, None, None, "Board members may see boards as freer from central control."),
        (datetime.date(2026, 3, 15), False, CLAIM, None, None),
    ]
    assert [e.subject for e in story][1] == "Downgrade <script>alert(1)</script> & co"
    assert "effect-unknown" in history.claim_stories  # added in the first commit, never changed since
    assert [e.added for e in history.claim_stories["effect-unknown"]] == [True]


def test_the_claim_page_shows_its_story_newest_first_with_commit_subjects_as_text(storied):
    history = with_claim_stories(storied.evidence, read_history(storied.evidence))
    page = render_pages(build_graph(load_evidence(storied.evidence)), history=history)["claims/boards-freer.md"].body
    story = page[page.index('<details class="ev-story">'):]
    assert "How this claim has changed (4 changes)" in story
    items = story.split("<li>")[1:]
    assert [item[item.index(">") + 1:item.index("</a>")] for item in items] == [
        "2026-03-15", "2026-03-01", "2026-02-10", "2026-01-05"]
    assert "Renamed from <code>boards-feel-freer</code>" in items[0]
    assert "Key message reworded: “Board members may see boards as freer from central control.”" in items[1]
    assert "Certainty" in items[2] and "ev-certainty-moderate" in items[2] and "ev-certainty-low" in items[2]
    assert "Added, at" in items[3] and "ev-certainty-moderate" in items[3]
    assert "Downgrade &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in items[2] and "<script>" not in story
    assert "Statement tidied" not in story  # it moved neither certainty nor key message


def test_without_git_a_claim_page_has_no_story(valid_project):
    history = with_claim_stories(valid_project.evidence, read_history(valid_project.evidence))
    assert not history.available and history.claim_stories == {}
    page = render_pages(build_graph(load_evidence(valid_project.evidence)), history=history)[f"claims/{CLAIM}.md"]
    assert "ev-story" not in page.body


def test_an_unreadable_version_is_skipped_and_the_next_compared_with_the_last_readable(valid_project):
    root, claim = valid_project.root, valid_project.evidence / "claims" / f"{CLAIM}.yaml"
    git(root, "init", "-q", "-b", "main")
    commit(root, "2026-01-05", "First records")
    good = claim.read_text(encoding="utf-8")
    claim.write_text("id: [unclosed\n", encoding="utf-8")
    commit(root, "2026-01-06", "Broken for a day")
    claim.write_text(good.replace("certainty: moderate", "certainty: high"), encoding="utf-8")
    commit(root, "2026-01-07", "Mended, and upgraded")
    story = with_claim_stories(valid_project.evidence, read_history(valid_project.evidence)).claim_stories[CLAIM]
    assert [(str(e.date), e.certainty) for e in story] == [("2026-01-05", (None, "moderate")),
                                                           ("2026-01-07", ("moderate", "high"))]


def test_the_feed_says_how_a_claims_certainty_moved_that_day(storied):
    import feedparser

    from build_tools.site.feeds import build_feeds
    from build_tools.site.info import SiteInfo

    history = with_claim_stories(storied.evidence, read_history(storied.evidence))
    graph = build_graph(load_evidence(storied.evidence))
    feed = feedparser.parse(build_feeds(graph, SiteInfo("Test", url="https://example.org/"), history,
                                        datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC))["feed.xml"])
    content = {entry.title[:10]: entry.content[0].value for entry in feed.entries}
    assert "certainty moderate → low" in content["2026-02-10"]
    assert "certainty" not in content["2026-03-01"]  # reworded only


def test_a_claim_renamed_but_not_committed_keeps_its_story(storied):
    """Renamed in the working tree, with the old id as an alias, the claim's page still tells its story."""
    root = storied.evidence / "claims"
    text = (root / "boards-freer.yaml").read_text(encoding="utf-8")
    (root / "boards-freer.yaml").unlink()
    renamed = text.replace("id: boards-freer\naliases: [", "id: boards-are-freer\naliases: [boards-freer, ")
    (root / "boards-are-freer.yaml").write_text(renamed, encoding="utf-8")
    for path in storied.evidence.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("[effect-unknown, boards-freer]", "[effect-unknown, boards-are-freer]"),
                        encoding="utf-8")
    history = with_claim_stories(storied.evidence, read_history(storied.evidence))
    pages = render_pages(build_graph(load_evidence(storied.evidence)), history=history)
    assert "How this claim has changed (4 changes)" in pages["claims/boards-are-freer.md"].body
