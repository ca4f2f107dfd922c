"""Fixtures that write small evidence bases and archives of their own (never the real sources); the helpers
they use, and the tests too, are in support.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import Project, write_site_base, write_valid_base


@pytest.fixture(scope="session", autouse=True)
def cache_signing_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The validation cache's signing key of the tests, not of the user who runs them (subprocesses too)."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/browser/ is a browser test (``check --fast`` leaves them out)."""
    for item in items:
        parts = Path(str(item.path)).relative_to(Path(__file__).parent).parts
        if "browser" in parts[:1]:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


@pytest.fixture
def valid_project(project: Project) -> Project:
    write_valid_base(project)
    return project


@pytest.fixture
def site_project(project: Project) -> Project:
    """The site base (:func:`support.write_site_base`): records, hand-written pages and mkdocs.yml."""
    write_site_base(project)
    return project
