"""Evidence-synthesis engine: load YAML records, index them, validate them, render them.

The public API is re-exported here; modules are one step of the flow each:
``load`` → ``graph`` → ``validate`` → ``render``; ``plugin`` and ``cli`` are adapters.
"""

from .findings import Finding, Severity
from .graph import Graph, build_graph
from .load import EvidenceBase, load_evidence
from .model import KINDS, Claim, Question, Recommendation, Record, Source, Study, Theme
from .validate import Report, run

__all__ = [
    "KINDS", "Claim", "EvidenceBase", "Finding", "Graph", "Question", "Recommendation", "Record", "Report",
    "Severity", "Source", "Study", "Theme", "build_graph", "load_evidence", "run",
]
