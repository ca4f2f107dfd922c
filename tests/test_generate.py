"""``generate``: a docs tree that plain MkDocs and ProperDocs build, strict, without the evidence plugin,
into the same pages as the plugin's build."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml
from support import Project, build, run_cli, site_environment, write_site_base

from build_tools.engine.model import KINDS
from build_tools.tooling.links import check_site

pytestmark = pytest.mark.slow  # `check --fast` leaves these out

HOSTILE = "Boards <b>act</b> *fast* [here](javascript:alert(1)) {#x} # `code` {{ 7*7 }} _u_ & more in C#"

# Runs an engine's command line with build_tools impossible to import: proof that the plugin plays no part.
WITHOUT_BUILD_TOOLS = textwrap.dedent("""
    import runpy, sys
    class NoBuildTools:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "build_tools":
                raise ImportError("build_tools is not available to this build")
    sys.meta_path.insert(0, NoBuildTools())
    sys.argv = [sys.argv[1], *sys.argv[2:]]
    runpy.run_module(sys.argv[0], run_name="__main__")
""")


def generate(project: Project, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("generate", str(out), *extra, cwd=project.root)


def engine_build(engine: str, tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WITHOUT_BUILD_TOOLS, engine, "build", "--strict",
                           "-f", str(tree / "mkdocs.yml"), "-d", str(tree / "site")],
                          cwd=tree, capture_output=True, text=True, env=site_environment(), check=False)


class _Article(HTMLParser):
    """What a reader gets from a page: the text, links and anchors of its article (scripts aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.script = 0, False
        self.text: list[str] = []
        self.links: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.script = self.script or tag == "script"
        if tag == "article":
            self.depth += 1
        elif self.depth:
            found = dict(attrs)
            if tag == "a" and found.get("href"):
                self.links.append(found["href"] or "")
            if found.get("id"):
                self.ids.append(found["id"] or "")

    def handle_endtag(self, tag: str) -> None:
        self.script = self.script and tag != "script"
        self.depth -= tag == "article"

    def handle_data(self, data: str) -> None:
        if self.depth and not self.script:
            self.text.append(data)


def article(page: Path) -> tuple[str, list[str], list[str]]:
    parser = _Article()
    parser.feed(page.read_text(encoding="utf-8"))
    return " ".join(" ".join(parser.text).split()), parser.links, parser.ids


@pytest.fixture(scope="module")
def plugin_and_tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path]:
    """The test site, built by the plugin under MkDocs, and generated as a tree; a claim whose words look like
    markup."""
    project = Project(tmp_path_factory.mktemp("generate"))
    write_site_base(project)
    claim = project.evidence / "claims" / "change-is-quick.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace(
        "statement: Doctors on the boards can change services quickly.", f"statement: {HOSTILE!r}"),
        encoding="utf-8")
    built = build(project, engine="mkdocs")  # the plugin under MkDocs; the tree is built with both engines
    assert built.returncode == 0, built.stderr
    out = project.root / "tree"
    result = generate(project, out)
    assert result.returncode == 0, result.stderr
    return project, out


@pytest.mark.parametrize("engine", ["mkdocs", "properdocs"])
def test_the_generated_tree_builds_strict_without_the_plugin_into_the_plugins_pages(plugin_and_tree, engine):
    project, tree = plugin_and_tree
    result = engine_build(engine, tree)
    assert result.returncode == 0, result.stdout + result.stderr
    site, ours = tree / "site", project.root / "site"
    records = [(kind.folder, path.stem) for kind in KINDS.values()
               for path in (project.evidence / kind.folder).glob("*.yaml")]
    assert records and all((site / folder / record_id / "index.html").is_file() for folder, record_id in records)
    compared = 0
    for page in sorted(ours.rglob("*.html")):
        twin = site / page.relative_to(ours)
        assert twin.is_file(), f"{page.relative_to(ours)} is missing from the {engine} build"
        if "<article" in page.read_text(encoding="utf-8"):
            assert article(twin) == article(page), page.relative_to(ours)
            compared += 1
    assert compared > len(records)
    assert HOSTILE in article(site / "claims" / "change-is-quick" / "index.html")[0]
    report = check_site(site)
    assert report.ok, report


