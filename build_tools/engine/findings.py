"""Findings: what validation says about the evidence base, as values, never exceptions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from enum import StrEnum


class Severity(StrEnum):
    error = "error"
    warning = "warning"


_UNPRINTABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")
"""Control, format and direction characters: record text (and file names) may carry them, and a terminal or a CI
runner would act on them (colours, cursor moves, reordered text); and the lone surrogates that stand for the bytes
of a file name that is not UTF-8, which no UTF-8 output can write."""
_COMMAND = re.compile(r"^(\s*):(?=:)")
"""A line that a CI runner would read as a command (GitHub Actions: ``::error …``, ``::add-mask::``)."""


def printable(text: str, *, lines: bool = False) -> str:
    """Text that prints as itself: invisible characters shown as escapes, no line a CI runner would take for a
    command; new lines shown as ``\\n`` too, unless ``lines`` (a hint of several lines)."""
    text = _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text.replace("\r\n", "\n").replace("\r", "\n"))
    if not lines:
        return _COMMAND.sub(r"\1\\", text.replace("\n", "\\n"))
    return "\n".join(_COMMAND.sub(r"\1\\", line) for line in text.split("\n"))


@dataclass(frozen=True)
class Finding:
    """One problem, located in a file when it has a place (file is "" when it does not).

    Its words often quote record text, so they are made printable when it is made (:func:`printable`):
    whatever prints a finding, in any format, prints no control character and no CI command.
    """

    severity: Severity
    code: str
    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    hint: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", printable(self.message))
        object.__setattr__(self, "file", printable(self.file))
        object.__setattr__(self, "hint", printable(self.hint, lines=True))

    @property
    def location(self) -> str:
        if not self.file:
            return ""
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"


def error(code: str, message: str, file: str = "", line: int = 0, column: int = 0, hint: str = "") -> Finding:
    return Finding(Severity.error, code, message, file, line, column, hint)


def warning(code: str, message: str, file: str = "", line: int = 0, column: int = 0, hint: str = "") -> Finding:
    return Finding(Severity.warning, code, message, file, line, column, hint)


def strict(findings: Iterable[Finding]) -> list[Finding]:
    """Every warning becomes an error (``--strict``)."""
    return [replace(f, severity=Severity.error) for f in findings]


def sort_key(finding: Finding) -> tuple[str, int, int, str]:
    return (finding.file or "\uffff", finding.line, finding.column, finding.code)


def format_text(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        where = f"{f.location}: " if f.location else ""
        lines.append(f"{where}{f.severity.value}: {f.message} [{f.code}]")
        if f.hint:
            hint_lines = f.hint.splitlines()
            lines.append(f"  hint: {hint_lines[0]}")
            lines.extend(f"        {part}" for part in hint_lines[1:])
    errors = sum(f.severity is Severity.error for f in findings)
    warnings = len(findings) - errors
    lines.append(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
    return "\n".join(lines)


def _escape_github(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(findings: list[Finding]) -> str:
    """GitHub Actions workflow commands: annotations on the files and lines."""
    lines = []
    for f in findings:
        props = []
        if f.file:
            props.append(f"file={_escape_github(f.file, property_value=True)}")
            if f.line:
                props.append(f"line={f.line}")
                props.append(f"col={f.column or 1}")
        props.append(f"title={_escape_github(f.code, property_value=True)}")
        body = f.message + (f"\nhint: {f.hint}" if f.hint else "")
        lines.append(f"::{f.severity.value} {','.join(props)}::{_escape_github(body)}")
    return "\n".join(lines)


def format_json(findings: list[Finding]) -> str:
    return json.dumps(
        [{**asdict(f), "severity": f.severity.value} for f in findings],
        indent=2,
        ensure_ascii=False,
    )
