"""Command line: ``python -m build_tools validate | new | schema``.

Exit codes: 0 success, 1 findings (errors), 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import findings as fmt
from .scaffold import SCHEMA_DIR_NAME, ScaffoldError, new_record, stale_schemas, write_schemas
from .validate import run

ARCHIVE_ENV = "EVIDENCE_ARCHIVE"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m build_tools", description="Evidence synthesis tools.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check every record and verify every quote")
    validate.add_argument("--evidence", default="evidence", type=Path, help="evidence folder (default: evidence)")
    validate.add_argument("--archive", type=Path, default=None,
                          help=f"folder of archived source texts (default: ${ARCHIVE_ENV})")
    validate.add_argument("--strict", action="store_true", help="treat every warning as an error")
    validate.add_argument("--format", choices=("text", "github", "json"), default="text")

    new = commands.add_parser("new", help="write a template record to fill in")
    new.add_argument("kind", help="source, study, claim, theme, recommendation or question")
    new.add_argument("id", help="lowercase letters, digits and hyphens; becomes the file name and URL")
    new.add_argument("--evidence", default="evidence", type=Path)

    schema = commands.add_parser("schema", help="write the JSON Schemas generated from the model")
    schema.add_argument("--out", default=Path(SCHEMA_DIR_NAME), type=Path)
    schema.add_argument("--check", action="store_true", help="only check that the files are up to date")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "validate":
        return _validate(args)
    if args.command == "new":
        try:
            path = new_record(args.kind, args.id, args.evidence)
        except ScaffoldError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {path}: fill in the empty values, then run `python -m build_tools validate`")
        return 0
    if args.check:
        stale = stale_schemas(args.out)
        for name in stale:
            print(f"{args.out / name}: out of date; run `python -m build_tools schema`", file=sys.stderr)
        return 1 if stale else 0
    for path in write_schemas(args.out):
        print(f"wrote {path}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    archive = args.archive or (Path(os.environ[ARCHIVE_ENV]) if os.environ.get(ARCHIVE_ENV) else None)
    report = run(args.evidence, archive, strict_mode=args.strict)
    if args.format == "json":
        print(fmt.format_json(report.findings))
    elif args.format == "github":
        if report.findings:
            print(fmt.format_github(report.findings))
    else:
        print(fmt.format_text(report.findings), file=sys.stderr if report.findings else sys.stdout)
    return 0 if report.ok else 1
