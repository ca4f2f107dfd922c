"""The project's settings, read from ``mkdocs.yml``: where the records, archive, pages and site are.

Read as YAML, without MkDocs, so that every command and every engine (MkDocs,
ProperDocs, ``generate`` for Zensical) takes them from the one file that says
them. ``!ENV`` (environment variables, as MkDocs reads them) and ``!relative``
are understood, and ``INHERIT`` merges another file's settings under these, as MkDocs does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml_env_tag import construct_env_tag

from build_tools.engine.method import Method, MethodError
from build_tools.site.info import SiteInfo

PLUGIN = "evidence"


class ProjectError(Exception):
    """``mkdocs.yml`` cannot be read, or does not say what the tools need."""


class RelativeDir(str):
    """``!relative $config_dir``: kept as written, so that a copy of the settings can say it again."""

    __slots__ = ()


@dataclass(frozen=True)
class Tagged:
    """A value under a tag of Python's (``!!python/name:material.extensions.emoji.twemoji``), which Material's
    settings use: kept as written, never imported here."""

    tag: str
    value: Any


class _ConfigLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader where PyYAML has it (this project's mkdocs.yml: 0.8 ms, against 6 ms in Python), with
    MkDocs' tags."""


def _relative(loader: yaml.SafeLoader, node: yaml.Node) -> RelativeDir:
    return RelativeDir(loader.construct_scalar(node) or "$config_dir")  # type: ignore[arg-type]


def _tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Tagged:
    value = loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else (
        loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else loader.construct_mapping(node))
    return Tagged(node.tag, value)


_ConfigLoader.add_constructor("!ENV", construct_env_tag)
_ConfigLoader.add_constructor("!relative", _relative)
_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", _tagged)


@dataclass(frozen=True)
class Project:
    """Where things are and what the site is called, as ``mkdocs.yml`` says."""

    root: Path
    config_file: Path
    settings: dict[str, Any] = field(repr=False)
    """The whole configuration, ``!ENV`` values resolved."""

    @classmethod
    def read(cls, config_file: Path) -> Project:
        return cls(config_file.resolve().parent, config_file.resolve(), _read_settings(config_file))

    # --- the evidence plugin's settings -------------------------------------------------------------

    @property
    def plugins(self) -> dict[str, dict[str, Any]]:
        """Each configured plugin's options, by name, whether ``plugins:`` is written as a list or a mapping."""
        configured = self.settings.get("plugins") or []
        if isinstance(configured, dict):
            entries = list(configured.items())
        elif isinstance(configured, list):
            entries = []
            for entry in configured:
                if isinstance(entry, str):
                    entries.append((entry, {}))
                elif isinstance(entry, dict) and len(entry) == 1:
                    entries.append(next(iter(entry.items())))
                else:
                    raise ProjectError(f"{self.config_file}: plugins: each entry is a plugin's name, or its name "
                                       f"and options (`- evidence: {{archive: ...}}`), not {entry!r}")
        else:
            raise ProjectError(f"{self.config_file}: plugins: expected a list of plugins, not {configured!r}")
        plugins = {}
        for name, options in entries:
            if options is not None and not isinstance(options, dict):
                raise ProjectError(f"{self.config_file}: plugins: {name}: its options are `option: value` lines, "
                                   f"not {options!r}")
            plugins[str(name)] = dict(options or {})
        return plugins

    @property
    def plugin(self) -> dict[str, Any]:
        """The evidence plugin's options."""
        return self.plugins.get(PLUGIN, {})

    @property
    def redirect_maps(self) -> dict[str, str]:
        """Redirects written in ``mkdocs.yml`` for mkdocs-redirects (old page → new page or address)."""
        maps = self.plugins.get("redirects", {}).get("redirect_maps") or {}
        return {str(old): str(new) for old, new in maps.items()}

    @property
    def evidence(self) -> Path:
        return self.root / str(self.plugin.get("evidence", "evidence"))

    @property
    def archive(self) -> Path | None:
        archive = self.plugin.get("archive")
        return self.root / str(archive) if archive else None

    @property
    def method(self) -> Method:
        """The project's rules for key messages and quotes (``key_messages:``, ``quotes:``); raises
        :class:`ProjectError`."""
        try:
            return Method.from_settings(self.plugin)
        except MethodError as exc:
            raise ProjectError(f"{self.config_file}: evidence plugin: {exc}") from None

    @property
    def citation_style(self) -> str:
        return str(self.plugin.get("citation_style", "apa"))

    # --- MkDocs settings, with MkDocs's defaults ----------------------------------------------------

    @property
    def docs_dir(self) -> Path:
        return self.root / str(self.settings.get("docs_dir", "docs"))

    @property
    def custom_dir(self) -> Path | None:
        """The theme overrides' folder (``theme.custom_dir``), if any."""
        theme = self.settings.get("theme")
        custom_dir = theme.get("custom_dir") if isinstance(theme, dict) else None
        return self.root / str(custom_dir) if custom_dir else None

    @property
    def site_dir(self) -> Path:
        return self.root / str(self.settings.get("site_dir", "site"))

    def info(self, date: Any = None, url: str | None = None) -> SiteInfo:
        """What the pages know of the site; ``url`` overrides ``site_url``."""
        get = self.settings.get
        return SiteInfo(str(get("site_name") or "Evidence synthesis"), str(get("site_description") or ""),
                        url=str(url if url is not None else get("site_url") or ""),
                        directory_urls=bool(get("use_directory_urls", True)), author=get("site_author"),
                        date=date, citation_style=self.citation_style, pages=self.hand_written_pages())

    def hand_written_pages(self) -> frozenset[str]:
        """The Markdown pages of ``docs_dir``, as docs-relative paths (none when it does not exist)."""
        docs = self.docs_dir
        if not docs.is_dir():
            return frozenset()
        return frozenset(path.relative_to(docs).as_posix() for path in docs.rglob("*.md") if path.is_file())

    def resolve_relative(self, value: Any, config_dir: Path | None) -> Any:
        """A copy of settings with every ``!relative`` made a path below ``config_dir`` (nested values too); with
        ``config_dir`` None, each is kept as ``!relative``, for a configuration file that MkDocs reads."""
        if isinstance(value, RelativeDir):
            if not value.startswith("$config_dir"):
                raise ProjectError(f"{self.config_file}: !relative {value}: only $config_dir is supported here")
            if config_dir is None:
                return value
            return os.path.join(config_dir, value.removeprefix("$config_dir").lstrip("/"))
        if isinstance(value, dict):
            return {key: self.resolve_relative(item, config_dir) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve_relative(item, config_dir) for item in value]
        return value


