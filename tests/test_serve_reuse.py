"""`serve --dirty` renders again only the record pages an edit can change, and gets the same site."""

from __future__ import annotations

import shutil

import pytest
import yaml

from build_tools.adapters.mkdocs.serve import DirtyServe
from build_tools.engine.graph import build_graph
from build_tools.engine.load import load_evidence
from build_tools.site.info import SiteInfo
from build_tools.site.render import render_pages
from build_tools.tooling.synthetic import generate

INFO = SiteInfo("Site", "About", url="https://example.org/")
INPUTS = ("same settings, history and templates",)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    generate(folder, 120, seed=3)
    return folder / "evidence"


def _edit(path, change):
    header, _, body = path.read_text(encoding="utf-8").partition("\n")
    data = yaml.safe_load(body)
    change(data)
    path.write_text(f"{header}\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _first(folder):
    return sorted(folder.iterdir())[0]


def _new_claim(evidence):
    source = _first(evidence / "claims")
    added = evidence / "claims" / "claim-new.yaml"
    shutil.copy(source, added)
    _edit(added, lambda data: data.update(id="claim-new", statement="A claim added while serving."))


EDITS = {
    "claim statement": lambda e: _edit(_first(e / "claims"), lambda d: d.update(statement="Edited. " + d["statement"])),
    "claim certainty": lambda e: _edit(_first(e / "claims"), lambda d: d.update(certainty="very-low")),
    "source title": lambda e: _edit(_first(e / "sources"), lambda d: d.update(title="An edited title")),
    "study title": lambda e: _edit(_first(e / "studies"), lambda d: d.update(title="An edited study")),
    "theme title": lambda e: _edit(_first(e / "themes"), lambda d: d.update(title="An edited theme")),
    "recommendation title": lambda e: _edit(_first(e / "recommendations"),
                                            lambda d: d.update(title="An edited recommendation")),
    "source moved to another study": lambda e: _edit(
        next(path for path in sorted((e / "sources").iterdir()) if "study:" in path.read_text()),
        lambda d: d.update(study=sorted((e / "studies").iterdir())[-1].stem)),
    "question deleted": lambda e: _first(e / "questions").unlink(),
    "claim added": _new_claim,
}


@pytest.mark.parametrize("edit", EDITS)
def test_reused_pages_are_those_a_full_render_makes(base, tmp_path, monkeypatch, edit):
    evidence = tmp_path / "evidence"
    shutil.copytree(base, evidence)
    monkeypatch.setattr(DirtyServe, "active", True)
    monkeypatch.setattr(DirtyServe, "previous", None)
    before = build_graph(load_evidence(evidence))
    DirtyServe.remember(before, render_pages(before, INFO), INPUTS)
    EDITS[edit](evidence)
    after = build_graph(load_evidence(evidence))
    reuse = DirtyServe.reusable(after, INPUTS)
    record_pages = sum(len(after.by_kind(kind)) for kind in ("source", "study", "claim", "theme",
                                                               "recommendation", "question"))
    assert 0 < len(reuse) < record_pages, "some pages, not all, are taken from the last render"
    full = render_pages(after, INFO)
    again = render_pages(after, INFO, reuse=reuse)
    assert list(again) == list(full)
    assert {uri: vars(p) if not isinstance(p, str) else p for uri, p in again.items()} == {
        uri: vars(p) if not isinstance(p, str) else p for uri, p in full.items()}


def test_nothing_is_reused_when_settings_history_or_templates_changed(base, monkeypatch):
    monkeypatch.setattr(DirtyServe, "active", True)
    graph = build_graph(load_evidence(base))
    DirtyServe.remember(graph, render_pages(graph, INFO), INPUTS)
    assert DirtyServe.reusable(graph, INPUTS), "an unchanged base reuses its pages"
    assert DirtyServe.reusable(graph, ("other settings",)) == {}


def test_outside_serve_dirty_nothing_is_kept_or_reused(base, monkeypatch):
    monkeypatch.setattr(DirtyServe, "active", False)
    monkeypatch.setattr(DirtyServe, "previous", None)
    graph = build_graph(load_evidence(base))
    DirtyServe.remember(graph, render_pages(graph, INFO), INPUTS)
    assert DirtyServe.previous is None
    assert DirtyServe.reusable(graph, INPUTS) == {}
