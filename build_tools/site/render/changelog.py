"""The changelog page and each record's "last updated" line, from the git history."""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup, escape

from build_tools.engine.history import Action, Change, ClaimEvent, Commit
from build_tools.engine.model import KINDS, Certainty, Record
from build_tools.site.render.addresses import CHANGELOG, SITE_FEED, href, page_url
from build_tools.site.render.markup import certainty_badge, code

# The changelog stays readable at any size: the newest dates only, and a few lines per date.
CHANGELOG_DATES = 100
CHANGELOG_LINES_PER_DATE = 40
CHANGELOG_COMMITS_PER_DATE = 10
FEED_DAYS = 50
"""Entries in an Atom feed of changes (:mod:`build_tools.site.feeds`), at most: the most recent days."""
_ACTION_ORDER = [Action.added, Action.renamed, Action.changed, Action.removed]


class Changelog:
    """Part of :class:`~build_tools.site.render.renderer.Renderer`: what the history shows."""

    @pass_context
    def last_updated(self, context: Any, record: Record) -> Markup:
        """When git last saw the record change, with a link to that day in the changelog; empty without history."""
        history = self.history
        if not history.available:
            return Markup("")
        life = history.of(record.kind, record.id, record.aliases)
        changelog = href(context["page_url"], page_url(CHANGELOG, self.info.directory_urls))
        if life is None:
            line = f'Last updated: not committed yet (see the <a href="{changelog}">changelog</a>).'
        elif life.last_changed is None:
            cut = history.cut.isoformat() if history.cut else "an unknown date"
            line = (f"Last updated on or before {cut}; the history available is incomplete "
                    f'(see the <a href="{changelog}">changelog</a>).')
        else:
            day = life.last_changed.isoformat()
            target = f"{changelog}#{day}" if life.last_changed in self._changelog_dates else changelog
            if life.first_added == life.last_changed:
                line = f'Added {day} (see the <a href="{target}">changelog</a>).'
            else:
                cut = history.cut.isoformat() if history.cut else "an unknown date"
                added = life.first_added.isoformat() if life.first_added else f"on or before {cut}"
                line = f'Last updated {day}, first added {added} (see the <a href="{target}">changelog</a>).'
        return Markup(f'<p class="ev-updated">{line}</p>')

    @pass_context
    def claim_story(self, context: Any, record: Record) -> Markup:
        """A claim's history, newest first, folded under its "last updated" line: when it was added, each move of
        its certainty or key message (with the commit's date and subject), its renames. Empty without one."""
        stories = self.history.claim_stories
        # under a former id while a rename is not committed yet (as last_updated finds it)
        events = next((stories[i] for i in (record.id, *record.aliases) if i in stories), ())
        if not events:
            return Markup("")
        changelog = href(context["page_url"], page_url(CHANGELOG, self.info.directory_urls))
        items = []
        for event in reversed(events):
            day = event.date.isoformat()
            target = f"{changelog}#{day}" if event.date in self._changelog_dates else changelog
            what = [_story_line(event)]
            subject = event.subject if len(event.subject) <= STORY_SUBJECT else event.subject[:STORY_SUBJECT] + "…"
            items.append(f'<li><a href="{target}">{day}</a>: {" ".join(what)} '
                         f'<span class="ev-story-commit">Commit {escape(event.short)}: '
                         f"“{escape(subject)}”</span></li>")
        count = f"{len(events)} change{'s' if len(events) != 1 else ''}"
        return Markup(f'<details class="ev-story"><summary>How this claim has changed ({count})</summary>'
                      f'<ol reversed>{"".join(items)}</ol></details>')

    @pass_context
    def base_updated(self, context: Any) -> Markup:
        """When the evidence base last changed, for the home page; empty without history."""
        if not self.history.commits:
            return Markup("")
        day = self.history.commits[0].date.isoformat()
        changelog = href(context["page_url"], page_url(CHANGELOG, self.info.directory_urls))
        return Markup(f'<p>The evidence base was last updated on {day}: see the '
                      f'<a href="{changelog}#{day}">changelog</a> for what changed.</p>')

    def _dates_shown(self) -> set[Any]:
        dates = sorted({c.date for c in self.history.commits}, reverse=True)
        return set(dates[:CHANGELOG_DATES])

    def _changelog_context(self) -> dict[str, Any]:
        """Commits grouped by date, newest first; each date's changes once each, capped (linear in the history)."""
        history = self.history
        shown_dates = self._changelog_dates
        older = sum(1 for commit in history.commits if commit.date not in shown_dates)
        days = changes_by_day((commit, change) for commit in history.commits if commit.date in shown_dates
                              for change in commit.changes)
        here = page_url(CHANGELOG, self.info.directory_urls)
        out = []
        for day in days:
            shown, rest = day.changes[:CHANGELOG_LINES_PER_DATE], day.changes[CHANGELOG_LINES_PER_DATE:]
            out.append({
                "date": day.date.isoformat(),
                "lines": [self._change_line(c, here) for c in shown],
                "more": count_changes(rest),
                "commits": day.commits[:CHANGELOG_COMMITS_PER_DATE],
                "more_commits": len(day.commits) - CHANGELOG_COMMITS_PER_DATE,
            })
        return {"days": out, "older_commits": older, "max_dates": CHANGELOG_DATES,
                "feed": href(here, SITE_FEED), "feed_days": FEED_DAYS}

    def _change_line(self, change: Change, here: str) -> Markup:
        g, kind = self.graph, change.kind
        noun = KINDS[kind].name
        current = change.now or change.record_id
        record = g.get(kind, current) or g.renamed(kind, current)
        if change.action is Action.removed:
            successor = g.renamed(kind, change.record_id)
            line = f"<strong>Removed</strong> {noun} {code(change.record_id)}"
            if successor is not None:
                line += f"; its address now leads to {self.link_from(here, successor)}"
            return Markup(line)
        label = {Action.added: "Added", Action.changed: "Changed", Action.renamed: "Renamed"}[change.action]
        target = self.link_from(here, record) if record is not None else Markup(f"{code(current)} (since removed)")
        if change.action is Action.renamed:
            return Markup(f"<strong>{label}</strong> {noun} {code(change.old_id or '')} to "
                          f"{code(change.record_id)}: {target}")
        return Markup(f"<strong>{label}</strong> {noun} {target}")


