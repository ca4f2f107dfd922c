"""The project's settings, read from ``mkdocs.yml``: where the records, archive, pages and site are.

Read as YAML, without MkDocs, so that every command and every engine (MkDocs,
ProperDocs, ``generate`` for Zensical) takes them from the one file that says
them. ``!ENV`` (environment variables, as MkDocs reads them) and ``!relative``
are understood; ``INHERIT`` is not (say so rather than guess).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml_env_tag import construct_env_tag

from build_tools.site.info import SiteInfo

PLUGIN = "evidence"


class ProjectError(Exception):
    """``mkdocs.yml`` cannot be read, or does not say what the tools need."""


class _RelativeDir(str):
    """``!relative $config_dir`` (or ``$docs_dir``): kept as written, resolved for a given folder on output."""

    __slots__ = ()


class _ConfigLoader(yaml.SafeLoader):
    pass


def _relative(loader: yaml.SafeLoader, node: yaml.Node) -> _RelativeDir:
    return _RelativeDir(loader.construct_scalar(node))  # type: ignore[arg-type]


_ConfigLoader.add_constructor("!ENV", construct_env_tag)
_ConfigLoader.add_constructor("!relative", _relative)


@dataclass(frozen=True)
class Project:
    """Where things are and what the site is called, as ``mkdocs.yml`` says."""

    root: Path
    config_file: Path
    settings: dict[str, Any] = field(repr=False)
    """The whole configuration, ``!ENV`` values resolved."""

    @classmethod
    def read(cls, config_file: Path) -> Project:
        try:
            text = config_file.read_text(encoding="utf-8")
            settings = yaml.load(text, Loader=_ConfigLoader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ProjectError(f"{config_file}: {exc}") from None
        if not isinstance(settings, dict):
            raise ProjectError(f"{config_file}: expected the settings of a site (a mapping)")
        if "INHERIT" in settings:
            raise ProjectError(f"{config_file}: INHERIT is not supported here; write the settings in one file")
        return cls(config_file.resolve().parent, config_file.resolve(), settings)

    # --- the evidence plugin's settings -------------------------------------------------------------

    @property
    def plugin(self) -> dict[str, Any]:
        for entry in self.settings.get("plugins") or []:
            if entry == PLUGIN:
                return {}
            if isinstance(entry, dict) and PLUGIN in entry:
                return dict(entry[PLUGIN] or {})
        if isinstance(self.settings.get("plugins"), dict) and PLUGIN in self.settings["plugins"]:
            return dict(self.settings["plugins"][PLUGIN] or {})
        return {}

    @property
    def evidence(self) -> Path:
        return self.root / str(self.plugin.get("evidence", "evidence"))

    @property
    def archive(self) -> Path | None:
        archive = self.plugin.get("archive")
        return self.root / str(archive) if archive else None

    @property
    def citation_style(self) -> str:
        return str(self.plugin.get("citation_style", "apa"))

    # --- MkDocs settings, with MkDocs's defaults ----------------------------------------------------

    @property
    def docs_dir(self) -> Path:
        return self.root / str(self.settings.get("docs_dir", "docs"))

    @property
    def site_dir(self) -> Path:
        return self.root / str(self.settings.get("site_dir", "site"))

    def info(self, date: Any = None, url: str | None = None) -> SiteInfo:
        """What the pages know of the site; ``url`` overrides ``site_url``."""
        get = self.settings.get
        return SiteInfo(str(get("site_name") or "Evidence synthesis"), str(get("site_description") or ""),
                        url=str(url if url is not None else get("site_url") or ""),
                        directory_urls=bool(get("use_directory_urls", True)), author=get("site_author"),
                        date=date, citation_style=self.citation_style)

    def resolve_relative(self, value: Any, config_dir: Path) -> Any:
        """Settings with every ``!relative`` made a path below ``config_dir`` (a copy; nested values too)."""
        if isinstance(value, _RelativeDir):
            if not value.startswith("$config_dir"):
                raise ProjectError(f"{self.config_file}: !relative {value}: only $config_dir is supported here")
            return os.path.join(config_dir, value.removeprefix("$config_dir").lstrip("/"))
        if isinstance(value, dict):
            return {key: self.resolve_relative(item, config_dir) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve_relative(item, config_dir) for item in value]
        return value
