"""Load: YAML files under evidence/ into typed records that remember where they came from.

Parsing goes through ``yaml.compose`` (libyaml when available) and a walk of
the node tree of our own, rather than ``yaml.load``, because the walk is where
positions are recorded, duplicate keys are caught (PyYAML silently keeps the
last one), aliases are refused (no "billion laughs") and only plain data tags
are accepted. Every problem becomes a finding; nothing raises.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from build_tools.engine import workers
from build_tools.engine.findings import Finding, error
from build_tools.engine.model import KIND_BY_FOLDER, KINDS, Kind, Record

if TYPE_CHECKING:
    from build_tools.engine.cache import FileKey, ValidationCache

MAX_FILE_BYTES = 256 * 1024
RECORD_SUFFIXES = (".yaml", ".yml")
_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT, _FLOAT, _TIMESTAMP, _SEQ, _MAP, _MERGE = (
    _TAG + name for name in ("str", "null", "bool", "int", "float", "timestamp", "seq", "map", "merge"))
_WILDCARD_RESOLVERS: list[tuple[str, Any]] = yaml.resolver.Resolver.yaml_implicit_resolvers.get(None, [])
_IMPLICIT_RESOLVERS = {first: tuple(resolvers + _WILDCARD_RESOLVERS)
                       for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()}

try:
    from yaml.cyaml import CParser as _PARSER  # libyaml's, when PyYAML was built with it
except ImportError:  # pragma: no cover
    _PARSER = yaml.SafeLoader  # type: ignore[assignment,misc]


class _Composer(_PARSER):  # type: ignore[misc,valid-type]
    """A YAML composer that resolves tags exactly as the safe loader does, faster.

    libyaml calls three methods back in Python for every node. ``descend_resolver``
    and ``ascend_resolver`` serve path resolvers, which records never use: built-in
    no-ops stand in (``slice`` and ``tuple`` take the same arguments and touch
    nothing). ``resolve`` looks up the safe loader's own implicit resolvers, grouped
    by first character once rather than on every call. Together they make parsing
    a record a third faster.
    """

    descend_resolver = staticmethod(slice)
    ascend_resolver = staticmethod(tuple)

    @staticmethod
    def resolve(kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, pattern in _IMPLICIT_RESOLVERS.get(value[:1], _WILDCARD_RESOLVERS):
                    if pattern.match(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


def _compose(text: str) -> yaml.Node | None:
    composer = _Composer(text)
    try:
        return composer.get_single_node()
    finally:
        composer.dispose()


_constructor = yaml.constructor.SafeConstructor()

Path_ = tuple[str | int, ...]


@dataclass
class EvidenceBase:
    """Everything loaded from an evidence folder."""

    root: Path
    records: dict[str, dict[str, Record]] = field(default_factory=lambda: {k: {} for k in KINDS})
    # Ids of every record file found, including files that failed to load, so that
    # references to a broken record are not also reported as unresolved.
    known_ids: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in KINDS})
    files: dict[str, str] = field(default_factory=dict)
    """The path of each record's file, by "kind:id"."""
    findings: list[Finding] = field(default_factory=list)

    def all_records(self) -> Iterator[Record]:
        for by_id in self.records.values():
            yield from by_id.values()


