"""Atom feeds of changes, and the version of a build: real git repositories with scripted commits, the feeds read
back with feedparser and checked element by element against RFC 4287."""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import feedparser
import pytest
from support import Project, build, write_site_base

import build_tools.site.feeds as feeds_module
from build_tools.adapters.generate import generate
from build_tools.adapters.mkdocs.plugin import feed_links
from build_tools.engine.graph import build_graph
from build_tools.engine.history import History, read_history
from build_tools.engine.load import load_evidence
from build_tools.site.feeds import build_feeds
from build_tools.site.info import SiteInfo

A = "{http://www.w3.org/2005/Atom}"
HOSTILE = 'Autonomy <script>alert("x")</script> & ]]> \'quoted\''
BUILT = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
                "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org"}


def git(root: Path, *args: str, when: str | None = None) -> str:
    environment = {**os.environ, **GIT_IDENTITY}
    if when:
        environment.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    return subprocess.run(["git", *args], cwd=root, env=environment, capture_output=True, text=True,
                          check=True).stdout


def commit(root: Path, when: str, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, when=when)


@pytest.fixture
def repo(project: Project) -> Project:
    """The site base with a second theme, in git over four days:

    - 2026-01-05: every record (the autonomy theme titled with markup, ampersand and a CDATA end);
    - 2026-02-10, two commits: a claim of the autonomy theme reworded (10:00), the other theme added (15:30);
    - 2026-02-20: a claim of the other theme added;
    - 2026-03-01: that claim removed, and a claim of the autonomy theme put in the other theme as well.
    """
    write_site_base(project)
    theme = project.evidence / "themes" / "autonomy.yaml"
    theme.write_text(theme.read_text(encoding="utf-8").replace("title: Autonomy", f"title: {json.dumps(HOSTILE)}"),
                     encoding="utf-8")
    (project.root / ".gitignore").write_text("/site/\n/.site-*/\n/.cache/\n", encoding="utf-8")  # what a build writes
    git(project.root, "init", "-q", "-b", "main")
    commit(project.root, "2026-01-05T09:00:00+00:00", "First records")
    freer = project.evidence / "claims" / "boards-feel-freer.yaml"
    freer.write_text(freer.read_text(encoding="utf-8").replace("freer from central control", "freer from control"),
                     encoding="utf-8")
    commit(project.root, "2026-02-10T10:00:00+00:00", "Reword a claim")
    project.write("theme", "funding", """
        id: funding
        title: Funding
        summary: Money.
    """)
    commit(project.root, "2026-02-10T15:30:00+02:00", "Add a theme")
    effect = project.evidence / "claims" / "effect-unknown.yaml"
    effect_text = effect.read_text(encoding="utf-8")
    project.write("claim", "money-matters", effect_text.replace("effect-unknown", "money-matters")
                  .replace("themes: [autonomy]", "themes: [funding]"))
    commit(project.root, "2026-02-20T08:00:00+00:00", "Add a claim on funding")
    (project.evidence / "claims" / "money-matters.yaml").unlink()
    effect.write_text(effect_text.replace("themes: [autonomy]", "themes: [autonomy, funding]"), encoding="utf-8")
    commit(project.root, "2026-03-01T12:00:00+00:00", "Remove the claim on funding; move another")
    return project


def feeds_of(project: Project, info: SiteInfo | None = None, history: History | None = None) -> dict[str, str]:
    graph = build_graph(load_evidence(project.evidence))
    return build_feeds(graph, info or SiteInfo("Test synthesis", url="https://example.org/synthesis/"),
                       history or read_history(project.evidence), BUILT)


