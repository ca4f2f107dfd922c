"""Evidence-synthesis engine: YAML records with verified quotes, rendered as a cross-referenced site.

The flow runs one way, one package a step (``tests/test_layout.py`` enforces it):

- :mod:`build_tools.engine`: load records, check them, index them (no MkDocs, no Jinja);
- :mod:`build_tools.site`: render the graph into pages and downloads (pure functions; no MkDocs);
- :mod:`build_tools.adapters`: the command line, the MkDocs plugin, and ``generate`` (a docs tree any
  engine builds);
- :mod:`build_tools.tooling`: developer tools (benchmark, ``check``, link check, scaffolding).

A script needs no MkDocs::

    import build_tools as bt

    report = bt.run("evidence", "../shared/sources")      # load, validate, index
    pages = bt.render_pages(report.graph, bt.SiteInfo("My synthesis"))

Names are imported when first used, so that ``validate`` never pays for the renderer's imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_PUBLIC = {
    "KINDS": "engine.model", "Claim": "engine.model", "Question": "engine.model",
    "Recommendation": "engine.model", "Record": "engine.model", "Source": "engine.model", "Study": "engine.model",
    "Theme": "engine.model",
    "Finding": "engine.findings", "Severity": "engine.findings",
    "EvidenceBase": "engine.load", "load_evidence": "engine.load",
    "Graph": "engine.graph", "build_graph": "engine.graph",
    "Report": "engine.validate", "run": "engine.validate",
    "History": "engine.history", "read_history": "engine.history",
    "SiteInfo": "site.info", "GeneratedPage": "site.render", "render_pages": "site.render",
    "redirect_map": "site.render", "Citations": "site.citations", "build_exports": "site.exports",
    "generate": "adapters.generate",
}
__all__ = [
    "KINDS",
    "Citations",
    "Claim",
    "EvidenceBase",
    "Finding",
    "GeneratedPage",
    "Graph",
    "History",
    "Question",
    "Recommendation",
    "Record",
    "Report",
    "Severity",
    "SiteInfo",
    "Source",
    "Study",
    "Theme",
    "build_exports",
    "build_graph",
    "generate",
    "load_evidence",
    "read_history",
    "redirect_map",
    "render_pages",
    "run",
]

if TYPE_CHECKING:
    from build_tools.adapters.generate import generate
    from build_tools.engine.findings import Finding, Severity
    from build_tools.engine.graph import Graph, build_graph
    from build_tools.engine.history import History, read_history
    from build_tools.engine.load import EvidenceBase, load_evidence
    from build_tools.engine.model import KINDS, Claim, Question, Recommendation, Record, Source, Study, Theme
    from build_tools.engine.validate import Report, run
    from build_tools.site.citations import Citations
    from build_tools.site.exports import build_exports
    from build_tools.site.info import SiteInfo
    from build_tools.site.render import GeneratedPage, redirect_map, render_pages


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'build_tools' has no attribute {name!r}")
    return getattr(importlib.import_module(f"build_tools.{module}"), name)
