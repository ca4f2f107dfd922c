"""The command line as contributors and CI use it: exit codes, formats, `new`, `schema`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from markupsafe import escape
from support import REAL_ARCHIVE, REAL_EVIDENCE, ROOT, needs_real_archive, run_cli, site_environment

from build_tools.adapters.cli import main
from build_tools.engine.graph import build_graph
from build_tools.engine.load import load_evidence
from build_tools.tooling.scaffold import json_schemas


def test_clean_base_exits_zero(valid_project):
    result = run_cli("validate", "--strict", "--archive", "archive", cwd=valid_project.root)
    assert result.returncode == 0, result.stderr
    assert "0 errors, 0 warnings" in result.stdout


def test_archive_from_environment(valid_project):
    result = run_cli("validate", "--strict", cwd=valid_project.root, env={"EVIDENCE_ARCHIVE": "archive"})
    assert result.returncode == 0, result.stderr
    without = run_cli("validate", "--strict", cwd=valid_project.root)
    assert without.returncode == 1
    assert "quotes-unverified" in without.stderr


def test_findings_exit_one_with_path_line_column_and_no_traceback(valid_project):
    path = valid_project.evidence / "themes" / "autonomy.yaml"
    path.write_text(path.read_text().replace("title: Autonomy", "title: [Autonomy"))
    result = run_cli("validate", "--archive", "archive", cwd=valid_project.root)
    assert result.returncode == 1
    assert re.search(r"^evidence/themes/autonomy\.yaml:\d+:\d+: error: YAML syntax", result.stderr, re.M)
    assert "Traceback" not in result.stderr


def test_usage_error_exits_two(valid_project):
    assert run_cli("validate", "--format", "xml", cwd=valid_project.root).returncode == 2
    assert run_cli("frobnicate", cwd=valid_project.root).returncode == 2


def test_github_format_annotates_lines(valid_project):
    path = valid_project.evidence / "claims" / "boards-feel-freer.yaml"
    path.write_text(path.read_text().replace("certainty: moderate", "certainty: sure"))
    result = run_cli("validate", "--archive", "archive", "--format", "github", cwd=valid_project.root)
    assert result.returncode == 1
    assert result.stdout.startswith(
        "::error file=evidence/claims/boards-feel-freer.yaml,line=4,col=1,title=bad-value::")
    assert "%0Ahint: " in result.stdout


def test_json_format_is_machine_readable(valid_project):
    result = run_cli("validate", "--format", "json", cwd=valid_project.root)
    data = json.loads(result.stdout)
    assert data == [{"severity": "warning", "code": "quotes-unverified", "file": "", "line": 0, "column": 0,
                     "message": "no source archive given: 5 quotes were not checked",
                     "hint": "pass --archive DIR or set EVIDENCE_ARCHIVE to the folder of archived source texts"}]
    assert result.returncode == 0


def test_new_writes_a_template_that_validates_once_filled_in(valid_project):
    result = run_cli("new", "claim", "boards-vary", cwd=valid_project.root)
    assert result.returncode == 0, result.stderr
    path = valid_project.evidence / "claims" / "boards-vary.yaml"
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schemas/claim.schema.json\n")
    unfilled = run_cli("validate", "--archive", "archive", cwd=valid_project.root)
    assert unfilled.returncode == 1 and "boards-vary.yaml" in unfilled.stderr
    filled = (text.replace('statement: ""', "statement: Boards vary widely.")
              .replace('  - ""                   # id of a theme', "  - autonomy  #")
              .replace('certainty: ""', "certainty: low")
              .replace('certainty_rationale: ""', "certainty_rationale: One news report.")
              .replace('key_message: ""', "key_message: Boards may vary widely.")
              .replace('concerns: ""', "concerns: moderate")
              .replace('explanation: ""', "explanation: A news report of one study.")
              .replace('source: ""', "source: journal-report")
              .replace('quote: ""', "quote: the picture varied widely between areas"))
    path.write_text(filled)
    result = run_cli("validate", "--strict", "--archive", "archive", cwd=valid_project.root)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("kind", ["source", "study", "claim", "theme", "recommendation", "question"])
def test_new_for_every_kind_is_caught_until_filled_in(project, kind):
    assert main(["new", kind, "x-1", "--evidence", str(project.evidence)]) == 0
    result = run_cli("validate", "--evidence", str(project.evidence), cwd=project.root)
    assert result.returncode == 1
    assert "x-1.yaml" in result.stderr and "Traceback" not in result.stderr


def test_new_refuses_to_overwrite(valid_project):
    path = valid_project.evidence / "themes" / "autonomy.yaml"
    before = path.read_bytes()
    result = run_cli("new", "theme", "autonomy", cwd=valid_project.root)
    assert result.returncode == 2
    assert "already exists; nothing was written" in result.stderr
    assert path.read_bytes() == before


def test_new_rejects_bad_kind_and_bad_id(project):
    assert main(["new", "claimz", "x", "--evidence", str(project.evidence)]) == 2
    assert main(["new", "claim", "Not An Id", "--evidence", str(project.evidence)]) == 2
    assert not project.evidence.exists()


def test_committed_schemas_are_generated_from_the_model():
    """Editing the model without running `python -m build_tools schema` fails here."""
    for name, text in json_schemas().items():
        assert (ROOT / "schemas" / name).read_text(encoding="utf-8") == text, f"schemas/{name} is stale"


def test_schema_check_command(tmp_path):
    assert main(["schema", "--check", "--out", str(tmp_path)]) == 1
    assert main(["schema", "--out", str(tmp_path)]) == 0
    assert main(["schema", "--check", "--out", str(tmp_path)]) == 0
    claim = json.loads((tmp_path / "claim.schema.json").read_text())
    assert claim["additionalProperties"] is False
    assert set(claim["required"]) >= {"id", "statement", "themes", "certainty", "evidence"}


@pytest.mark.real_base
@needs_real_archive
def test_real_evidence_base_validates_strict():
    """The project's own evidence base, every quote verified against the archive (EVIDENCE_ARCHIVE or
    ../shared/sources)."""
    result = run_cli("validate", "--strict", "--archive", str(REAL_ARCHIVE), cwd=ROOT)
    assert result.returncode == 0, result.stderr


@pytest.mark.real_base
@needs_real_archive
def test_real_site_builds_strict(tmp_path):
    """The project's own site: `properdocs build --strict` with every quote verified, zero warnings."""
    result = subprocess.run([sys.executable, "-m", "properdocs", "build", "--strict", "-f", "mkdocs.yml",
                             "-d", str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                            env=site_environment({"EVIDENCE_ARCHIVE": str(REAL_ARCHIVE)}), check=False)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    site = tmp_path / "site"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert home.count('data-md-color-media="(prefers-color-scheme:') == 2  # light and dark palettes
    for feature in ("navigation.instant", "navigation.instant.preview", "content.tooltips"):
        assert f'"{feature}"' in home
    assert "fonts.googleapis.com" not in home
    graph = build_graph(load_evidence(REAL_EVIDENCE))
    # a reader can start at any source and reach every claim drawn from it
    for claim in graph.claims.values():
        for evidence in claim.evidence:
            page = (site / "sources" / evidence.source / "index.html").read_text(encoding="utf-8")
            assert f'href="../../claims/{claim.id}/"' in page, (evidence.source, claim.id)
    # every claim page leads with its key message, counts its studies and shows its evidence profile; the summary
    # of findings lists every claim
    summary = (site / "summary-of-findings" / "index.html").read_text(encoding="utf-8")
    for claim in graph.claims.values():
        page = (site / "claims" / claim.id / "index.html").read_text(encoding="utf-8")
        assert claim.key_message and escape(" ".join(claim.key_message.split())) in page.split("</h1>")[0], claim.id
        studies = len(graph.independent_studies(claim))
        assert f"<strong>Supported by</strong> {studies} stud" in page or (
            not studies and "<strong>Supported by</strong> no study" in page), claim.id
        profile = page.split('id="evidence-profile"')[1].split("</table>")[0]
        assert profile.count('<th scope="row">') == 4 and "_" not in profile.split("<tbody>")[1].split("<td")[0]
        assert summary.count(f'href="../claims/{claim.id}/"') == 1, claim.id
    # the contributor guide is a page of the site, included from CONTRIBUTING.md (one text, two places)
    guide = (site / "contributing" / "index.html").read_text(encoding="utf-8")
    assert guide.count("[unresolved-reference]") == 2 and "Fixing the most common errors" in guide


@pytest.mark.real_base
def test_real_evidence_base_covers_every_theme_and_links_every_recommendation_and_question():
    """What must hold for any base, whatever its size: never a count of today's records."""
    graph = build_graph(load_evidence(REAL_EVIDENCE))
    assert graph.sources and graph.claims
    for theme in graph.themes.values():
        assert graph.claims_by_theme.get(theme.id), theme.id
    for record in [*graph.recommendations.values(), *graph.questions.values()]:
        assert record.claims and all(c in graph.claims for c in record.claims), record.id


@pytest.mark.browser
def test_the_browser_tests_need_no_archive_and_never_skip_for_want_of_one(tmp_path):
    """The browser tests build the fixture synthesis, which writes its own archive: on a CI machine without the
    real archive they run and pass, where they once had to fail (a skip would have hidden them)."""
    environment = {**os.environ, "CI": "true", "EVIDENCE_ARCHIVE": str(tmp_path / "no-archive")}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                             "tests/browser/test_print.py"], cwd=ROOT, capture_output=True, text=True,
                            env=environment, check=False, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"=* ?\d+ passed in .*", summary), summary