def test_the_tree_has_the_downloads_a_forwarding_page_per_alias_and_no_plugin(plugin_and_tree):
    project, tree = plugin_and_tree
    config = yaml.safe_load((tree / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["plugins"] == ["search", "tags"] and config["docs_dir"] == "docs"
    for name in (project.root / "site" / "downloads").iterdir():
        assert (tree / "docs" / "downloads" / name.name).is_file() or name.name == "index.html"
    forward = (tree / "docs" / "claims" / "quick-change" / "index.html").read_text(encoding="utf-8")
    assert 'url=../change-is-quick/"' in forward and "location.hash" in forward
    page = (tree / "docs" / "claims" / "change-is-quick.md").read_text(encoding="utf-8")
    assert page.startswith("---\ntitle: ") and "application/ld+json" in page
    assert "\n# " in page and "{#" in page, "headings are Markdown, so that every engine makes the TOC"
    overview = (tree / "docs" / "overview.md").read_text(encoding="utf-8")
    assert "](claims/boards-feel-freer.md)" in overview and "`[](claim:not-a-claim)`" in overview


def test_generate_reports_invalid_records_and_unknown_links_and_keeps_foreign_folders(project, tmp_path):
    write_site_base(project)
    site_project = project
    stranger = tmp_path / "mine"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine", encoding="utf-8")
    result = generate(site_project, stranger)
    assert result.returncode == 1 and "not written by `generate`" in result.stderr
    assert (stranger / "notes.txt").read_text(encoding="utf-8") == "mine"

    out = tmp_path / "tree"
    assert generate(site_project, out).returncode == 0
    assert generate(site_project, out).returncode == 0, "its own tree is replaced"

    overview = site_project.root / "content" / "overview.md"
    overview.write_text(overview.read_text(encoding="utf-8") + "\nSee [](claim:no-such-claim).\n", encoding="utf-8")
    result = generate(site_project, tmp_path / "other")
    assert result.returncode == 1 and "content/overview.md:7: unknown claim 'no-such-claim'" in result.stderr
    assert "Traceback" not in result.stderr

    site_project.write("claim", "broken", "id: broken\nstatement: [not text\n")
    result = generate(site_project, tmp_path / "third")
    assert result.returncode == 1 and "evidence/claims/broken.yaml:" in result.stderr
    assert "Traceback" not in result.stderr


def test_zensical_builds_the_tree_generated_for_it_with_the_plugins_links(plugin_and_tree, tmp_path):
    """A smoke test of Material's successor (the version pinned in pyproject.toml): it reads links in a page's
    HTML as paths of Markdown files, so its tree has those; every link of the plugin's pages is there too."""
    project, _ = plugin_and_tree
    tree = project.root / "zensical-tree"
    result = generate(project, tree, "--engine", "zensical")
    assert result.returncode == 0, result.stderr
    assert 'href="../sources/journal-report.md"' in (tree / "docs" / "claims" / "change-is-quick.md").read_text(
        encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", WITHOUT_BUILD_TOOLS, "zensical", "build", "--strict",
                             "-f", str(tree / "mkdocs.yml")], cwd=tree, capture_output=True, text=True,
                            env=site_environment(), check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    site, ours = tree / "site", project.root / "site"
    for page in sorted(ours.rglob("*.html")):
        twin = site / page.relative_to(ours)
        assert twin.is_file(), page.relative_to(ours)
        if page.parent.name != "tags" and "<article" in page.read_text(encoding="utf-8"):
            # The same targets: Zensical writes a link to a file in the page's own folder as ../folder/file.
            here = "http://site/" + page.relative_to(ours).as_posix()
            theirs = [urljoin(here, link) for link in article(twin)[1] if "tags/" not in link]
            assert theirs == [urljoin(here, link) for link in article(page)[1] if "tags/" not in link], \
                page.relative_to(ours)
    assert HOSTILE in article(site / "claims" / "change-is-quick" / "index.html")[0]
    report = check_site(site)
    assert report.ok, report


def _tree_settings(project: Project) -> None:
    """Settings a real project may have: its own not_in_nav, plugins as a mapping, redirects of its own, a snippet
    included in a block, Material's emoji set up with a tag of Python's."""
    config = project.root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("""        plugins:
          - search
          - tags
          - evidence:
              archive: archive
          - redirects
""".replace("        ", ""), """plugins:
  search: {}
  tags: {}
  evidence:
    archive: archive
  redirects:
    redirect_maps:
      old-methods.md: methods.md#how
      elsewhere.md: https://example.org/page
not_in_nav: /drafts/*
""")
    text = text.replace("markdown_extensions: [admonition, attr_list, md_in_html, tables, {toc: {permalink: true}}]",
                        """markdown_extensions:
  - build_tools.site.table_labels
  - admonition
  - attr_list
  - md_in_html
  - tables
  - toc: {permalink: true}
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
      emoji_generator: !!python/name:material.extensions.emoji.to_svg
  - pymdownx.snippets:
      base_path: [!relative $config_dir]
      check_paths: true
""")
    assert "redirect_maps" in text and "pymdownx.snippets" in text
    config.write_text(text, encoding="utf-8")
    (project.root / "content" / "methods.md").write_text("# Methods\n\n## How {#how}\n\n--8<--\nNOTE.md\n--8<--\n",
                                                         encoding="utf-8")
    (project.root / "NOTE.md").write_text("Included from the project's root.\n", encoding="utf-8")
    (project.root / "content" / "drafts").mkdir()
    (project.root / "content" / "drafts" / "later.md").write_text("# Later\n", encoding="utf-8")


@pytest.mark.parametrize("engine", ["mkdocs", "properdocs"])
def test_the_projects_own_settings_survive_into_the_tree(project, engine):
    write_site_base(project)
    _tree_settings(project)
    assert build(project, engine=engine).returncode == 0, "the project itself builds"
    tree = project.root / "tree"
    result = generate(project, tree, "--site-url", "https://example.org/synthesis/")
    assert result.returncode == 0, result.stderr
    built = engine_build(engine, tree)
    assert built.returncode == 0, built.stdout + built.stderr
    config = (tree / "mkdocs.yml").read_text(encoding="utf-8")
    assert "/drafts/*" in config and "!!python/name:material.extensions.emoji.twemoji" in config
    assert "base_path:\n    - !relative '$config_dir'\n" in config
    assert "site_url: https://example.org/synthesis/" in config
    assert "build_tools.site" not in config  # the tree builds without our code (its pages carry the labels)
    site = tree / "site"
    assert "Included from the project's root." in (site / "methods" / "index.html").read_text(encoding="utf-8")
    assert 'url=../methods/#how"' in (site / "old-methods" / "index.html").read_text(encoding="utf-8")
    assert 'url=https://example.org/page"' in (site / "elsewhere" / "index.html").read_text(encoding="utf-8")
    assert (site / "claims" / "quick-change" / "index.html").is_file()
    assert "https://example.org/synthesis/claims/" in (site / "sitemap.xml").read_text(encoding="utf-8")


def test_generate_publishes_no_file_outside_the_project_nor_of_the_archive(project, tmp_path):
    write_site_base(project)
    _tree_settings(project)
    methods = project.root / "content" / "methods.md"
    (project.root / "archive" / "copy.md").write_text("An archived text.\n", encoding="utf-8")
    for include, why in (("archive/copy.md", "it is an archived source text, which is never published"),
                         ("../outside.md", "it is not a file of the project")):
        (project.root.parent / "outside.md").write_text("Not the project's.\n", encoding="utf-8")
        methods.write_text(f'# Methods\n\n--8<-- "{include}"\n', encoding="utf-8")
        result = generate(project, tmp_path / "tree")
        assert result.returncode == 1 and f"includes {include}, but {why}" in result.stderr
        assert not (tmp_path / "outside.md").exists() and not (tmp_path / "tree" / "archive").exists()


def test_a_redirect_to_no_page_and_warnings_in_strict_mode_fail_generate(project, tmp_path):
    write_site_base(project)
    _tree_settings(project)
    config = project.root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("methods.md#how", "no-such-page.md"),
                      encoding="utf-8")
    result = generate(project, tmp_path / "tree")
    assert result.returncode == 1 and "no page no-such-page.md" in result.stderr
    config.write_text(config.read_text(encoding="utf-8").replace("no-such-page.md", "methods.md"), encoding="utf-8")
    claim = project.evidence / "claims" / "effect-unknown.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace("certainty: low", "certainty: high"),
                     encoding="utf-8")
    result = generate(project, tmp_path / "tree")
    assert result.returncode == 0 and "high-certainty-one-study" in result.stderr, "a warning is said"
    config.write_text("strict: true\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    result = generate(project, tmp_path / "tree2")
    assert result.returncode == 1 and "warnings in strict mode" in result.stderr
