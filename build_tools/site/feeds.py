"""Atom feeds (RFC 4287) of changes to the synthesis, from the git history: pure functions of the graph.

- ``feed.xml`` at the site's root: one entry per day on which records changed, newest first;
- ``themes/<id>/feed.xml`` beside each theme's page: the days on which the theme, or one of the claims it
  holds now, changed.

Each entry links to that day of the changelog, is titled by what changed ("1 claim added, 3 claims changed")
and lists the records with links to their pages (a removed record is named, not linked). Only the
:data:`FEED_DAYS` most recent days are kept, so that a feed does not grow with the history.

Addresses are absolute when ``site_url`` is set. Without it, links are relative to the feed itself (a reader
resolves them against the address it fetched the feed from), and ids, which must be absolute, are ``urn:uuid:``
names made from the site's name and the feed's path, stable from build to build. Ids never change with the
content: the feed's id is its address, an entry's the feed's address and the day (``…/feed.xml#2026-12-05``).

Without a history (no git, a folder outside a repository) a feed is still valid and has no entries; its
``updated`` is then the build time. Dates are never made up: an entry's ``updated`` is the time of the day's
last commit.
"""

from __future__ import annotations

import datetime as _dt
import html
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from build_tools.engine.graph import Graph
from build_tools.engine.history import Action, Change, Commit, History
from build_tools.engine.model import KINDS
from build_tools.site.info import SiteInfo
from build_tools.site.render.addresses import CHANGELOG, SITE_FEED, href, page_uri, page_url, theme_feed
from build_tools.site.render.changelog import (
    CHANGELOG_DATES,
    CHANGELOG_LINES_PER_DATE,
    FEED_DAYS,
    Day,
    change_counts,
    changes_by_day,
    count_changes,
)

ATOM = "http://www.w3.org/2005/Atom"
TITLE_PARTS = 3
"""Counts in an entry's title, at most ("2 claims added, 1 question added, 5 sources changed and 60 other
changes"): the entry's text lists every change."""
FEED_COMMITS = 10
"""Commits named in an entry, at most."""
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def build_feeds(graph: Graph, info: SiteInfo, history: History, built: _dt.datetime) -> dict[str, str]:
    """Every feed, by its path below the site root: the site's, then each theme's. ``built`` is the build time,
    the ``updated`` of a feed that lists no change."""
    feeds = _Feeds(graph, info, history, built)
    out = {SITE_FEED: feeds.site_feed()}
    out.update(feeds.theme_feeds())
    return out


