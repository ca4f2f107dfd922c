"""The changelog page and each record's "last updated" line, from the git history."""

from __future__ import annotations

from collections import Counter
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup

from build_tools.engine.history import Action, Change
from build_tools.engine.model import KINDS, Record
from build_tools.site.render.addresses import CHANGELOG, href, page_url
from build_tools.site.render.markup import code

# The changelog stays readable at any size: the newest dates only, and a few lines per date.
CHANGELOG_DATES = 100
CHANGELOG_LINES_PER_DATE = 40
CHANGELOG_COMMITS_PER_DATE = 10
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
        days: dict[Any, dict[str, Any]] = {}
        older = 0
        for commit in history.commits:  # newest first
            if commit.date not in self._changelog_dates:
                older += 1
                continue
            day = days.setdefault(commit.date, {"changes": {}, "commits": []})
            day["commits"].append(commit)
            for change in commit.changes:
                # One line per record and action on a day; a record added or renamed that day is not also "changed".
                day["changes"].setdefault((change.action, change.kind, change.record_id, change.old_id), change)
        here = page_url(CHANGELOG, self.info.directory_urls)
        out = []
        for date, day in days.items():
            changes: dict[tuple[Any, ...], Change] = day["changes"]
            fresh = {(c.kind, c.record_id) for c in changes.values() if c.action in (Action.added, Action.renamed)}
            kept = [c for c in changes.values() if not (c.action is Action.changed and (c.kind, c.record_id) in fresh)]
            kept.sort(key=lambda c: (_ACTION_ORDER.index(c.action), list(KINDS).index(c.kind), c.record_id))
            shown, rest = kept[:CHANGELOG_LINES_PER_DATE], kept[CHANGELOG_LINES_PER_DATE:]
            commits = day["commits"]
            out.append({
                "date": date.isoformat(),
                "lines": [self._change_line(c, here) for c in shown],
                "more": _count_changes(rest),
                "commits": commits[:CHANGELOG_COMMITS_PER_DATE],
                "more_commits": len(commits) - CHANGELOG_COMMITS_PER_DATE,
            })
        return {"days": out, "older_commits": older, "max_dates": CHANGELOG_DATES}

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


def _count_changes(changes: list[Change]) -> str:
    """ "3 claims added, 1 theme changed" for the changes left off a day of the changelog."""
    counts = Counter((c.action, c.kind) for c in changes)
    parts = []
    for (action, kind), n in sorted(counts.items(), key=lambda item: (_ACTION_ORDER.index(item[0][0]),
                                                                        list(KINDS).index(item[0][1]))):
        noun = KINDS[kind].name if n == 1 else KINDS[kind].plural
        parts.append(f"{n:,} {noun} {action.value}")
    return ", ".join(parts)