@dataclass
class Day:
    """One day of changes, as the changelog and the feeds list them."""

    date: _dt.date
    changes: list[Change] = field(default_factory=list)
    """Each record's change once per action, in the order of the changelog: added, renamed, changed, removed."""
    commits: list[Commit] = field(default_factory=list)
    """Newest first."""

    @property
    def time(self) -> _dt.datetime | None:
        """When the day's last commit landed (None for a history that has no commit times)."""
        return max((c.time for c in self.commits if c.time is not None), default=None)


def changes_by_day(changes: Iterable[tuple[Commit, Change]]) -> list[Day]:
    """Changes grouped by the day of their commit, given newest commit first (as :class:`History` lists them):
    one change per record and action on a day, and a record added or renamed that day is not also "changed"."""
    days: dict[_dt.date, tuple[Day, dict[tuple[Any, ...], Change]]] = {}
    for commit, change in changes:
        day, seen = days.get(commit.date) or days.setdefault(commit.date, (Day(commit.date), {}))
        if not day.commits or day.commits[-1] is not commit:
            day.commits.append(commit)
        seen.setdefault((change.action, change.kind, change.record_id, change.old_id), change)
    out = []
    for day, seen in days.values():
        fresh = {(c.kind, c.record_id) for c in seen.values() if c.action in (Action.added, Action.renamed)}
        day.changes = [c for c in seen.values() if not (c.action is Action.changed and (c.kind, c.record_id) in fresh)]
        day.changes.sort(key=lambda c: (_ACTION_ORDER.index(c.action), list(KINDS).index(c.kind), c.record_id))
        out.append(day)
    return out


def change_counts(changes: list[Change]) -> list[tuple[int, str]]:
    """The changes counted by action and kind, in the changelog's order: (3, "3 claims added"), …"""
    counts = Counter((c.action, c.kind) for c in changes)
    parts = []
    for (action, kind), n in sorted(counts.items(), key=lambda item: (_ACTION_ORDER.index(item[0][0]),
                                                                        list(KINDS).index(item[0][1]))):
        noun = KINDS[kind].name if n == 1 else KINDS[kind].plural
        parts.append((n, f"{n:,} {noun} {action.value}"))
    return parts


def count_changes(changes: list[Change]) -> str:
    """ "3 claims added, 1 theme changed": changes counted by action and kind."""
    return ", ".join(phrase for _, phrase in change_counts(changes))


STORY_SUBJECT = 160
"""Characters of a commit's subject shown in a claim's history (subjects can run to paragraphs)."""


def _story_line(event: ClaimEvent) -> str:
    """What one commit did to a claim, in words (record text escaped)."""
    parts = []
    if event.added:
        level = event.certainty[1] if event.certainty else None
        parts.append(f"Added, at {_level(level)} certainty" if level else "Added")
    if event.renamed_from:
        parts.append(f"Renamed from {code(event.renamed_from)}")
    if event.certainty and not event.added:
        was, now = event.certainty
        parts.append(f"Certainty {_level(was)} → {_level(now)}" if was else f"Certainty {_level(now)}")
    if event.key_message:
        was, now = event.key_message
        said = "Key message" if event.added or was is None else "Key message reworded"
        parts.append(f"{said}: “{escape(now or '')}”")
    return "; ".join(parts)


def _level(value: str | None) -> str:
    """A certainty as its badge when it is a level the model knows (older versions may hold others)."""
    if value is None:
        return "unstated"
    try:
        return str(certainty_badge(Certainty(value)))
    except ValueError:
        return str(escape(value))
