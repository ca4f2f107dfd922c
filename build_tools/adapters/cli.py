"""Command line: ``python -m build_tools validate | diff | new | schema | export | generate | links | bench | check``.

Exit codes: 0 success, 1 findings (errors), 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from build_tools.adapters.project import Project, ProjectError
from build_tools.engine import findings as fmt
from build_tools.engine.cache import DEFAULT_PATH as DEFAULT_CACHE
from build_tools.engine.history import read_history
from build_tools.engine.method import Method
from build_tools.engine.validate import run
from build_tools.tooling.check import STEPS
from build_tools.tooling.invocation import invocation
from build_tools.tooling.scaffold import SCHEMA_DIR_NAME, ScaffoldError, new_record, stale_schemas, write_schemas

ARCHIVE_ENV = "EVIDENCE_ARCHIVE"
FAST_TESTS = ["-m", "not browser and not slow"]
"""What ``check --fast`` gives pytest: every test but those that drive Chromium or build whole sites."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m build_tools", description="Evidence synthesis tools.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check every record and verify every quote")
    validate.add_argument("--evidence", default="evidence", type=Path, help="evidence folder (default: evidence)")
    validate.add_argument("--archive", type=Path, default=None,
                          help=f"folder of archived source texts (default: ${ARCHIVE_ENV}, else the archive "
                               "mkdocs.yml names)")
    validate.add_argument("--strict", action="store_true", help="treat every warning as an error")
    validate.add_argument("--format", choices=("text", "github", "json"), default="text",
                          help="github: annotations on the pull request's lines, for GitHub Actions")
    validate.add_argument("files", nargs="*", type=Path,
                          help="check only these record files and the records linked to them (all are loaded)")
    validate.add_argument("--changed-since", metavar="GIT_REF",
                          help="check only records changed since GIT_REF (e.g. origin/main), committed or not, "
                               "and the records linked to them")
    validate.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                          help="reuse records of unchanged files and quotes verified in unchanged archived "
                               f"texts from this file, and update it (default: {DEFAULT_CACHE})")
    validate.add_argument("--no-cache", dest="cache", action="store_const", const=None,
                          help="parse every file and verify every quote afresh")

    diff = commands.add_parser(
        "diff", help="what changed in the evidence between two commits, or a commit and the working tree",
        description="Compare the records of two commits (or of a commit and the working tree, when HEAD is left "
                    "out) as evidence, not lines: records added, removed or renamed (aliases followed); certainty "
                    "and each GRADE-CERQual component from -> to; key messages and statements changed; evidence "
                    "added or removed, with its stance; new contradictions; recommendations whose claims changed "
                    "certainty; records that one side cannot read. The commits are read with git, never checked "
                    "out, and no quote is verified: no archive is needed. Exit 0, or 2 when a commit cannot be "
                    "read.")
    diff.add_argument("base", metavar="BASE", help="the commit to compare from (e.g. origin/main)")
    diff.add_argument("head", metavar="HEAD", nargs="?", default=None,
                      help="the commit to compare to (default: the working tree, committed or not)")
    diff.add_argument("--evidence", default="evidence", type=Path, help="evidence folder (default: evidence)")
    diff.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                      help="markdown: a pull-request comment; json: for tools (default: text)")
    diff.add_argument("--out", type=Path, default=None, help="write it to this file instead of printing it")

    new = commands.add_parser("new", help="write a template record to fill in")
    new.add_argument("kind", help="source, study, claim, theme, recommendation or question")
    new.add_argument("id", help="lowercase letters, digits and hyphens; becomes the file name and URL")
    new.add_argument("--evidence", default="evidence", type=Path)

    schema = commands.add_parser("schema", help="write the JSON Schemas generated from the model")
    schema.add_argument("--out", default=Path(SCHEMA_DIR_NAME), type=Path)
    schema.add_argument("--check", action="store_true", help="only check that the files are up to date")

    export = commands.add_parser("export", help="write the downloads: the printable brief (brief.pdf), "
                                                "evidence.json and its schema, claims.csv, sources as BibTeX, RIS "
                                                "and CSL-JSON")
    export.add_argument("--out", required=True, type=Path, help="folder to write them to (created if needed)")
    export.add_argument("--config-file", default=Path("mkdocs.yml"), type=Path,
                        help="site name, address and evidence folder come from here when it exists "
                             "(default: mkdocs.yml)")
    export.add_argument("--evidence", type=Path, default=None,
                        help="evidence folder (default: the one mkdocs.yml names, else evidence)")
    export.add_argument("--site-url", default=None, help="address the site is published at, for record addresses")

    generate = commands.add_parser(
        "generate", help="write the site as a docs tree (pages, downloads, redirects, theme, mkdocs.yml) that "
                         "MkDocs, ProperDocs or Zensical build without the evidence plugin")
    generate.add_argument("out", type=Path, help="folder to write the tree to (new, empty, or written by generate)")
    generate.add_argument("--config-file", default=Path("mkdocs.yml"), type=Path,
                          help="the project's mkdocs.yml (default: mkdocs.yml)")
    generate.add_argument("--archive", type=Path, default=None,
                          help=f"folder of archived source texts (default: ${ARCHIVE_ENV}, else the archive "
                               "mkdocs.yml names)")
    generate.add_argument("--site-url", default=None, help="address the site is published at (default: site_url)")
    generate.add_argument("--engine", choices=("mkdocs", "zensical"), default="mkdocs",
                          help="what will build the tree: mkdocs (MkDocs or ProperDocs; the default) or zensical")

    links = commands.add_parser("links", help="check every link and #anchor of the built site")
    links.add_argument("--site", default=Path("site"), type=Path, help="the built site (default: site)")
    links.add_argument("--external", action="store_true",
                       help="also fetch every external link (slow; needs the network)")
    links.add_argument("--cache", type=Path, default=Path(".cache/external-links.json"),
                       help="external links found alive in the last 7 days are not fetched again "
                            "(default: .cache/external-links.json)")
    links.add_argument("--ignore", action="append", default=[], metavar="REGEX",
                       help="never fetch URLs matching this regular expression (repeatable)")

    bench = commands.add_parser("bench", help="benchmark validation and site builds on synthetic evidence bases")
    bench.add_argument("--sizes", default="1000,3000,10000",
                       help="numbers of claims, comma-separated (default: 1000,3000,10000)")
    bench.add_argument("--seed", type=int, default=1, help="seed of the synthetic bases (default: 1)")
    bench.add_argument("--work", type=Path, default=Path(".cache/bench"),
                       help="folder for the synthetic bases and built sites (default: .cache/bench)")
    bench.add_argument("--config-file", type=Path, default=Path("mkdocs.yml"),
                       help="the project's mkdocs.yml, whose theme and extensions the sites inherit")
    bench.add_argument("--no-build", dest="build", action="store_false", help="time validation only")
    bench.add_argument("--repeat", type=int, default=2,
                       help="run each build this many times and keep the fastest; validation and serve, which "
                            "take seconds, five times as many (default: 2)")
    bench.add_argument("--serve", action="store_true",
                       help="also time `mkdocs serve --dirty` updating an edited claim (smallest size)")
    bench.add_argument("--reader", action="store_true",
                       help="also measure what readers get, in Chromium: largest page, DOM nodes, load time, "
                            "search (ours and plain MkDocs + Material; with --no-build, on sites already built)")

    check = commands.add_parser("check", help="run everything CI runs: lint, validate, build, links, engines, tests")
    check.add_argument("--config-file", default=Path("mkdocs.yml"), type=Path)
    check.add_argument("--skip", action="append", default=[], choices=STEPS, help="leave out a step (repeatable)")
    check.add_argument("--format", choices=("text", "github"), default="text",
                       help="github: also print the validator's findings as pull-request annotations")
    check.add_argument("--changed-since", metavar="GIT_REF",
                       help="validate only records changed since GIT_REF and those linked to them "
                            "(the build still checks everything)")
    check.add_argument("--fast", action="store_true",
                       help="leave out the browser and slow tests (about a minute; CI runs everything)")
    check.add_argument("pytest_args", nargs="*", help="passed to pytest, after --")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "validate":
        return _validate(args)
    if args.command == "diff":
        return _diff(args)
    if args.command == "links":
        return _links(args)
    if args.command == "export":
        return _export(args)
    if args.command == "generate":
        return _generate(args)
    if args.command == "bench":
        from build_tools.tooling import bench

        try:
            sizes = [int(size) for size in args.sizes.split(",")]
        except ValueError:
            print(f"error: --sizes takes numbers separated by commas, not {args.sizes!r}", file=sys.stderr)
            return 2
        if args.repeat < 1:
            print("error: --repeat takes a number of runs, 1 or more", file=sys.stderr)
            return 2
        return bench.main(sizes, args.work, args.seed, args.config_file, args.build, args.serve, args.repeat,
                          args.reader)
    if args.command == "check":
        from build_tools.tooling import check

        try:
            changed = _changed_since(args.changed_since) if args.changed_since else None
        except GitError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if not args.config_file.is_file():
            print(f"error: {args.config_file} not found: run from the project root", file=sys.stderr)
            return 2
        try:
            Project.read(args.config_file)
        except ProjectError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return check.main(args.config_file, skip=args.skip, output_format=args.format, changed=changed,
                          pytest_args=[*args.pytest_args, *(FAST_TESTS if args.fast else [])])
    if args.command == "new":
        try:
            path = new_record(args.kind, args.id, args.evidence)
        except ScaffoldError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {path}: fill in the empty values, then run `{invocation()} validate --strict {path}`")
        return 0
    if args.check:
        stale = stale_schemas(args.out)
        for name in stale:
            print(f"{args.out / name}: out of date; run `python -m build_tools schema`", file=sys.stderr)
        return 1 if stale else 0
    for path in write_schemas(args.out):
        print(f"wrote {path}")
    return 0