class _Feeds:
    def __init__(self, graph: Graph, info: SiteInfo, history: History, built: _dt.datetime) -> None:
        self.graph, self.info, self.history, self.built = graph, info, history, built
        dates = sorted({c.date for c in history.commits}, reverse=True)
        self.changelog_dates = set(dates[:CHANGELOG_DATES])  # the days the changelog page lists
        # How a claim's certainty moved on a day (first level → last), from the claims' stories.
        self.moves: dict[tuple[str, _dt.date], tuple[str | None, str | None]] = {}
        for claim_id, events in history.claim_stories.items():
            for event in events:
                if event.certainty and not event.added:
                    was = self.moves.get((claim_id, event.date), event.certainty)[0]
                    self.moves[(claim_id, event.date)] = (was, event.certainty[1])

    # --- addresses ---

    def address(self, feed: str, target: str) -> str:
        """``target`` (a path below the site root) as the feed links to it: absolute with ``site_url``, else
        relative to the feed."""
        return self.info.absolute(target) if self.info.url else href(feed, target)

    def identifier(self, feed: str, fragment: str = "") -> str:
        if self.info.url:
            return self.info.absolute(feed) + (f"#{fragment}" if fragment else "")
        name = f"{self.info.name}/{feed}" + (f"#{fragment}" if fragment else "")
        return uuid.uuid5(uuid.NAMESPACE_URL, name).urn

    # --- feeds ---

    def site_feed(self) -> str:
        days = changes_by_day((commit, change) for commit in self._recent(self.history.commits)
                              for change in commit.changes)
        return self.feed(SITE_FEED, f"{self.info.name}: changes",
                         "Changes to the evidence base: the records added, changed, renamed and removed each day.",
                         page_url(CHANGELOG, self.info.directory_urls), days)

    def theme_feeds(self) -> Iterator[tuple[str, str]]:
        """Each theme's feed, from one pass over the history: every change of a record that now belongs to a
        theme (the theme, or a claim in it) goes to that theme's days."""
        g = self.graph
        themes_of: dict[tuple[str, str], list[str]] = {("theme", t): [t] for t in g.themes}
        for claim in g.claims.values():
            themes_of[("claim", claim.id)] = [t for t in claim.themes if t in g.themes]
        changes: dict[str, list[tuple[Commit, Change]]] = {t: [] for t in g.themes}
        for commit in self.history.commits:
            for change in commit.changes:
                if change.now is not None:  # a record removed since belongs to no theme now
                    for theme in themes_of.get((change.kind, change.now), ()):
                        changes[theme].append((commit, change))
        for theme_id in sorted(g.themes):
            theme = g.themes[theme_id]
            path = theme_feed(theme_id)
            days = changes_by_day(self._recent_changes(changes[theme_id]))
            yield path, self.feed(path, f"{self.info.name}: {theme.title_text}",
                                  f"Changes to the theme \u201c{theme.title_text}\u201d and to its claims, "
                                  "each day.", page_url(page_uri("theme", theme_id), self.info.directory_urls), days)

    @staticmethod
    def _recent(commits: tuple[Commit, ...]) -> list[Commit]:
        dates = sorted({c.date for c in commits}, reverse=True)[:FEED_DAYS]
        kept = set(dates)
        return [c for c in commits if c.date in kept]

    @staticmethod
    def _recent_changes(changes: list[tuple[Commit, Change]]) -> list[tuple[Commit, Change]]:
        kept = set(sorted({commit.date for commit, _ in changes}, reverse=True)[:FEED_DAYS])
        return [(commit, change) for commit, change in changes if commit.date in kept]

    def feed(self, path: str, title: str, subtitle: str, page: str, days: list[Day]) -> str:
        history = self.history
        if not history.available:
            subtitle += f" No change is listed: {history.note}."
        elif history.shallow and history.cut is not None:
            subtitle += (f" The history available stops at {history.cut.isoformat()}: earlier changes are not "
                         "listed.")
        feed = ET.Element("feed", {"xmlns": ATOM})
        _text(feed, "id", self.identifier(path))
        _text(feed, "title", title)
        _text(feed, "subtitle", subtitle)
        times = [_updated(day) for day in days]
        _text(feed, "updated", _rfc3339(max(times, default=self.built)))
        author = ET.SubElement(feed, "author")
        _text(author, "name", self.info.author or self.info.name)
        ET.SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml", "href": self.address(path, path)})
        ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": self.address(path, page)})
        for day, updated in zip(days, times, strict=True):
            self.entry(feed, path, day, updated)
        ET.indent(feed)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"

    def entry(self, feed: ET.Element, path: str, day: Day, updated: _dt.datetime) -> None:
        date = day.date.isoformat()
        changelog = page_url(CHANGELOG, self.info.directory_urls)
        link = self.address(path, changelog) + (f"#{date}" if day.date in self.changelog_dates else "")
        entry = ET.SubElement(feed, "entry")
        _text(entry, "id", self.identifier(path, date))
        _text(entry, "title", f"{date}: {_title(day.changes)}")
        _text(entry, "updated", _rfc3339(updated))
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": link})
        _text(entry, "content", self.content(path, day), type="html")

    def content(self, path: str, day: Day) -> str:
        """The day's changes as HTML (escaped once more as the text of ``content``): a list of the records."""
        shown, rest = day.changes[:CHANGELOG_LINES_PER_DATE], day.changes[CHANGELOG_LINES_PER_DATE:]
        lines = [f"<li>{self.line(path, change, day.date)}</li>" for change in shown]
        out = "<ul>\n" + "\n".join(lines) + "\n</ul>"
        if rest:
            out += f"\n<p>And {html.escape(count_changes(rest))}.</p>"
        commits = [f"<code>{c.short}</code> {html.escape(c.subject)}" for c in day.commits[:FEED_COMMITS]]
        more = len(day.commits) - FEED_COMMITS
        out += "\n<p>Commits: " + " · ".join(commits) + (f" · and {more} more" if more > 0 else "") + "</p>"
        return out

    def line(self, path: str, change: Change, date: _dt.date) -> str:
        noun = KINDS[change.kind].name
        if change.action is Action.removed:
            return f"Removed {noun} <code>{html.escape(change.record_id)}</code>"
        current = change.now or change.record_id
        record = self.graph.get(change.kind, current) or self.graph.renamed(change.kind, current)
        if record is None:
            target = f"<code>{html.escape(current)}</code> (since removed)"
        else:
            address = self.address(path, page_url(page_uri(record.kind, record.id), self.info.directory_urls))
            target = f'<a href="{html.escape(address)}">{html.escape(record.title_text)}</a>'
        if change.action is Action.renamed:
            return (f"Renamed {noun} <code>{html.escape(change.old_id or '')}</code> to "
                    f"<code>{html.escape(change.record_id)}</code>: {target}")
        line = f"{change.action.value.capitalize()} {noun} {target}"
        moved = self.moves.get((current, date)) if change.kind == "claim" else None
        if moved and moved[0] != moved[1]:
            line += f": certainty {html.escape(moved[0] or 'unstated')} \u2192 {html.escape(moved[1] or 'unstated')}"
        return line


def _title(changes: list[Change]) -> str:
    """ "2 claims added, 3 claims changed": the counts by action and kind, the first :data:`TITLE_PARTS` of them."""
    counts = change_counts(changes)
    title = ", ".join(phrase for _, phrase in counts[:TITLE_PARTS])
    rest = sum(n for n, _ in counts[TITLE_PARTS:])
    return title + (f" and {rest:,} other {'change' if rest == 1 else 'changes'}" if rest else "")


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = _NOT_XML.sub("\ufffd", text)  # characters XML cannot carry, even escaped
    return element


def _updated(day: Day) -> _dt.datetime:
    """The time of the day's last commit; its start, for a history without commit times (made up in tests)."""
    return day.time or _dt.datetime.combine(day.date, _dt.time(), _dt.UTC)


def _rfc3339(moment: _dt.datetime) -> str:
    return moment.astimezone(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