MAX_INHERIT_DEPTH = 10


def _read_settings(config_file: Path, depth: int = 0) -> dict[str, Any]:
    """The settings of ``config_file``, with those of the file it names in ``INHERIT`` under them, merged as
    MkDocs merges them: mappings key by key, anything else replaced by the inheriting file's value."""
    try:
        text = config_file.read_text(encoding="utf-8")
        settings = yaml.load(text, Loader=_ConfigLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ProjectError(f"{config_file}: {exc}") from None
    if not isinstance(settings, dict):
        raise ProjectError(f"{config_file}: expected the settings of a site (a mapping)")
    parent = settings.pop("INHERIT", None)
    if parent is None:
        return settings
    if depth >= MAX_INHERIT_DEPTH:
        raise ProjectError(f"{config_file}: INHERIT goes {MAX_INHERIT_DEPTH} files deep: is there a loop?")
    if not isinstance(parent, str) or not parent.strip():
        raise ProjectError(f"{config_file}: INHERIT names one file, e.g. `INHERIT: base.yml`, not {parent!r}")
    try:
        inherited = _read_settings(config_file.parent / parent, depth + 1)
    except ProjectError as exc:
        raise ProjectError(f"{config_file}: INHERIT: {exc}") from None
    return _merged(inherited, settings)


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _merged(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) \
            else value
    return merged


def merge_redirects(configured: dict[str, str], from_records: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The redirects written in ``mkdocs.yml`` and those of the records' aliases, and what contradicts: an old
    address both send to different pages keeps the one ``mkdocs.yml`` gives, with a warning."""
    merged, conflicts = dict(configured), []
    for old, new in from_records.items():
        if merged.get(old, new) != new:
            conflicts.append(f"mkdocs.yml redirects {old} to {merged[old]}, but a record lists that address among "
                             f"its aliases, for {new}: remove one of the two")
            continue
        merged[old] = new
    return merged, conflicts
