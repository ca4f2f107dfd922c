"""``python -m build_tools generate OUT``: the whole site as a plain docs tree that builds without our plugin.

MkDocs 1.x is frozen and Material reaches end of life in 2027; Zensical, its
successor, runs no third-party plugins and asks for generated pages to be
written before the build. This adapter writes them: ``OUT/mkdocs.yml`` (the
project's settings, less the ``evidence`` and ``redirects`` plugins), and
``OUT/docs/`` with the hand-written pages (``[](kind:id)`` links resolved),
every generated page as Markdown with its front matter, the downloads, a
forwarding page at every former address, and the theme overrides in
``OUT/overrides/``. ``mkdocs build``, ``properdocs build`` and ``zensical
build`` then build it as it is.

What the plugin does that a plain tree cannot: "Edit this page" links (a
record's page would point at a Markdown file that is not in the repository,
so the tree has none), and ``rel="noopener noreferrer"`` on external links of
hand-written pages (generated pages carry it already). Each page's JSON-LD is
in its body rather than its ``<head>``, which search engines read all the same.
Search indexes each generated page whole, where the plugin gives it a record's
own words and quotes (lists of records are left out of search either way).
"""

from __future__ import annotations

import html
import posixpath
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pathspec
import yaml

from build_tools.adapters.includes import refused_include, snippet_names
from build_tools.adapters.project import Project, ProjectError, RelativeDir, Tagged, merge_redirects
from build_tools.engine.cache import BRIEF_PATH, SignedFiles
from build_tools.engine.cache import DEFAULT_PATH as CACHE
from build_tools.engine.claim_history import with_claim_stories
from build_tools.engine.findings import Severity, format_text
from build_tools.engine.history import read_history
from build_tools.engine.validate import run
from build_tools.site.assemble import SiteContent, assemble
from build_tools.site.info import build_date
from build_tools.site.render import NAV_PAGES, GeneratedPage, escape_inline, href, page_url, relative
from build_tools.site.xrefs import resolve_xrefs

ENGINES = ("mkdocs", "zensical")
"""``mkdocs`` also serves ProperDocs, which builds what MkDocs builds."""
DOCS = "docs"
OVERRIDES = "overrides"
CONFIG = "mkdocs.yml"
PLUGINS_LEFT_OUT = {"evidence", "redirects"}
"""The plugin itself, and mkdocs-redirects: its pages are written into the tree instead."""


class GenerateError(Exception):
    """The tree cannot be written: invalid records, a broken link, a file where a generated one goes."""


@dataclass
class Generated:
    out: Path
    pages: int
    """Markdown pages in the docs tree, hand-written and generated."""
    files: int
    """Every file written."""
    warnings: list[str] = field(default_factory=list)
    """What the plugin's build would warn about (findings, contradicting redirects), already said."""


def _nav_files(nav: Any) -> set[str]:
    """Every docs file a ``nav:`` setting names, however deeply nested."""
    if isinstance(nav, str):
        return {nav}
    if isinstance(nav, list):
        return {uri for entry in nav for uri in _nav_files(entry)}
    if isinstance(nav, dict):
        return {uri for value in nav.values() for uri in _nav_files(value)}
    return set()