def parsed(text: str) -> feedparser.FeedParserDict:
    feed = feedparser.parse(text)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def check_atom(text: str) -> ET.Element:
    """Every element RFC 4287 requires (4.1.1, 4.1.2), each once, and ``updated`` as an RFC 3339 time in UTC."""
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{A}{name}")) == 1, name
    assert root.findtext(f"{A}author/{A}name"), "a feed whose entries name no author names one itself"
    assert [link.get("type") for link in root.findall(f"{A}link[@rel='self']")] == ["application/atom+xml"]
    datetime.datetime.fromisoformat(root.findtext(f"{A}updated"))
    assert root.findtext(f"{A}updated").endswith("Z")
    ids = []
    for entry in root.findall(f"{A}entry"):
        for name in ("id", "title", "updated", "content"):
            assert len(entry.findall(f"{A}{name}")) == 1, name
        assert entry.findall(f"{A}link[@rel='alternate']")
        assert entry.find(f"{A}content").get("type") == "html"
        datetime.datetime.fromisoformat(entry.findtext(f"{A}updated"))
        ids.append(entry.findtext(f"{A}id"))
    assert len(ids) == len(set(ids))
    return root


def test_the_site_feed_has_one_entry_per_day_of_changes(repo):
    feeds = feeds_of(repo)
    root = check_atom(feeds["feed.xml"])
    feed = parsed(feeds["feed.xml"])
    assert feed.feed.id == "https://example.org/synthesis/feed.xml"
    assert feed.feed.title == "Test synthesis: changes"
    assert feed.feed.author == "Test synthesis"
    assert {(link.rel, link.href) for link in feed.feed.links} == {
        ("self", "https://example.org/synthesis/feed.xml"), ("alternate", "https://example.org/synthesis/changelog/")}
    assert feed.feed.updated == "2026-03-01T12:00:00Z"  # the last commit, not the build
    days = [entry.id.rpartition("#")[2] for entry in feed.entries]
    assert days == ["2026-03-01", "2026-02-20", "2026-02-10", "2026-01-05"]
    assert [entry.link for entry in feed.entries] == [
        f"https://example.org/synthesis/changelog/#{day}" for day in days]
    # A day's entry is updated when its last commit landed (15:30 at +02:00 is 13:30 in UTC).
    assert [entry.updated for entry in feed.entries] == [
        "2026-03-01T12:00:00Z", "2026-02-20T08:00:00Z", "2026-02-10T13:30:00Z", "2026-01-05T09:00:00Z"]
    removed, added, two_commits, first = feed.entries
    assert removed.title == "2026-03-01: 1 claim changed, 1 claim removed"
    assert two_commits.title == "2026-02-10: 1 theme added, 1 claim changed"
    assert first.title == ("2026-01-05: 2 sources added, 2 studies added, 3 claims added and 3 other changes")
    # The content lists the records, linked to their pages; a removed record is named, not linked.
    content = removed.content[0].value
    assert "Removed claim <code>money-matters</code>" in content and "money-matters/" not in content
    content = added.content[0].value
    assert "Added claim" in content and "https://example.org/synthesis/claims/money-matters/" not in content
    assert "money-matters</code> (since removed)" in content
    content = two_commits.content[0].value
    assert '<a href="https://example.org/synthesis/themes/funding/">Funding</a>' in content
    assert "https://example.org/synthesis/claims/boards-feel-freer/" in content
    assert "Reword a claim" in content and "Add a theme" in content
    assert len(root.findall(f"{A}entry")) == 4


def test_a_theme_feed_lists_the_days_its_theme_or_claims_changed(repo):
    feeds = feeds_of(repo)
    assert set(feeds) == {"feed.xml", "themes/autonomy/feed.xml", "themes/funding/feed.xml"}
    for text in feeds.values():
        check_atom(text)
    autonomy = parsed(feeds["themes/autonomy/feed.xml"])
    assert autonomy.feed.id == "https://example.org/synthesis/themes/autonomy/feed.xml"
    assert {link.href for link in autonomy.feed.links} == {
        "https://example.org/synthesis/themes/autonomy/feed.xml", "https://example.org/synthesis/themes/autonomy/"}
    assert [e.id.rpartition("#")[2] for e in autonomy.entries] == ["2026-03-01", "2026-02-10", "2026-01-05"]
    assert autonomy.entries[0].title == "2026-03-01: 1 claim changed"  # not the removal, of another theme's claim
    assert autonomy.entries[1].title == "2026-02-10: 1 claim changed"  # not the other theme, added that day
    assert "Add a theme" not in autonomy.entries[1].content[0].value
    funding = parsed(feeds["themes/funding/feed.xml"])
    # The claims it holds now: the one moved in (all its days), not the one added and removed since.
    assert [(e.id.rpartition("#")[2], e.title.partition(": ")[2]) for e in funding.entries] == [
        ("2026-03-01", "1 claim changed"), ("2026-02-10", "1 theme added"), ("2026-01-05", "1 claim added")]
    # Ids differ between feeds, and stay the same from build to build.
    assert autonomy.entries[0].id != parsed(feeds["feed.xml"]).entries[2].id
    assert feeds_of(repo) == feeds


