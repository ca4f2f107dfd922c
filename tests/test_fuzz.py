"""Fuzzing the loader, validator and renderer: every input gives findings or success, never an exception.

The suite runs a short pass. For a long run (recorded in issue notes):

    FUZZ_EXAMPLES=20000 .venv/bin/python -m pytest tests/test_fuzz.py -q -p no:cacheprovider

Inputs: arbitrary bytes; text made of YAML's special characters; random edits of
valid records (so most inputs get past the parser into typing, references and
quote matching); and valid records with every field replaced by arbitrary YAML
values. Whatever loads cleanly is also rendered to pages, exported (downloads, citations)
and described in JSON-LD.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import Project, write_valid_base

from build_tools.engine.validate import run
from build_tools.site.citations import Citations, Formatter
from build_tools.site.exports import build_exports
from build_tools.site.render import SiteInfo, render_pages
from build_tools.site.structured_data import structured_data

pytestmark = pytest.mark.slow  # `check --fast` leaves these out

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)

_TEMPLATE = Path(tempfile.mkdtemp(prefix="fuzz-base-"))
_FORMATTER = Formatter()  # one for the whole run, as in `serve`: references are formatted once
write_valid_base(Project(_TEMPLATE))
_FILES = sorted(p.relative_to(_TEMPLATE).as_posix() for p in (_TEMPLATE / "evidence").rglob("*.yaml"))
_TEXTS = {name: (_TEMPLATE / name).read_text(encoding="utf-8") for name in _FILES}

YAML_CHARS = st.sampled_from([*":-?,[]{}#&*!|>'\"%@`\t \n\r\u2028\ufeff\x00\\", "id", "claim", "a", "é", "…"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40),
                    st.dates().map(str))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                      max_leaves=12)


def _check(files: dict[str, bytes]) -> None:
    """Write a base of valid records with ``files`` replaced, validate and render it: nothing may raise."""
    root = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        shutil.copytree(_TEMPLATE / "evidence", root / "evidence")
        for name, data in files.items():
            (root / name).write_bytes(data)
        report = run(root / "evidence", _TEMPLATE / "archive", strict_mode=True)
        for finding in report.findings:
            assert finding.message and finding.code
        if report.ok:
            info = SiteInfo("Fuzz", "", url="https://example.org/fuzz/", date=datetime.date(2026, 1, 1))
            citations = Citations(report.graph, info, _FORMATTER)
            downloads = build_exports(report.graph, info, citations)
            render_pages(report.graph, info, citations=citations, downloads=downloads)
            for script in structured_data(report.graph, info, downloads).values():
                json.loads(script.removeprefix('<script type="application/ld+json">').removesuffix("</script>"))
    finally:
        shutil.rmtree(root, ignore_errors=True)


@FUZZ
@given(name=st.sampled_from(_FILES), data=st.binary(max_size=400))
def test_arbitrary_bytes(name, data):
    _check({name: data})


@FUZZ
@given(name=st.sampled_from(_FILES), text=st.lists(YAML_CHARS, max_size=120).map("".join))
def test_yaml_special_characters(name, text):
    _check({name: text.encode("utf-8", "surrogatepass")})


@st.composite
def edited(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(_FILES))
    text = _TEXTS[name]
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        end = draw(st.integers(at, min(len(text), at + 20)))
        insert = draw(st.one_of(st.just(""), st.lists(YAML_CHARS, max_size=6).map("".join), st.text(max_size=6)))
        text = text[:at] + insert + text[end:]
    return name, text


@FUZZ
@given(edit=edited())
def test_random_edits_of_valid_records(edit):
    name, text = edit
    _check({name: text.encode("utf-8", "surrogatepass")})


@FUZZ
@given(name=st.sampled_from(_FILES), data=st.data())
def test_any_value_in_any_field(name, data):
    record = yaml.safe_load(_TEXTS[name])
    field = data.draw(st.sampled_from(sorted(record)))
    record[field] = data.draw(values)
    if data.draw(st.booleans()):
        record[data.draw(st.text(max_size=10))] = data.draw(values)
    _check({name: yaml.safe_dump(record, allow_unicode=True).encode("utf-8", "surrogatepass")})


def _nested_paths(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every place inside a record's data: keys of mappings and items of lists, however deep."""
    found: list[tuple[object, ...]] = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _nested_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _nested_paths(item, (*path, index))
    return found


@FUZZ
@given(name=st.sampled_from(_FILES), data=st.data())
def test_any_value_anywhere_inside_a_record(name, data):
    """Nested fields too: an assessment's judgements, a quote's elision note, a recommendation's makers."""
    record = yaml.safe_load(_TEXTS[name])
    path = data.draw(st.sampled_from(_nested_paths(record)))
    parent = record
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = data.draw(values)
    _check({name: yaml.safe_dump(record, allow_unicode=True).encode("utf-8", "surrogatepass")})


_SOURCE_TEXT = (_TEMPLATE / "archive" / "journal.txt").read_text(encoding="utf-8")
QUOTE_PIECES = st.one_of(
    st.builds(lambda start, length: _SOURCE_TEXT[start:start + length], st.integers(0, len(_SOURCE_TEXT)),
              st.integers(0, 60)),
    st.sampled_from(["…", "[...]", " … ", "...", "not ", "\n\n", "\u200b", "\u202e", "\ufb01", "\uff43", "“", "”"]),
)


@FUZZ
@given(pieces=st.lists(QUOTE_PIECES, min_size=1, max_size=8), stance=st.sampled_from(["supports", "contradicts"]),
       note=st.one_of(st.none(), st.text(max_size=30)))
def test_quotes_made_of_the_source_elisions_and_odd_characters(pieces, stance, note):
    """Quotes cut from the archived text, joined by elisions, negations, paragraph breaks and characters the
    check refuses: matching, the elision rules and the pages all take them."""
    name = "evidence/claims/boards-feel-freer.yaml"
    record = yaml.safe_load(_TEXTS[name])
    evidence = {"source": "journal-report", "quote": "".join(pieces), "stance": stance}
    if note is not None:
        evidence["elision_note"] = note
    record["evidence"].append(evidence)
    _check({name: yaml.safe_dump(record, allow_unicode=True).encode("utf-8", "surrogatepass")})
