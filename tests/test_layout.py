"""The package's layout is its design: each folder one step of the flow, imports only in the flow's direction."""

from __future__ import annotations

import ast
from pathlib import Path

import build_tools

PACKAGE = Path(build_tools.__file__).parent

# Which of our folders each folder may import from (besides itself).
ALLOWED = {
    "engine": set(),
    "site": {"engine"},
    "adapters": {"engine", "site"},
    "tooling": {"engine", "site", "adapters"},
}
# Third-party packages a folder must never import.
FORBIDDEN = {
    "engine": {"jinja2", "markupsafe", "markdown", "pymdownx"},
    "site": set(),
    "tooling": set(),
    "adapters": set(),
}
ENGINES = {"mkdocs", "material", "properdocs", "zensical"}
"""Only the plugin speaks to an engine (``mkdocs.yml`` is read as YAML by ``adapters/project.py``)."""
ENGINE_ADAPTER = "adapters/mkdocs/"


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports (absolute names), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(("build_tools", *path.relative_to(PACKAGE).parent.parts))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(filter(None, [*parts, base]))
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names if base.startswith("build_tools")]
    return found


def _modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts)


def _folder(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else ""


def test_every_module_lives_in_a_folder_of_the_flow():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name not in {"__init__.py", "__main__.py"}]
    assert loose == [], f"modules outside engine/, site/, adapters/ and tooling/: {loose}"
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(ALLOWED)


def test_imports_go_only_in_the_direction_of_the_flow():
    wrong = []
    for path in _modules():
        folder = _folder(path)
        if not folder:
            continue
        shown = path.relative_to(PACKAGE.parent)
        relative = path.relative_to(PACKAGE).as_posix()
        for line, name in _imports(path):
            parts = name.split(".")
            if parts[0] == "build_tools" and len(parts) > 1 and parts[1] in ALLOWED:
                target = parts[1]
                if (target != folder and target not in ALLOWED[folder]
                        and not (target == "tooling" and relative == "adapters/cli.py")):
                    wrong.append(f"{shown}:{line}: {folder}/ imports {name}")
            elif parts[0] in FORBIDDEN[folder]:
                wrong.append(f"{shown}:{line}: {folder}/ imports {parts[0]}")
            elif parts[0] in ENGINES and not relative.startswith(ENGINE_ADAPTER):
                wrong.append(f"{shown}:{line}: only {ENGINE_ADAPTER} may import {parts[0]} ({name})")
    assert wrong == []


def test_nothing_imports_tooling_but_the_command_line():
    importers = {path.relative_to(PACKAGE).as_posix() for path in _modules() if _folder(path) != "tooling"
                 and any(name.startswith("build_tools.tooling") for _, name in _imports(path))}
    assert importers <= {"adapters/cli.py"}


def test_no_import_cycles_between_modules():
    """Module-level and deferred imports alike, packages' ``__init__`` included: a cycle is a design knot even
    when Python tolerates it. (The root package imports its public names only for type checkers.)"""
    names = {".".join(("build_tools", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__"): p
             for p in _modules()}
    graph = {name: {target for _, target in _imports(path) if target in names and target != name}
             for name, path in names.items() if name != "build_tools"}
    graph["build_tools"] = set()
    cycles, done = [], set()

    def visit(node: str, stack: list[str]) -> None:
        if node in stack:
            cycles.append([*stack[stack.index(node):], node])
            return
        if node in done:
            return
        for target in sorted(graph[node]):
            visit(target, [*stack, node])
        done.add(node)

    for name in sorted(graph):
        visit(name, [])
    assert cycles == []


def test_a_folder_says_what_it_may_import():
    for folder in ALLOWED:
        doc = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text(encoding="utf-8"))) or ""
        assert "May import" in doc, f"build_tools/{folder}/__init__.py: say what the folder may import"


def test_the_engine_and_the_site_run_without_mkdocs(tmp_path):
    """A script can load, validate, index and render with MkDocs absent (its import made to fail)."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import sys
        class NoMkDocs:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("mkdocs", "material", "properdocs"):
                    raise ImportError(f"no {name} here")
        sys.meta_path.insert(0, NoMkDocs())
        import build_tools as bt
        report = bt.run(sys.argv[1], None)
        pages = bt.render_pages(report.graph, bt.SiteInfo("A synthesis"))
        print(len(pages), sorted(m for m in sys.modules if m.split(".")[0] == "mkdocs"))
    """)
    evidence = tmp_path / "evidence"
    (evidence / "themes").mkdir(parents=True)
    (evidence / "themes" / "a-theme.yaml").write_text("id: a-theme\ntitle: A theme\nsummary: What it is about.\n")
    result = subprocess.run([sys.executable, "-c", script, str(evidence)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    count, loaded = result.stdout.split(" ", 1)
    assert int(count) > 5 and loaded.strip() == "[]"