def generate(config_file: Path, out: Path, *, archive: Path | None = None, site_url: str | None = None,
             engine: str = "mkdocs", strict: bool | None = None) -> Generated:
    """Write the docs tree of the project configured in ``config_file`` into ``out`` (emptied first, unless it
    holds something other than a tree this command wrote). Records are validated first, quotes against
    ``archive`` (default: the one ``mkdocs.yml`` names). ``engine``: ``mkdocs`` (also ProperDocs) or
    ``zensical``, which reads links in a page's HTML as paths of Markdown files, not as addresses.
    With ``strict`` (default: ``strict:`` in ``mkdocs.yml``), a warning fails as the plugin's strict build does."""
    if engine not in ENGINES:
        raise GenerateError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
    try:
        project = Project.read(config_file)
    except ProjectError as exc:
        raise GenerateError(str(exc)) from None
    archive = archive or project.archive
    history = with_claim_stories(project.evidence, read_history(project.evidence))
    try:
        method = project.method
    except ProjectError as exc:
        raise GenerateError(str(exc)) from None
    report = run(project.evidence, archive, history=history, cache=project.root / CACHE, method=method)
    if not report.ok:
        raise GenerateError(f"the evidence records have {len(report.errors)} errors:\n"
                            + format_text(report.findings))
    warnings = [format_text([finding]) for finding in report.findings if finding.severity is Severity.warning]
    info = project.info(date=build_date(), url=site_url)
    site = assemble(report.graph, info, history, store=SignedFiles(project.root / BRIEF_PATH))
    redirects, conflicts = merge_redirects(project.redirect_maps, site.redirects)
    warnings += conflicts
    if warnings and (project.settings.get("strict", False) if strict is None else strict):
        raise GenerateError("warnings in strict mode:\n" + "\n".join(warnings))
    _prepare(out, project)
    docs = out / DOCS
    hand_written = _copy_hand_written(project, report.graph, docs)
    written = len(hand_written)
    for uri, content in site.static_files().items():
        _write(docs, uri, content, hand_written)
        written += 1
    pages = {*hand_written, *site.pages}
    addresses = _addresses(sorted(pages), info.directory_urls) if engine == "zensical" else None
    for uri, page in site.pages.items():
        text = page if isinstance(page, str) else markdown_page(page, site.json_ld.get(uri))
        if addresses is not None:
            text = links_to_files(text, uri, addresses, info.directory_urls)
        _write(docs, uri, text, hand_written)
        written += 1
    for old, new in redirects.items():
        _write(docs, _redirect_file(old, info.directory_urls), redirect_page(old, new, pages, info.directory_urls),
               hand_written)
        written += 1
    written += _copy_overrides(project, out / OVERRIDES)
    bases, copied = _copy_snippets(project, out, archive)
    (out / CONFIG).write_text(_config(project, site, out, bases, engine, site_url), encoding="utf-8")
    return Generated(out, sum(1 for _ in docs.rglob("*.md")), written + copied + 1, warnings)


# --- pages ------------------------------------------------------------------------------------------------

def markdown_page(page: GeneratedPage, json_ld: str | None = None) -> str:
    """A generated page as Markdown any engine reads: front matter, then its HTML with each heading as a
    Markdown heading (so that the engine makes the table of contents and permalinks), the JSON-LD last."""
    meta = dict(page.meta)
    if page.search is None:
        meta["search"] = {"exclude": True}
    body = page.body
    for heading in page.headings:
        markup = heading.html()
        if markup not in body:
            raise AssertionError(f"heading {heading.id!r} of {page.title!r} is not in its page as the renderer "
                                 "writes headings")
        # A final "#" of the text would be read as a closing sequence. The id is given as {#id}, unless it has
        # an underscore: Markdown would read "-_x_-" as emphasis, and the engine makes the same id from the text.
        words = str(escape_inline(heading.text)).replace("#", "\\#")
        anchor = f" {{#{heading.id}}}" if "_" not in heading.id else ""
        body = body.replace(markup, f"\n\n{'#' * heading.level} {words}{anchor}\n\n", 1)
    if json_ld:
        body += f"\n\n{json_ld}\n"
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{front}---\n\n{body.strip()}\n"


_HREF = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|#|/)([^"#]*)(#[^"]*)?"')


def _addresses(uris: list[str], directory_urls: bool) -> dict[str, str]:
    """Each page's address below the site root, without its final slash, and the page's path in the docs tree."""
    return {page_url(uri, directory_urls).rstrip("/") or ".": uri for uri in uris if uri.endswith(".md")}


def links_to_files(text: str, src_uri: str, addresses: dict[str, str], directory_urls: bool = True) -> str:
    """A page's links to other pages (``../../sources/b/``, relative to its address) as links to their Markdown
    files (``../sources/b.md``, relative to the page's own file), for an engine that reads every link in the
    HTML that way and makes it an address itself, as Zensical does; links to files stay links to files."""
    here = page_url(src_uri, directory_urls)
    base = here if here.endswith("/") or not here else posixpath.dirname(here)

    def replace(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(base, html.unescape(match.group(1)))) if match.group(1) else ""
        uri = addresses.get(target or ".") if match.group(1) else src_uri
        path = relative(src_uri, uri if uri is not None else target)
        return f'href="{html.escape(path, quote=True)}{match.group(2) or ""}"'

    return _HREF.sub(replace, text)


