"""The graph: indexes computed once from the records, which pages and checks then read."""

from __future__ import annotations

import yaml
from support import Project

from build_tools.engine.graph import affected, build_graph
from build_tools.engine.load import load_evidence
from build_tools.engine.model import Certainty, Stance


def _graph(project: Project):
    return build_graph(load_evidence(project.evidence))


def _evidence(project: Project, claim_id: str, entries: list[dict]) -> None:
    path = project.evidence / "claims" / f"{claim_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["evidence"] = entries
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_studies_are_counted_per_stance_never_added_together(valid_project):
    _evidence(valid_project, "boards-feel-freer", [
        {"source": "journal-report", "quote": "less constrained by the centre", "stance": "supports"},
        {"source": "second-report", "quote": "boards “less constrained by the centre”", "stance": "contradicts"},
    ])
    graph = _graph(valid_project)
    claim = graph.claims["boards-feel-freer"]
    assert graph.independent_studies(claim) == ["board-study"]
    assert graph.independent_studies(claim, Stance.contradicts) == ["second-study"]
    assert graph.evidence_count(claim, Stance.qualifies).studies == []
    assert graph.is_contested(claim) and not graph.is_qualified(claim)


def test_the_indexes_hold_every_link_both_ways(valid_project):
    graph = _graph(valid_project)
    assert [c.id for c in graph.claims_by_theme["autonomy"]] == ["boards-feel-freer", "effect-unknown"]
    assert [s.id for s in graph.reports_by_study["board-study"]] == ["journal-report"]
    assert [r.id for r in graph.recommendations_by_claim["effect-unknown"]] == ["wait-and-see"]
    assert {q.id for q in graph.questions_by_claim["boards-feel-freer"]} == {"patient-effects"}
    uses = graph.quotes_by_source["journal-report"]
    assert {(use.record.kind, use.record.id) for use in uses} == {
        ("claim", "boards-feel-freer"), ("claim", "effect-unknown"), ("recommendation", "wait-and-see"),
        ("question", "patient-effects")}
    assert graph.unresolved == []


def test_the_certainty_spread_counts_each_claim_once_most_certain_first(valid_project):
    graph = _graph(valid_project)
    spread = graph.certainty_spread(["effect-unknown", "boards-feel-freer", "effect-unknown", "no-such-claim"])
    assert list(spread.items()) == [(Certainty.moderate, 1), (Certainty.low, 1)]
    assert graph.certainty_spread([]) == {}


def test_references_that_do_not_resolve_are_listed_not_raised(valid_project):
    path = valid_project.evidence / "claims" / "effect-unknown.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("themes: [autonomy]", "themes: [autonomy, nowhere]"),
                    encoding="utf-8")
    graph = _graph(valid_project)
    assert [(ref.kind, ref.target, ref.loc) for ref in graph.unresolved] == [("theme", "nowhere", ("themes", 1))]
    assert [c.id for c in graph.claims_by_theme["autonomy"]] == ["boards-feel-freer", "effect-unknown"]


def test_a_changed_record_affects_its_neighbours_pages_and_no_others(valid_project: Project):
    before = _graph(valid_project)
    path = valid_project.evidence / "questions" / "patient-effects.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Too early.", "Still too early."), encoding="utf-8")
    after = _graph(valid_project)
    changed = affected(before, after, hops=1)
    assert ("question", "patient-effects") in changed
    assert {("claim", "effect-unknown"), ("claim", "boards-feel-freer")} <= changed  # its claims list it
    assert ("study", "second-study") not in changed
