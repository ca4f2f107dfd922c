"""The project's settings as every command reads them from mkdocs.yml, without MkDocs."""

from __future__ import annotations

from pathlib import Path

import pytest

from build_tools.adapters.project import Project, ProjectError


def test_inherit_merges_the_named_files_settings_under_the_files_own(tmp_path: Path):
    (tmp_path / "base.yml").write_text(
        "site_name: Base\ntheme: {name: material, custom_dir: overrides, language: en}\n"
        "plugins:\n  - evidence:\n      archive: archive\n      key_messages: {max_words: 40}\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("INHERIT: base.yml\nsite_name: Child\ntheme: {language: fr}\n",
                                         encoding="utf-8")
    project = Project.read(tmp_path / "mkdocs.yml")
    assert project.settings["site_name"] == "Child"
    assert project.settings["theme"] == {"name": "material", "custom_dir": "overrides", "language": "fr"}
    assert project.custom_dir == tmp_path / "overrides"
    assert project.archive == tmp_path / "archive" and project.method.key_messages.max_words == 40
    assert "INHERIT" not in project.settings


def test_an_inherit_loop_or_a_missing_parent_is_a_clear_error(tmp_path: Path):
    (tmp_path / "a.yml").write_text("INHERIT: b.yml\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text("INHERIT: a.yml\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="INHERIT goes 10 files deep"):
        Project.read(tmp_path / "a.yml")
    (tmp_path / "c.yml").write_text("INHERIT: missing.yml\n", encoding="utf-8")
    with pytest.raises(ProjectError, match=r"missing\.yml"):
        Project.read(tmp_path / "c.yml")


def test_wrong_key_message_settings_name_the_file_and_the_setting(tmp_path: Path):
    (tmp_path / "mkdocs.yml").write_text("plugins:\n  - evidence:\n      key_messages: {max_words: many}\n",
                                         encoding="utf-8")
    with pytest.raises(ProjectError, match=r"mkdocs.yml: evidence plugin: key_messages: max_words must be a whole"):
        _ = Project.read(tmp_path / "mkdocs.yml").method


@pytest.mark.parametrize("plugins", ["5", "[5]", "[{evidence: [x]}]", "[{a: 1, b: 2}]"])
def test_plugins_written_wrongly_are_a_clear_error(tmp_path: Path, plugins: str):
    (tmp_path / "mkdocs.yml").write_text(f"plugins: {plugins}\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="plugins"):
        _ = Project.read(tmp_path / "mkdocs.yml").archive


def test_an_inherit_that_names_no_file_or_a_missing_one_says_inherit(tmp_path: Path):
    (tmp_path / "mkdocs.yml").write_text("INHERIT: [base.yml]\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="INHERIT names one file"):
        Project.read(tmp_path / "mkdocs.yml")
    (tmp_path / "mkdocs.yml").write_text("INHERIT: nope.yml\n", encoding="utf-8")
    with pytest.raises(ProjectError, match=r"mkdocs\.yml: INHERIT: .*nope\.yml"):
        Project.read(tmp_path / "mkdocs.yml")


def test_nav_files_are_found_however_the_nav_is_nested():
    from build_tools.adapters.generate import _nav_files

    nav = ["index.md", {"Findings": [{"Summary": "summary-of-findings.md"}, "claims/index.md"]}, {"Site": "https://x"}]
    assert _nav_files(nav) == {"index.md", "summary-of-findings.md", "claims/index.md", "https://x"}