def test_record_titles_stay_escaped(repo):
    feeds = feeds_of(repo)
    for text in feeds.values():
        assert "<script" not in text and "]]>" not in text
    root = check_atom(feeds["themes/autonomy/feed.xml"])
    assert root.findtext(f"{A}title") == f"Test synthesis: {HOSTILE}"  # plain text, escaped once by XML
    first = root.findall(f"{A}entry")[-1].findtext(f"{A}content")  # HTML, escaped once more for the title
    assert "Autonomy &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; ]]&gt; &#x27;quoted&#x27;</a>" in first
    assert "<script" not in first
    assert parsed(feeds["themes/autonomy/feed.xml"]).feed.title == f"Test synthesis: {HOSTILE}"


def test_feeds_keep_the_most_recent_days(repo, monkeypatch):
    monkeypatch.setattr(feeds_module, "FEED_DAYS", 2)
    feed = parsed(feeds_of(repo)["feed.xml"])
    assert [e.id.rpartition("#")[2] for e in feed.entries] == ["2026-03-01", "2026-02-20"]


def test_without_a_site_address_links_are_relative_to_the_feed_and_ids_are_urns(repo):
    info = SiteInfo("Test synthesis", directory_urls=False)
    feeds = feeds_of(repo, info)
    root = check_atom(feeds["themes/autonomy/feed.xml"])
    assert root.findtext(f"{A}id").startswith("urn:uuid:")
    assert {link.get("rel"): link.get("href") for link in root.findall(f"{A}link")} == {
        "self": "feed.xml", "alternate": "../autonomy.html"}
    entry = root.find(f"{A}entry")
    assert entry.findtext(f"{A}id").startswith("urn:uuid:")
    assert entry.find(f"{A}link").get("href") == "../../changelog.html#2026-03-01"
    assert 'href="../../claims/effect-unknown.html"' in entry.findtext(f"{A}content")
    # A reader resolves them against the feed's own address.
    feed = feedparser.parse(feeds["themes/autonomy/feed.xml"],
                            response_headers={"content-location": "https://example.net/s/themes/autonomy/feed.xml"})
    assert feed.entries[0].link == "https://example.net/s/changelog.html#2026-03-01"
    assert feeds_of(repo, info) == feeds  # the same ids at every build


def test_without_history_the_feeds_are_valid_and_empty(project):
    write_site_base(project)  # not a git repository
    history = read_history(project.evidence)
    assert not history.available and history.head is None
    feeds = feeds_of(project, history=history)
    for text in feeds.values():
        check_atom(text)
        feed = parsed(text)
        assert feed.entries == []
        assert feed.feed.updated == "2026-12-01T09:30:00Z"  # the build time: no date is made up
        assert "No change is listed: the records are not in a git repository." in feed.feed.subtitle