def display_path(path: Path) -> str:
    """A path as contributors see it: relative to the working directory when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def discover(root: Path) -> tuple[list[tuple[Kind, str, str, str]], list[Finding]]:
    """Record files under ``root``, by kind folder (subfolders allowed), sorted: kind, path, shown path, and
    the file name without its suffix (the record's id).

    Walks with ``os.scandir`` and works on strings: at 15,000 files, ``Path.rglob``,
    ``relative_to`` and ``os.path.relpath`` per file cost more than parsing the files.
    Like ``rglob``, it does not descend into symlinked folders.
    """
    found: list[tuple[Kind, str, str, str]] = []
    findings: list[Finding] = []
    if not root.is_dir():
        findings.append(error("no-evidence", f"evidence folder {display_path(root)} does not exist",
                              hint="run from the project root, or pass --evidence DIR"))
        return found, findings
    shown_root = display_path(root)
    real_root = os.path.realpath(root)
    names: list[tuple[tuple[str, ...], str]] = []
    folders: list[tuple[str, ...]] = [()]
    while folders:
        folder = folders.pop()
        with os.scandir(root.joinpath(*folder)) as entries:
            for entry in entries:
                name = entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.append((*folder, name))
                elif name.endswith(RECORD_SUFFIXES):
                    stem, suffix = os.path.splitext(name)  # ".yaml" alone is a hidden file, not a record
                    if suffix not in RECORD_SUFFIXES:
                        continue
                    if entry.is_symlink():
                        problem = _symlink_problem(entry.path, real_root)
                        if problem:
                            shown = "/".join((*((shown_root,) if shown_root != "." else ()), *folder, name))
                            findings.append(error("record-symlink", f"record file is a symbolic link {problem}",
                                                  shown, hint="put the record's own file here, not a link"))
                            continue
                    if entry.is_file():
                        names.append(((*folder, name), stem))
                elif name.lower().endswith(RECORD_SUFFIXES) and not name.startswith("."):
                    shown = "/".join((*((shown_root,) if shown_root != "." else ()), *folder, name))
                    lower = name[:-5] + ".yaml" if name.lower().endswith(".yaml") else name[:-4] + ".yml"
                    findings.append(error("record-suffix", f"'{name}' is not read: record files end in .yaml or "
                                          ".yml, in lowercase", shown, hint=f"rename it to {lower}"))
    root_name = str(root)
    for parts, stem in sorted(names):
        path = os.path.join(root_name, *parts)
        shown = "/".join(parts if shown_root == "." else (shown_root, *parts))
        kind = KIND_BY_FOLDER.get(parts[0]) if len(parts) > 1 else None
        if kind is None:
            findings.append(error(
                "misplaced-file", "record file is not inside a kind folder", shown,
                hint="move it into one of: " + ", ".join(f"{root.name}/{k.folder}/" for k in KINDS.values())))
            continue
        found.append((kind, path, shown, stem))
    return found, findings


def _symlink_problem(path: str, real_root: str) -> str:
    """Why a record file that is a symbolic link cannot be read ("" when it leads to a file in the evidence
    folder): a link out of the project would publish a file nobody reviews in a pull request."""
    try:
        target = os.path.realpath(path, strict=True)
    except (OSError, RuntimeError):
        return "that leads nowhere (its target is missing, or links loop)"
    if os.path.commonpath([target, real_root]) != real_root:
        return f"to {target}, outside the evidence folder"
    return ""


PARALLEL_MIN_FILES = 1000
"""Fewer files to parse than this are parsed in this process: starting workers would cost more than it saves."""


class _Job(NamedTuple):
    kind: str
    path: str
    shown: str
    stem: str
    key: FileKey | None


def load_evidence(root: Path | str, cache: ValidationCache | None = None,
                  pool: workers.Pool | None = None) -> EvidenceBase:
    """Load and type every record under ``root``; problems become ``base.findings``.

    With a ``cache``, files unchanged since it was written are not parsed again.
    Many files to parse are parsed by one process per CPU: those of ``pool``, which
    later steps may use too, or of a pool of its own.
    """
    from build_tools.engine.cache import ValidationCache

    memo = cache if cache is not None else ValidationCache(None)  # also carries what workers parsed
    base = EvidenceBase(Path(root))
    paths, base.findings = discover(base.root)
    seen: dict[tuple[str, str], str] = {}
    jobs: list[_Job] = []
    for kind, path, shown, record_id in paths:
        base.known_ids[kind.name].add(record_id)
        first = seen.setdefault((kind.name, record_id), shown)
        if first != shown:
            base.findings.append(error(
                "duplicate-id", f"{kind.name} id '{record_id}' is already used by {first}", shown, 1, 1,
                hint="ids must be unique within a kind: rename one of the files (and its id:)"))
            continue
        jobs.append(_Job(kind.name, path, shown, record_id, memo.key(path, shown)))
    to_parse = [job for job in jobs if job.key is not None and not memo.has(job.key)]
    if len(to_parse) >= PARALLEL_MIN_FILES and workers.worker_count() > 1:
        with contextlib.nullcontext(pool) if pool is not None else workers.Pool() as parsers:
            _parse_in_workers(to_parse, memo, parsers)
    for job in jobs:
        cached = memo.get(job.key)
        if cached is not None:
            record, findings = cached
        else:
            record, findings = load_record_file(KINDS[job.kind], job.path, job.shown, job.stem)
            memo.put(job.key, record, findings)
        base.findings.extend(findings)
        if record is not None:
            base.records[job.kind][record.id] = record
            base.files[f"{job.kind}:{record.id}"] = job.path
    return base


def _parse_in_workers(jobs: list[_Job], memo: ValidationCache, pool: workers.Pool) -> None:
    """Parse the files of ``jobs`` in the worker processes of ``pool`` into ``memo``.

    Each worker parses the files of whole cache shards, writes them to the cache and
    hands them back pickled, so the records are pickled once, and saved in parallel.
    Shards go to workers in a few groups each, so that they share the work evenly
    yet few messages pass between the processes.
    """
    from build_tools.engine.cache import shard_of

    shards: dict[int, list[_Job]] = {}
    for job in jobs:
        shards.setdefault(shard_of(job.key), []).append(job)  # type: ignore[arg-type]
    tasks = [(memo.path, part) for part in workers.share(list(shards.values()))]
    for shard_bytes in pool.map(_parse_shards, tasks):
        for one in shard_bytes:
            memo.adopt(one)


def _parse_shards(task: tuple[Path | None, list[list[_Job]]]) -> list[bytes]:
    """In a worker: the records of some cache shards' files, each shard pickled (and saved in the cache at
    the path given, if any)."""
    from build_tools.engine.cache import ValidationCache

    path, shards = task
    memo = ValidationCache(path)
    return [memo.store_shard({job.key: load_record_file(KINDS[job.kind], job.path, job.shown, job.stem)  # type: ignore[misc]
                              for job in jobs}) for jobs in shards]


def load_record_file(kind: Kind, path: str, shown: str, stem: str) -> tuple[Record | None, list[Finding]]:
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except OSError as exc:
        return None, [error("unreadable", f"cannot read file: {exc.strerror}", shown)]
    return load_record_bytes(kind, raw, shown, stem)


def load_record_bytes(kind: Kind, raw: bytes, shown: str, stem: str) -> tuple[Record | None, list[Finding]]:
    """A record from the bytes of its file, wherever they came from (a file, or a commit: ``revisions``)."""
    if len(raw) > MAX_FILE_BYTES:
        return None, [too_large(len(raw), shown)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [error("encoding", f"byte 0x{raw[exc.start]:02x} is not valid UTF-8", shown, line, column,
                            hint="save the file as UTF-8")]
    data, positions, findings = parse_yaml(text, shown)
    if findings:
        return None, findings
    return type_record(kind, data, positions, shown, stem)


def too_large(size: int, shown: str) -> Finding:
    """The finding on a file of ``size`` bytes, above :data:`MAX_FILE_BYTES` (and so never parsed)."""
    return error("file-too-large", f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}", shown, 1, 1,
                 hint="a record is a few kilobytes: split it or shorten its quotes")


def parse_yaml(text: str, shown: str) -> tuple[Any, dict[Path_, tuple[int, int]], list[Finding]]:
    """Plain data, the (line, column) of each key or item, and findings."""
    positions: dict[Path_, tuple[int, int]] = {}
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        offending = text[mark.index] if mark and mark.index < len(text) else ""
        return None, positions, [error("yaml-syntax", f"YAML syntax: {problem}", shown, line, column,
                                       hint=_yaml_hint(problem, offending))]
    except yaml.YAMLError as exc:
        return None, positions, [error("yaml-syntax", f"YAML syntax: {exc}", shown, 1, 1,
                                       hint="check that this is a single YAML document")]
    if node is None:
        return None, positions, [error("empty-file", "file is empty", shown, 1, 1,
                                       hint="run `python -m build_tools new KIND ID` for a template")]
    walker = _Walker(shown, positions, aliases_possible="*" in text)
    data = walker.value(node, ())
    if not walker.findings and not isinstance(data, dict):
        walker.findings.append(error("not-a-mapping", "a record is a mapping of `field: value` lines",
                                     shown, node.start_mark.line + 1, node.start_mark.column + 1))
    return data, positions, walker.findings


def _yaml_hint(problem: str, offending: str) -> str:
    if offending == "\t" or "\\t" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "a value that contains ': ' must be quoted, or written as a block: `quote: >-` then the text indented"
    if "maximum nesting depth" in problem:
        return "a record is a few levels deep at most: check the brackets [ ] and braces { } on this line"
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return "check the indentation of this line and the one before it"
    return "check indentation and quoting near this line; quote values that contain ': ', ' #' or start with a quote"


class _Walker:
    """Turns a composed node tree into plain data, recording positions.

    It runs once per node of every record, so it is written for speed: tags are
    compared with constants and, when the text has no ``*``, there can be no
    alias and nodes are not tracked.
    """

    def __init__(self, shown: str, positions: dict[Path_, tuple[int, int]], aliases_possible: bool = True) -> None:
        self.shown = shown
        self.positions = positions
        self.findings: list[Finding] = []
        self._seen: set[int] | None = set() if aliases_possible else None

    def _fail(self, code: str, message: str, node: yaml.Node, hint: str = "") -> None:
        mark = node.start_mark
        self.findings.append(error(code, message, self.shown, mark.line + 1, mark.column + 1, hint))

    def value(self, node: yaml.Node, path: Path_) -> Any:
        seen = self._seen
        if seen is not None:
            if id(node) in seen:
                self._fail("yaml-alias", "YAML anchors and aliases (&name, *name) are not allowed in records",
                           node, "write the value out in full")
                return None
            seen.add(id(node))
        if node.id == "scalar":
            return self._scalar(node)
        if node.id == "mapping":
            return self._mapping(node, path)
        if node.tag != _SEQ:
            self._fail("yaml-tag", f"tag {node.tag} is not allowed", node, "remove the tag")
        items = []
        positions = self.positions
        for index, item in enumerate(node.value):
            mark = item.start_mark
            here = (*path, index)
            positions[here] = (mark.line + 1, mark.column + 1)
            items.append(self.value(item, here))
        return items

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any] | None:
        if node.tag != _MAP:
            self._fail("yaml-tag", f"tag {node.tag} is not allowed", node, "remove the tag")
            return None
        result: dict[str, Any] = {}
        positions = self.positions
        plain = self._seen is None  # no aliases: a text value can be taken as it is, without self.value
        for key_node, value_node in node.value:
            tag = key_node.tag
            if tag == _STR:
                key = key_node.value
            elif tag == _MERGE:
                self._fail("yaml-merge", "YAML merge keys (<<) are not allowed in records", key_node,
                           "write the fields out in full")
                continue
            else:
                key = self._scalar(key_node) if key_node.id == "scalar" else None
                if not isinstance(key, str):
                    self._fail("bad-key", "field names must be plain words", key_node)
                    continue
            here = (*path, key)
            first = positions.get(here)
            if first is not None:
                self._fail("duplicate-key", f"field '{key}' appears twice (first on line {first[0]})",
                           key_node, "keep one of them: YAML would silently use only the last")
                continue
            mark = key_node.start_mark
            positions[here] = (mark.line + 1, mark.column + 1)
            if plain and value_node.tag == _STR and value_node.id == "scalar":
                result[key] = value_node.value
            else:
                result[key] = self.value(value_node, here)
        return result

    def _scalar(self, node: yaml.Node) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return _constructor.construct_yaml_bool(node)
        if tag == _INT:
            return _constructor.construct_yaml_int(node)
        if tag == _FLOAT:
            return _constructor.construct_yaml_float(node)
        if tag == _TIMESTAMP:
            return node.value  # dates stay as written: 2014-04-02
        self._fail("yaml-tag", f"tag {tag} is not allowed in records", node,
                   "records hold plain text, numbers, lists and mappings only; remove the tag")
        return None


# --- typing: plain data -> pydantic record ---------------------------------

def type_record(
    kind: Kind, data: dict[str, Any], positions: dict[Path_, tuple[int, int]], shown: str, stem: str
) -> tuple[Record | None, list[Finding]]:
    findings: list[Finding] = []
    try:
        record = kind.model.model_validate(data)
    except ValidationError as exc:
        for item in exc.errors(include_url=False):
            findings.append(_schema_finding(kind, item, positions, shown))
        return None, findings
    line, column = positions.get(("id",), (1, 1))
    # One update of pydantic's private-attribute dict: four attribute assignments cost more.
    record.__pydantic_private__.update(_file=shown, _positions=positions, _line=line, _column=column)
    if record.id != stem:
        line, column = record.position("id")
        findings.append(error("id-mismatch", f"id '{record.id}' does not match the file name '{stem}'",
                              shown, line, column,
                              hint=f"set `id: {stem}`, or rename the file to {record.id}.yaml"))
    return record, findings


RETIRED_FIELDS: dict[tuple[str, Path_], str] = {
    ("claim", ("certainty_concerns",)): (
        "certainty_concerns was replaced by `assessment:`, which judges each of the four GRADE-CERQual components "
        "(methodological_limitations, coherence, adequacy, relevance) with `concerns:` (no or very minor, minor, "
        "moderate or serious) and a one-sentence `explanation:`; each component listed here has at least minor "
        "concerns. See 'How certainty is judged' in CONTRIBUTING.md"),
    ("recommendation", ("made_by",)): (
        "made_by now lists who makes the recommendation (an organisation or person, as the source names them); "
        "move the quotes, unchanged, to `made_in:` and add `basis:`"),
}
"""Fields a record format once had, by (kind, place), and what to write instead: the hint for a file not yet
moved to the new format."""


def _position(positions: dict[Path_, tuple[int, int]], loc: Path_) -> tuple[int, int]:
    while loc:
        if loc in positions:
            return positions[loc]
        loc = loc[:-1]
    return (1, 1)


def _model_at(model: type[BaseModel], loc: Path_) -> type[BaseModel] | None:
    """The model whose fields apply at ``loc`` (following nested models and lists)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _unwrap(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    while True:
        args = [a for a in get_args(annotation) if a is not type(None)]
        if get_origin(annotation) is None or not args:
            return annotation
        annotation = args[0]


def _fill_in_hint(model: type[BaseModel], loc: Path_) -> str:
    field_loc = loc[:-1] if loc and isinstance(loc[-1], int) else loc
    parent = _model_at(model, field_loc[:-1])
    info = parent.model_fields.get(str(field_loc[-1])) if parent and field_loc else None
    described = f" ({info.description})" if info and info.description else ""
    if info is not None and not info.is_required() and not isinstance(loc[-1], int):
        return f"fill it in{described}, or delete the line: this field is optional"
    return f"fill it in{described}"


def _describe_loc(loc: Path_) -> str:
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _schema_finding(kind: Kind, item: dict[str, Any], positions: dict[Path_, tuple[int, int]], shown: str) -> Finding:
    loc: Path_ = tuple(item["loc"])
    kind_of, msg, ctx = item["type"], item["msg"], item.get("ctx") or {}
    where = _describe_loc(loc)
    hint = ""
    if kind_of == "missing":
        parent = _model_at(kind.model, loc[:-1])
        info = parent.model_fields.get(str(loc[-1])) if parent else None
        line, column = _position(positions, loc[:-1]) if loc[:-1] else (1, 1)
        description = f" ({info.description})" if info and info.description else ""
        return error("missing-field", f"missing required field '{where}'", shown, line, column,
                     hint=f"add `{loc[-1]}:`{description}")
    line, column = _position(positions, loc)
    if kind_of == "extra_forbidden":
        parent = _model_at(kind.model, loc[:-1])
        allowed = sorted(parent.model_fields) if parent else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        hint += "allowed fields here: " + ", ".join(allowed)
        retired = RETIRED_FIELDS.get((kind.name, loc))
        if retired:
            hint = retired
        return error("unknown-field", f"unknown field '{where}' in a {kind.name}", shown, line, column, hint)
    choices = re.findall(r"'([^']*)'", ctx.get("expected", ""))  # "'no or very minor', 'minor' or 'serious'"
    if kind_of == "string_too_short" or (kind_of in {"string_pattern_mismatch", "enum"} and item.get("input") == ""):
        hint = _fill_in_hint(kind.model, loc)
        if kind_of == "enum":
            hint += f": one of {', '.join(choices)}"
        return error("empty-value", f"{where} must not be empty", shown, line, column, hint)
    if kind_of == "enum":
        close = difflib.get_close_matches(str(item.get("input")), choices, n=1, cutoff=0.5)
        if str(item.get("input")).strip().lower() in {"none", "no", "no concerns", "very minor"} \
                and "no or very minor" in choices:
            close = ["no or very minor"]
        hint = (f"did you mean '{close[0]}'? " if close else "") + f"choose one of: {', '.join(choices)}"
        return error("bad-value", f"{where}: '{item.get('input')}' is not an allowed value", shown, line, column,
                     hint)
    if kind.name == "recommendation" and loc[:1] == ("made_by",) and isinstance(item.get("input"), dict):
        return error("wrong-type", f"{where} should name who makes the recommendation, not quote a source",
                     shown, line, column, RETIRED_FIELDS[("recommendation", ("made_by",))])
    if kind_of in {"string_type", "list_type", "model_type", "dict_type", "int_type"}:
        wanted = {"string_type": "text", "list_type": "a list", "model_type": "a mapping of fields",
                  "dict_type": "a mapping of fields", "int_type": "a whole number"}[kind_of]
        got = type(item.get("input")).__name__
        hint = {
            "string_type": "put the value in quotes, e.g. \"2014\" or \"yes\"",
            "list_type": "write each entry on its own line starting with '- '",
        }.get(kind_of, "")
        if kind_of == "string_type" and item.get("input") is None:
            hint = _fill_in_hint(kind.model, loc)
        if kind_of in {"model_type", "dict_type"}:
            nested = _model_at(kind.model, loc)
            if nested is not None:
                hint = ("write its fields on the lines below it, indented: "
                        + ", ".join(f"`{name}:`" for name in nested.model_fields))
        return error("wrong-type", f"{where} should be {wanted}, not {got}", shown, line, column, hint)
    if kind_of == "too_short":
        return error("empty-list", f"{where} needs at least one entry", shown, line, column)
    if kind_of in {"string_too_long", "too_long"}:
        return error("too-long", f"{where}: {msg.lower()}", shown, line, column,
                     "shorten it: a statement is one sentence, a quote the few words that carry the point")
    if kind_of == "string_pattern_mismatch":
        parent = _model_at(kind.model, loc[:-1]) if not isinstance(loc[-1], int) else None
        info = parent.model_fields.get(str(loc[-1])) if parent else None
        hint = info.description if info and info.description else f"it must match {ctx.get('pattern')}"
        if str(loc[-1]) in {"id", "themes", "claims", "source", "study"} or isinstance(loc[-1], int):
            hint = "ids are lowercase letters, digits and single hyphens, e.g. gp-engagement"
        value = str(item.get("input"))
        if str(loc[-1]) == "sha256" and re.fullmatch(r"[0-9a-fA-F]{64}\s+\*?\S.*", value):
            hint = (f"keep only the 64 hex digits: `sha256sum` prints the file name after them "
                    f"(sha256: {value.split()[0].lower()})")
        elif str(loc[-1]) == "sha256" and re.fullmatch(r"[0-9A-F]{64}", value.upper()) and value != value.lower():
            hint = f"write the digits in lowercase: sha256: {value.lower()}"
        return error("bad-value", f"{where}: '{item.get('input')}' is not valid", shown, line, column, hint)
    if kind_of == "value_error":
        return error("bad-value", f"{where}: {msg.removeprefix('Value error, ')}", shown, line, column)
    return error("bad-value", f"{where}: {msg}", shown, line, column)