class GitError(Exception):
    pass


def _git(*args: str) -> str:
    try:
        result = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from exc
    if result.returncode:
        raise GitError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def _changed_since(ref: str) -> list[Path]:
    """Files changed since the merge base with ``ref``: committed, uncommitted, untracked and deleted."""
    top = Path(_git("rev-parse", "--show-toplevel").strip())
    base = _git("merge-base", ref, "HEAD").strip()
    names = _git("diff", "--name-only", "--no-renames", base).splitlines()
    names += _git("ls-files", "--others", "--exclude-standard", "--full-name", str(top)).splitlines()
    return [top / name for name in dict.fromkeys(names) if name]


def _export(args: argparse.Namespace) -> int:
    """The downloads, as the site build makes them, without MkDocs; quotes are not verified here."""
    from build_tools.site.assemble import build_downloads
    from build_tools.site.citations import StyleError
    from build_tools.site.info import SiteInfo, build_date

    info, evidence = SiteInfo(date=build_date()), Path("evidence")
    if args.config_file.is_file():
        try:
            project = Project.read(args.config_file)
        except ProjectError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        info, evidence = project.info(date=info.date), project.evidence
    if args.site_url is not None:
        info = SiteInfo(**{**info.__dict__, "url": args.site_url})
    from build_tools.engine.history import read_history
    from build_tools.site.citations import Citations

    evidence = args.evidence or evidence
    history = read_history(evidence)
    report = run(evidence, None, history=history)
    if not report.ok:
        print(fmt.format_text(report.findings), file=sys.stderr)
        return 1
    try:
        downloads = build_downloads(report.graph, info, Citations(report.graph, info, history=history))
    except StyleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.out.exists() and not args.out.is_dir():
        print(f"error: {args.out} is a file: --out names the folder the downloads are written into",
              file=sys.stderr)
        return 2
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        for download in downloads:
            path = args.out / download.name
            path.write_bytes(download.data)
            print(f"wrote {path} ({download.size} bytes)")
    except OSError as exc:
        print(f"error: cannot write the downloads into {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


def _generate(args: argparse.Namespace) -> int:
    from build_tools.adapters.generate import GenerateError, generate

    archive = args.archive or (Path(os.environ[ARCHIVE_ENV]) if os.environ.get(ARCHIVE_ENV) else None)
    if not args.config_file.is_file():
        print(f"error: {args.config_file} not found: run from the project root, or give --config-file",
              file=sys.stderr)
        return 2
    try:
        result = generate(args.config_file, args.out, archive=archive, site_url=args.site_url, engine=args.engine)
    except GenerateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    config = result.out / "mkdocs.yml"
    tools = ["zensical"] if args.engine == "zensical" else ["mkdocs", "properdocs"]
    print(f"wrote {result.out}/ ({result.pages} pages, {result.files} files): build it with "
          + " or ".join(f"`{tool} build --strict -f {config}`" for tool in tools))
    return 0


def _diff(args: argparse.Namespace) -> int:
    from build_tools.engine import revisions
    from build_tools.engine.evidence_diff import diff_evidence
    from build_tools.site import diff_report

    try:
        repo = revisions.locate(args.evidence)
        base_commit = revisions.resolve(repo, args.base)
        head_commit = revisions.resolve(repo, args.head) if args.head is not None else None
        parsed: revisions.Parsed = {}  # what both commits hold unchanged is parsed once
        old = revisions.read_commit(repo, base_commit, args.base, parsed)
        new = (revisions.read_commit(repo, head_commit, args.head, parsed) if head_commit
               else revisions.read_working_tree(repo))
        renames = revisions.git_renames(repo, base_commit, head_commit)
    except revisions.RevisionError as exc:
        print(f"error: {fmt.printable(str(exc))}", file=sys.stderr)
        return 2
    result = diff_evidence(old, new, renames)
    render = {"text": diff_report.to_text, "markdown": diff_report.to_markdown, "json": diff_report.to_json}
    # A file name that is not UTF-8 is held with lone surrogates, which no UTF-8 output can write: as escapes.
    output = render[args.format](result).encode("utf-8", "backslashreplace").decode("utf-8")
    if args.out is None:
        sys.stdout.write(output)
        return 0
    try:
        args.out.write_text(output, encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _links(args: argparse.Namespace) -> int:
    from build_tools.tooling.links import (  # here: http.server and more, for this alone
        LinkCheckError,
        check_site,
        format_report,
    )

    try:
        report = check_site(args.site, external=args.external, cache=args.cache if args.external else None,
                            ignore=args.ignore)
    except LinkCheckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(report), file=sys.stderr if report.broken else sys.stdout)
    return 0 if report.ok else 1


def _configured_archive() -> Path | None:
    """The archive folder mkdocs.yml names, when run from the project root."""
    if not Path("mkdocs.yml").is_file():
        return None
    try:
        return Project.read(Path("mkdocs.yml")).archive
    except ProjectError:
        return None


def _configured_method() -> Method:
    """The rules for key messages and quotes mkdocs.yml sets, when run from the project root; else the defaults.
    Raises :class:`ProjectError` when they are set wrongly."""
    if not Path("mkdocs.yml").is_file():
        return Method()
    return Project.read(Path("mkdocs.yml")).method


def _validate(args: argparse.Namespace) -> int:
    archive = args.archive or (Path(os.environ[ARCHIVE_ENV]) if os.environ.get(ARCHIVE_ENV) else None) \
        or _configured_archive()
    changed: list[Path] | None = list(args.files) if args.files else None
    if args.changed_since:
        try:
            changed = (changed or []) + _changed_since(args.changed_since)
        except GitError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    try:
        method = _configured_method()
    except ProjectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = run(args.evidence, archive, strict_mode=args.strict, changed=changed,
                 history=read_history(args.evidence), cache=args.cache, method=method)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.format == "json":
        print(fmt.format_json(report.findings))
    elif args.format == "github":
        if report.findings:
            print(fmt.format_github(report.findings))
    else:
        stream = sys.stderr if report.findings else sys.stdout
        print(fmt.format_text(report.findings), file=stream)
        if report.scope is not None:
            print(report.summary, file=stream)
    return 0 if report.ok else 1
