"""``new``: commented template records, and the JSON Schemas editors use."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from build_tools.engine.model import ID_PATTERN, KINDS, Kind

SCHEMA_DIR_NAME = "schemas"

_TEMPLATES: dict[str, str] = {
    "source": """\
# A source: one document, as archived. Facts come from its text only;
# write null (or []) where the text does not say.
id: {id}
title: ""
authors: []              # people as "Family, Given", e.g. ["Storey, John"]; organisations as named; [] if none
# organisations: []      # which authors are organisations, e.g. ["Healthwatch England"]
outlet: null             # journal, magazine, website or series
publisher: null
date: null               # YYYY, YYYY-MM or YYYY-MM-DD; null when unknown
# research-report, peer-reviewed-article, abstract, news-report,
# practitioner-article, opinion-piece, policy-document or other
type: ""
# url: https://…         # only when known
# doi: 10.…/…            # without https://doi.org/
# study: some-study      # id of the study it reports, if any
archive:
  file: ""               # file name in the archive folder
  sha256: ""             # sha256sum of that file
# summary: what the document is, in our words
# data_period: the period its data cover, as the text says; leave out when it reports none
""",
    "study": """\
# A study: the unit of evidence. One study may be reported by several sources.
id: {id}
title: ""
design: ""               # e.g. mixed methods: national survey and case studies
investigators: []
organisations: []
funder: null
period: null             # when the work was done, as the sources say
sample: null             # who or what was studied, and how many
# summary: in our words
""",
    "claim": """\
# A claim: one finding or argument, in our own words, backed by verbatim quotes.
id: {id}
key_message: ""          # the finding in plain words, at most 25, hedged to its certainty: "probably" (moderate),
                         # "may" (low), "it is uncertain whether" (very low)
statement: ""            # one sentence, in our own words
themes:
  - ""                   # id of a theme (evidence/themes/)
certainty: ""            # overall: high, moderate, low or very low
certainty_rationale: ""  # why, overall: how the four judgements below add up
assessment:              # GRADE-CERQual: concerns are no or very minor, minor, moderate or serious
  methodological_limitations:
    concerns: ""         # how soundly was the evidence produced, and how directly do we see it?
    explanation: ""      # one sentence
  coherence:
    concerns: ""         # do the sources fit together, or does some evidence pull the other way?
    explanation: ""
  adequacy:
    concerns: ""         # how rich and plentiful are the data?
    explanation: ""
  relevance:
    concerns: ""         # how well does the evidence match the claim in setting, time and scope?
    explanation: ""
evidence:
  - source: ""           # id of a source (evidence/sources/)
    quote: ""            # the source's exact words; mark omissions with … or [...]
    stance: supports     # supports, contradicts or qualifies
    # locator: paragraph 4
    # note: anything a reader should know about this quote
""",
    "theme": """\
# A theme groups claims. Its summary is a narrative in our own words.
id: {id}
title: ""
summary: ""              # use `summary: |` and indented lines for several paragraphs
""",
    "recommendation": """\
# A recommendation a source makes, attributed with the words that make it.
id: {id}
statement: ""            # what is recommended, in our words
made_by:
  - ""                   # who makes it: an organisation or person, as the source names them
basis: ""                # study-findings, authors-interpretation or expert-opinion
made_in:
  - source: ""           # id of the source that makes it
    quote: ""            # its exact words
rationale: ""
claims:
  - ""                   # ids of the claims it rests on
audience:
  - ""                   # who should act on it, e.g. CCG leaders
""",
    "question": """\
# An open question: what the evidence leaves unknown.
id: {id}
question: ""
# open_in: the-field     # the-field (the documents say nobody knows yet) or these-documents
                         # (they disagree or do not report it; other work may have answered it)
why_open: ""
claims:
  - ""                   # ids of the claims it bears on
would_settle: ""         # what evidence would settle it
raised_by: []            # sources that raise it: - source: …  quote: "…"
""",
}


class ScaffoldError(Exception):
    """A `new` request that cannot be carried out; the message says why."""


def schema_modeline(record_path: Path, project_root: Path, kind: Kind) -> str:
    schema = project_root / SCHEMA_DIR_NAME / f"{kind.name}.schema.json"
    relative = os.path.relpath(schema.resolve(), record_path.parent.resolve())
    return f"# yaml-language-server: $schema={Path(relative).as_posix()}\n"


def new_record(kind_name: str, record_id: str, evidence: Path) -> Path:
    """Write a template record; refuse to overwrite anything."""
    kind = KINDS.get(kind_name)
    if kind is None:
        raise ScaffoldError(f"unknown kind '{kind_name}': choose one of {', '.join(KINDS)}")
    if not re.match(ID_PATTERN, record_id) or len(record_id) > 100:
        raise ScaffoldError(f"'{record_id}' is not a valid id: use lowercase letters, digits and single "
                            "hyphens, e.g. gp-engagement-varies")
    folder = evidence / kind.folder
    existing = [p for p in folder.rglob(f"{record_id}.y*ml")] if folder.is_dir() else []
    if existing:
        raise ScaffoldError(f"{existing[0]} already exists; nothing was written")
    path = folder / f"{record_id}.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    text = schema_modeline(path, evidence.resolve().parent, kind) + _TEMPLATES[kind.name].format(id=record_id)
    with path.open("x", encoding="utf-8") as handle:  # "x": fail rather than overwrite
        handle.write(text)
    return path


def json_schemas() -> dict[str, str]:
    """JSON Schema text for every kind, and for the evidence.json download, keyed by file name."""
    from build_tools.site.exports import SCHEMA_NAME, evidence_schema

    out = {}
    for kind in KINDS.values():
        schema = kind.model.model_json_schema()
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
        schema["title"] = f"Evidence record: {kind.name}"
        out[f"{kind.name}.schema.json"] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    out[SCHEMA_NAME] = json.dumps(evidence_schema(), indent=2, ensure_ascii=False) + "\n"
    return out


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in json_schemas().items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def stale_schemas(folder: Path) -> list[str]:
    """Names of schema files that are missing or differ from the model."""
    return [name for name, text in json_schemas().items()
            if not (folder / name).is_file() or (folder / name).read_text(encoding="utf-8") != text]