def test_a_shallow_clone_lists_only_what_it_has(repo, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{repo.root}", str(clone))
    history = read_history(clone / "evidence")
    assert history.shallow
    feed = parsed(feeds_of(Project(clone), history=history)["feed.xml"])
    # The cut (2026-02-20) lists every file as added: it is no change of its own.
    assert [e.id.rpartition("#")[2] for e in feed.entries] == ["2026-03-01"]
    assert "The history available stops at 2026-02-20" in feed.feed.subtitle


# --- the adapters -------------------------------------------------------------------------------------------

def test_the_plugin_build_advertises_the_feeds(repo):
    """A real strict build: the feeds are files of the site, every page's <head> names the site's, a theme's page
    its own too, and the changelog and theme pages link to them."""
    result = build(repo, env={"SOURCE_DATE_EPOCH": "1767225600"})
    assert result.returncode == 0, result.stderr
    site = repo.root / "site"
    parsed((site / "feed.xml").read_text(encoding="utf-8"))
    parsed((site / "themes" / "autonomy" / "feed.xml").read_text(encoding="utf-8"))

    def head(page: str) -> str:
        text = (site / page).read_text(encoding="utf-8")
        return text[:text.index("</head>")]

    site_link = '<link rel="alternate" type="application/atom+xml" title="Test synthesis: changes (Atom)" href="{}">'
    assert site_link.format("feed.xml") in head("index.html")
    assert site_link.format("../feed.xml") in head("methods/index.html")  # a hand-written page
    theme = head("themes/autonomy/index.html")
    assert site_link.format("../../feed.xml") in theme
    assert ('title="Autonomy &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; ]]&gt; &#x27;quoted&#x27;: '
            'changes (Atom)" href="feed.xml">') in theme
    assert head("claims/boards-feel-freer/index.html").count("application/atom+xml") == 1
    assert 'href="../feed.xml" type="application/atom+xml">Subscribe (Atom)</a>' in (
        site / "changelog" / "index.html").read_text(encoding="utf-8")
    assert 'href="feed.xml" type="application/atom+xml">Subscribe (Atom)</a>' in (
        site / "themes" / "autonomy" / "index.html").read_text(encoding="utf-8")
    evidence = json.loads((site / "downloads" / "evidence.json").read_text(encoding="utf-8"))
    assert evidence["version"] == {"commit": git(repo.root, "rev-parse", "HEAD").strip(),
                                   "uncommitted_changes": False,
                                   "built": "2026-01-01"}


def test_the_theme_override_advertises_the_feeds_once(repo):
    """With the project's theme overrides (which a tree made by `generate` keeps), the theme writes the links in
    every page's <head>, and the plugin adds none."""
    config = repo.root / "mkdocs.yml"
    overrides = Path(__file__).parent.parent / "theme_overrides"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  name: material\n", f"  name: material\n  custom_dir: {overrides}\n", 1), encoding="utf-8")
    result = build(repo)
    assert result.returncode == 0, result.stderr
    site = repo.root / "site"

    def links(page: str) -> list[str]:
        text = (site / page).read_text(encoding="utf-8")
        return re.findall(r'<link rel="alternate" type="application/atom\+xml"[^>]*>', text[:text.index("</head>")])

    site_link = '<link rel="alternate" type="application/atom+xml" title="Test synthesis: changes (Atom)" href="{}">'
    assert links("index.html") == [site_link.format("feed.xml")]
    assert links("methods/index.html") == [site_link.format("../feed.xml")]
    assert links("themes/funding/index.html") == [site_link.format("../../feed.xml"), (
        '<link rel="alternate" type="application/atom+xml" title="Funding: changes (Atom)" href="feed.xml">')]


def test_the_plugin_adds_the_links_when_the_theme_does_not():
    page = SimpleNamespace(url="themes/a/", meta={"feed": "themes/a/feed.xml"}, title="A &amp; B")
    config = SimpleNamespace(site_name="S & T")
    done = feed_links("<html><head>\n</head><body></body></html>", page, config)
    assert done == ('<html><head>\n<link rel="alternate" type="application/atom+xml" title="S &amp; T: changes (Atom)" '
                    'href="../../feed.xml">\n<link rel="alternate" type="application/atom+xml" '
                    'title="A &amp; B: changes (Atom)" href="feed.xml">\n</head><body></body></html>')
    assert feed_links(done, page, config) == done


def test_generate_writes_the_feeds_into_the_tree(repo, tmp_path):
    out = tmp_path / "tree"
    generate(repo.root / "mkdocs.yml", out, archive=repo.archive)
    docs = out / "docs"
    parsed((docs / "feed.xml").read_text(encoding="utf-8"))
    parsed((docs / "themes" / "funding" / "feed.xml").read_text(encoding="utf-8"))
    assert "\nfeed: themes/autonomy/feed.xml\n" in (docs / "themes" / "autonomy.md").read_text(encoding="utf-8")
    evidence = json.loads((docs / "downloads" / "evidence.json").read_text(encoding="utf-8"))
    assert evidence["version"]["commit"] == git(repo.root, "rev-parse", "HEAD").strip()