def redirect_page(old_uri: str, new: str, pages: set[str], directory_urls: bool = True) -> str:
    """A page at a former address that forwards to the current one, ``#anchor`` included, as mkdocs-redirects
    writes them: ``new`` is a page of the tree (``claims/x.md#evidence``) or an address (``https://…``)."""
    if not old_uri.endswith(".md"):
        raise GenerateError(f"redirect from {old_uri}: the old address must be a Markdown page (old-page.md)")
    if new.lower().startswith(("http://", "https://")):
        target = new
    else:
        path, _, fragment = new.partition("#")
        if path not in pages:
            raise GenerateError(f"redirect from {old_uri} to {new}: there is no page {path}")
        target = href(page_url(old_uri, directory_urls), page_url(path, directory_urls)) + (
            f"#{fragment}" if fragment else "")
    target = html.escape(target, quote=True)
    return (f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Redirecting…</title>\n'
            f'<link rel="canonical" href="{target}">\n<meta name="robots" content="noindex">\n'
            f'<script>var anchor=window.location.hash.substr(1);location.href="{target}"+(anchor?"#"+anchor:"")'
            f'</script>\n<meta http-equiv="refresh" content="0; url={target}">\n</head>\n<body>\n'
            f'Redirecting to <a href="{target}">{target}</a>…\n</body>\n</html>\n')


def _redirect_file(old_uri: str, directory_urls: bool) -> str:
    """Where the forwarding page for ``old_uri`` (``claims/old.md``) goes: ``claims/old/index.html``."""
    url = page_url(old_uri, directory_urls)
    return f"{url}index.html" if url.endswith("/") or not url else url


# --- files --------------------------------------------------------------------------------------------------

_MARK = ".generated-by-build-tools"


def _prepare(out: Path, project: Project) -> None:
    """An empty ``out``: a tree this command wrote before is removed; anything else is left alone."""
    if out.exists() and not out.is_dir():
        raise GenerateError(f"{out} is a file: give a folder to write the docs tree to")
    resolved = out.resolve()
    for inside, what in ((project.docs_dir, "the hand-written pages"), (project.evidence, "the records"),
                         (project.custom_dir, "the theme overrides")):
        if inside is not None and resolved.is_relative_to(inside.resolve()):
            raise GenerateError(f"{out} is inside {inside} ({what}): write the tree somewhere else")
    if out.is_dir() and any(out.iterdir()):
        if not (out / _MARK).is_file():
            raise GenerateError(f"{out} is not empty and was not written by `generate`: give an empty or new folder")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / _MARK).write_text("Written by `python -m build_tools generate`: the next run replaces this folder.\n",
                             encoding="utf-8")


def _write(docs: Path, uri: str, content: str | bytes, hand_written: set[str]) -> None:
    if uri in hand_written:
        raise GenerateError(f"{uri} is generated from the records: remove or rename the hand-written file")
    path = docs / uri
    if path.exists():
        raise GenerateError(f"{uri}: two generated files at one address (a redirect onto a page?)")
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")


def _copy_hand_written(project: Project, graph: Any, docs: Path) -> set[str]:
    """Every file of ``docs_dir`` that MkDocs would read (not dotfiles, ``templates/`` or ``exclude_docs``),
    Markdown pages with their ``[](kind:id)`` links resolved. Returns their paths."""
    source = project.docs_dir
    excluded = pathspec.PathSpec.from_lines("gitwildmatch", [".*", "/templates/",
                                                              *str(project.settings.get("exclude_docs") or "")
                                                              .splitlines()])
    copied: set[str] = set()
    errors: list[str] = []
    for path in sorted(source.rglob("*")):
        uri = path.relative_to(source).as_posix()
        if not path.is_file() or excluded.match_file(uri):
            continue
        target = docs / uri
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".md":
            shown = path.relative_to(project.root).as_posix() if path.is_relative_to(project.root) else str(path)
            text, found = resolve_xrefs(path.read_text(encoding="utf-8-sig"), graph, uri, shown)
            errors += found
            target.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(path, target)
        copied.add(uri)
    if errors:
        raise GenerateError("unknown cross-references:\n" + "\n".join(errors)
                            + "\nuse [](kind:id) with the id of an existing record")
    return copied


def _copy_overrides(project: Project, target: Path) -> int:
    if project.custom_dir is None:
        return 0
    shutil.copytree(project.custom_dir, target)
    return sum(1 for path in target.rglob("*") if path.is_file())


def _copy_snippets(project: Project, out: Path, archive: Path | None) -> tuple[list[Path], int]:
    """The files hand-written pages include with ``--8<--`` (pymdownx.snippets), each copied from the first
    ``base_path`` that has it to the same place below ``out``: only files of the project, never of the archive.
    Returns the base paths (below the project) and how many files were copied."""
    options = _extension_options(project, "pymdownx.snippets")
    bases = [Path(project.resolve_relative(base, project.root)) for base in _as_list(options.get("base_path", "."))]
    bases = [base if base.is_absolute() else project.root / base for base in bases]
    root = project.root.resolve()
    for base in bases:
        if not base.resolve().is_relative_to(root):
            raise GenerateError(f"pymdownx.snippets base_path {base} is outside the project: only the project's "
                                "own files are published")
    copied = 0
    for page in sorted(project.docs_dir.rglob("*.md")):
        for name in snippet_names(page.read_text(encoding="utf-8-sig")):
            found_in, refused = refused_include(name, bases, root, archive)
            if found_in is None:
                continue  # the engine reports it, as it would for the project itself
            if refused:
                raise GenerateError(f"{page.relative_to(project.root)}: includes {name}, but {refused}")
            base = found_in.resolve()
            source = (base / name).resolve()
            target = out / base.relative_to(root) / source.relative_to(base)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                copied += 1
    return [base.resolve().relative_to(root) for base in bases], copied


def _extension_options(project: Project, name: str) -> dict[str, Any]:
    for entry in project.settings.get("markdown_extensions") or []:
        if isinstance(entry, dict) and name in entry:
            return dict(entry[name] or {})
    return {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- the configuration ----------------------------------------------------------------------------------

def _extension_name(entry: object) -> str:
    """The name of a ``markdown_extensions`` entry: a string, or the one key of a mapping of its options."""
    if isinstance(entry, dict):
        return str(next(iter(entry), ""))
    return str(entry)


def _config(project: Project, site: SiteContent, out: Path, bases: list[Path], engine: str,
            site_url: str | None) -> str:
    """The project's settings for the tree: same theme, extensions and navigation; docs, overrides and included
    files inside ``out``; no plugin of ours; record pages outside the navigation, as the plugin marks them."""
    # Zensical reads no !relative: it gets the tree's own folder as it is on this machine.
    settings = project.resolve_relative(project.settings, out.resolve() if engine == "zensical" else None)
    settings.pop("watch", None)
    settings.pop("site_dir", None)
    settings["docs_dir"] = DOCS
    if site_url is not None:
        settings["site_url"] = site_url
    settings["plugins"] = [name if not options else {name: options} for name, options in project.plugins.items()
                           if name not in PLUGINS_LEFT_OUT]
    theme = settings.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        theme["custom_dir"] = OVERRIDES
    settings["edit_uri"] = ""  # a generated page has no file of its own in the repository to edit
    settings.pop("edit_uri_template", None)
    # The tree builds without our code: its generated pages already carry what our own extensions add.
    settings["markdown_extensions"] = [entry for entry in settings.get("markdown_extensions") or []
                                       if not _extension_name(entry).startswith("build_tools.")]
    for entry in settings["markdown_extensions"]:
        if isinstance(entry, dict) and isinstance(entry.get("pymdownx.snippets"), dict):
            entry["pymdownx.snippets"]["base_path"] = [
                str(out.resolve() / base) if engine == "zensical" else
                RelativeDir("$config_dir" if base == Path() else f"$config_dir/{base.as_posix()}") for base in bases]
    folders = sorted({uri.split("/", 1)[0] for uri in site.pages if "/" in uri} | {"downloads"})
    patterns = [f"/{folder}/*" for folder in folders]
    listed = _nav_files(settings["nav"]) if settings.get("nav") else None  # None: every page is in the nav
    in_nav = {uri for uri in NAV_PAGES if listed is None or uri in listed}
    patterns += [f"!/{uri}" for uri in sorted(in_nav) if "/" in uri]
    patterns += [f"/{uri}" for uri in site.pages if "/" not in uri and uri not in in_nav]
    own = str(settings.get("not_in_nav") or "").strip()
    settings["not_in_nav"] = "\n".join(filter(None, [own, *patterns])) + "\n"
    header = ("# Written by `python -m build_tools generate` from the project's mkdocs.yml: build with\n"
              + ("# `zensical build`" if engine == "zensical" else "# `properdocs build` or `mkdocs build`")
              + ". Edit the project, not this file.\n")
    return header + yaml.dump(settings, Dumper=_ConfigDumper, sort_keys=False, allow_unicode=True, width=110)


class _ConfigDumper(yaml.SafeDumper):
    """Writes text of several lines as a literal block (``not_in_nav: |``), as a person would, and the tags the
    project's file had (``!relative``, ``!!python/name:``) as they were."""


_ConfigDumper.add_representer(str, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None))
_ConfigDumper.add_representer(RelativeDir, lambda dumper, value: dumper.represent_scalar("!relative", str(value)))
_ConfigDumper.add_representer(Tagged, lambda dumper, value: (
    dumper.represent_scalar(value.tag, value.value) if isinstance(value.value, str) else
    dumper.represent_sequence(value.tag, value.value) if isinstance(value.value, list) else
    dumper.represent_mapping(value.tag, value.value)))
