"""Downloads and citations, read back by real parsers: jsonschema, csv, bibtexparser, rispy, citeproc-py.

Each parsed file must give back the records: ids, titles, authors, dates, quotes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy
from bibtexparser import middlewares as m
from citeproc.source.json import CiteProcJSON
from support import REAL_EVIDENCE, ROOT, Project, write_valid_base

from build_tools.engine.graph import build_graph
from build_tools.engine.load import load_evidence
from build_tools.engine.model import Assessment, Claim, Source
from build_tools.engine.quotes import link_to_passage, text_fragment
from build_tools.site.citations import (
    TITLE_END,
    TITLE_START,
    Citations,
    Formatter,
    Synthesis,
    claim_csl,
    latex_text,
    one_line,
    plain,
    source_bibtex_entry,
    source_csl,
    write_bibtex,
)
from build_tools.site.exports import build_exports, csv_cell, evidence_schema
from build_tools.site.info import SiteInfo

INFO = SiteInfo("Test synthesis", url="https://example.org/synthesis/")
AWKWARD_TITLE = 'Boards’ “freedom”, {braces} & 50% of\n  "quotes" — naïve Zoë\'s #1 $ _ ~ report'


def write_awkward_base(project: Project) -> None:
    """The valid base plus a source and a claim whose text has every character exports must handle."""
    write_valid_base(project)
    sha = project.archive_file("awkward.txt", "Anything.\n")
    project.write("source", "awkward-source", f"""
        id: awkward-source
        title: {json.dumps(AWKWARD_TITLE)}
        authors: ["Smith J", "NHS England & Partners", "Ünal, Zoë", "van der Berg, Anna"]
        outlet: "Journal of {{Odd}} Things, 100%"
        publisher: "Ärzte & Co"
        date: 2019-03
        type: peer-reviewed-article
        url: https://example.org/a?x=1&y=2
        doi: 10.1000/xyz-123
        archive:
          file: awkward.txt
          sha256: {sha}
    """)
    project.write("claim", "awkward-claim", """
        id: awkward-claim
        statement: "=HYPERLINK(\\"http://evil.example\\") claims, with \\"quotes\\", commas and a\\nline break."
        themes: [autonomy]
        certainty: low
        certainty_rationale: A test.
        evidence:
          - source: awkward-source
            quote: "-5% fell, “she said” … and {rose} & more"
            stance: contradicts
            locator: "@p. 3"
            note: "+ a note"
          - source: journal-report
            quote: "less constrained by the centre"
            stance: supports
    """)


@pytest.fixture
def awkward(project: Project):
    write_awkward_base(project)
    base = load_evidence(project.evidence)
    assert not [f for f in base.findings if f.severity.value == "error"], base.findings
    graph = build_graph(base)
    return graph, {d.name: d.content for d in build_exports(graph, INFO)}


# --- evidence.json -------------------------------------------------------------

def test_evidence_json_is_valid_against_its_schema_and_holds_every_record(awkward):
    graph, files = awkward
    document = json.loads(files["evidence.json"])
    jsonschema.Draft202012Validator(json.loads(files["evidence.schema.json"])).validate(document)
    for kind in ("sources", "studies", "claims", "themes", "recommendations", "questions"):
        assert [r["id"] for r in document[kind]] == sorted(getattr(graph, kind)), kind
    source = next(s for s in document["sources"] if s["id"] == "awkward-source")
    assert source["title"] == AWKWARD_TITLE.strip()
    assert source["authors"] == ["Smith J", "NHS England & Partners", "Ünal, Zoë", "van der Berg, Anna"]
    assert source["date"] == "2019-03" and source["page"] == "https://example.org/synthesis/sources/awkward-source/"
    claim = next(c for c in document["claims"] if c["id"] == "awkward-claim")
    assert claim["evidence"][0]["quote"] == "-5% fell, “she said” … and {rose} & more"
    assert "text" not in json.dumps(source["archive"])  # the archive is named, never included
    assert set(source["archive"]) == {"file", "sha256"}


def test_the_schema_rejects_what_the_model_rejects(awkward):
    _, files = awkward
    document = json.loads(files["evidence.json"])
    document["claims"][0]["certainty"] = "certain"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(evidence_schema()).validate(document)


@pytest.mark.real_base
def test_the_real_evidence_base_exports_valid_against_the_committed_schema():
    graph = build_graph(load_evidence(REAL_EVIDENCE))
    files = {d.name: d.content for d in build_exports(graph, INFO)}
    committed = json.loads((ROOT / "schemas" / "evidence.schema.json").read_text(encoding="utf-8"))
    assert json.loads(files["evidence.schema.json"]) == committed
    document = json.loads(files["evidence.json"])
    jsonschema.Draft202012Validator(committed).validate(document)
    assert len(document["claims"]) == len(graph.claims) > 0


# --- claims.csv -------------------------------------------------------------------

def test_claims_csv_has_one_row_per_piece_of_evidence_and_reads_back(awkward):
    graph, files = awkward
    rows = list(csv.DictReader(io.StringIO(files["claims.csv"], newline="")))
    assert len(rows) == sum(len(c.evidence) for c in graph.claims.values())
    for row in rows:
        claim = graph.claims[row["claim_id"]]
        evidence = next(e for e in claim.evidence if e.source == row["source_id"])
        unprotect = lambda text: text[1:] if text[:2] in {"'=", "'+", "'-", "'@"} else text  # noqa: E731
        assert unprotect(row["claim_statement"]) == claim.statement
        assert unprotect(row["quote"]) == evidence.quote
        assert row["certainty"] == claim.certainty.value and row["stance"] == evidence.stance.value
        assert row["source_title"] == graph.sources[evidence.source].title
        assert row["claim_url"] == f"https://example.org/synthesis/claims/{claim.id}/"
    awkward_rows = [r for r in rows if r["claim_id"] == "awkward-claim"]
    first = next(r for r in awkward_rows if r["source_id"] == "awkward-source")
    assert first["claim_statement"].startswith("'=HYPERLINK")
    assert "\n" in first["claim_statement"]  # line breaks survive, quoted
    assert first["quote"].startswith("'-5%") and first["locator"] == "'@p. 3" and first["note"] == "'+ a note"
    assert first["study_id"] == "" and first["source_type"] == "peer-reviewed-article"
    journal = next(r for r in rows if r["claim_id"] == "boards-feel-freer" and r["source_id"] == "journal-report")
    assert journal["study_id"] == "board-study" and journal["study_title"] == "A survey of local boards"


@pytest.mark.parametrize(("text", "cell"), [
    ("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("plain", "plain"), ("a=b", "a=b"), ("", ""), (None, ""),
])
def test_cells_that_would_run_as_formulas_are_marked_as_text(text, cell):
    assert csv_cell(text) == cell


# --- BibTeX -----------------------------------------------------------------------

def _bibtex(text: str) -> bibtexparser.Library:
    library = bibtexparser.parse_string(text, append_middleware=[
        m.LatexDecodingMiddleware(keep_braced_groups=True), m.SeparateCoAuthors(), m.SplitNameParts()])
    assert not library.failed_blocks
    return library


def test_bibtex_reads_back_with_bibtexparser(awkward):
    graph, files = awkward
    library = _bibtex(files["sources.bib"])
    assert [e.key for e in library.entries] == sorted(graph.sources)
    entry = library.entries_dict["awkward-source"]
    assert entry.entry_type == "article"
    assert entry["title"] == one_line(AWKWARD_TITLE)
    assert entry["journal"] == "Journal of {Odd} Things, 100%"
    assert entry["publisher"] == "Ärzte & Co"
    assert (entry["year"], entry["month"], entry["date"]) == ("2019", "3", "2019-03")
    raw = bibtexparser.parse_string(files["sources.bib"]).entries_dict["awkward-source"]  # verbatim fields
    assert raw["doi"] == "10.1000/xyz-123" and raw["url"] == "https://example.org/a?x=1&y=2"
    names = entry["author"]
    assert [n.last for n in names] == [["{Smith J}"], ["{NHS England & Partners}"], ["Ünal"], ["Berg"]]
    assert names[0].first == [] and names[2].first == ["Zoë"] and names[3].von == ["van", "der"]
    news = library.entries_dict["journal-report"]  # no authors: no author field, nothing invented
    assert "author" not in news.fields_dict and news.entry_type == "article"
    # a research report with neither publisher nor outlet cannot be a techreport (no institution)
    assert library.entries_dict["second-report"].entry_type == "misc"


def test_bibtex_escapes_what_tex_treats_specially():
    assert latex_text("50% & $5 #1 a_b {x} ~ ^ \\") == (
        r"50\% \& \$5 \#1 a\_b \lbrace{}x\rbrace{} \textasciitilde{} \textasciicircum{} \textbackslash{}")
    assert latex_text("a -- b ``c'' d\n e") == "a -{}- b `{}`c'{}' d e"


@pytest.mark.parametrize("title", ["Boards} , note = {injected", "Boards{ of { the} centre", "}}}{{{", "a\\}b"])
def test_a_brace_in_a_title_never_closes_its_field(title):
    """BibTeX counts braces whether escaped or not: a stray one would end the field and let the rest of the
    title write fields of its own. pybtex and bibtexparser both read the entry back whole."""
    from pybtex.database import parse_string

    source = Source.model_validate({"id": "s", "title": title, "type": "other", "authors": ["Writer, A."],
                                    "date": None, "archive": {"file": "s.txt", "sha256": "0" * 64}})
    bib = write_bibtex([source_bibtex_entry(source)])
    entry = parse_string(bib, "bibtex").entries["s"]
    assert list(entry.fields) == ["title"] and entry.fields["title"] == latex_text(title)
    assert [str(person) for person in entry.persons["author"]] == ["Writer, A."]
    assert _bibtex(bib).entries_dict["s"]["title"] == title


# --- RIS --------------------------------------------------------------------------

def test_ris_reads_back_with_rispy(awkward):
    graph, files = awkward
    entries = rispy.loads(files["sources.ris"])
    assert [e["id"] for e in entries] == sorted(graph.sources)
    entry = next(e for e in entries if e["id"] == "awkward-source")
    assert entry["type_of_reference"] == "JOUR"
    assert entry["title"] == one_line(AWKWARD_TITLE)
    assert entry["authors"] == ["Smith J", "NHS England & Partners", "Ünal, Zoë", "van der Berg, Anna"]
    assert entry["secondary_title"] == "Journal of {Odd} Things, 100%"
    assert (entry["year"], entry["date"]) == ("2019", "2019/03//")
    assert entry["doi"] == "10.1000/xyz-123" and entry["urls"] == ["https://example.org/a?x=1&y=2"]
    news = next(e for e in entries if e["id"] == "journal-report")
    assert news["type_of_reference"] == "NEWS" and "authors" not in news and news["date"] == "2014/04//"
    assert not files["sources.ris"].startswith("1.")


# --- CSL-JSON ---------------------------------------------------------------------

def _csl_schema_names(name: str, pattern: str) -> set[str]:
    """Names the CSL schema (shipped with citeproc-py, RELAX NG) defines, e.g. its item types."""
    import citeproc

    text = (Path(citeproc.__file__).parent / "data" / "schema" / "schemas" / "styles" / name).read_text()
    return set(re.findall(pattern, text))


def test_csl_json_uses_only_csl_types_and_variables_and_citeproc_reads_it(awkward):
    graph, files = awkward
    items = json.loads(files["sources.json"])
    types = _csl_schema_names("csl-types.rnc", r'"([a-z_-]+)"')
    variables = _csl_schema_names("csl-variables.rnc", r'"([A-Za-z_-]+)"')
    for item in items:
        assert item["type"] in types, item["type"]
        assert set(item) - {"id", "type"} <= variables, set(item) - variables
        for name in item.get("author", []):
            assert set(name) in ({"family", "given"}, {"literal"})
    assert [i["id"] for i in items] == sorted(graph.sources)
    item = next(i for i in items if i["id"] == "awkward-source")
    assert item["title"] == AWKWARD_TITLE.strip() and item["issued"] == {"date-parts": [[2019, 3]]}
    assert item["author"][0] == {"literal": "Smith J"} and item["author"][2] == {"family": "Ünal", "given": "Zoë"}
    source = CiteProcJSON(items)
    assert set(source) == {i["id"].lower() for i in items}
    news = next(i for i in items if i["id"] == "journal-report")  # unknown authors and publisher: omitted
    assert "author" not in news and "publisher" not in news and news["issued"] == {"date-parts": [[2014, 4]]}


# --- formatted references ------------------------------------------------------------

def test_apa_reference_of_a_source_without_author_names_the_title_once(awkward):
    graph, _ = awkward
    text = plain(Formatter().reference(source_csl(graph.sources["journal-report"])))
    assert text == "Boards less constrained by the centre. (2014, April). Fictional Health Journal."


def test_apa_reference_of_a_source_with_authors(awkward):
    graph, _ = awkward
    text = plain(Formatter().reference(source_csl(graph.sources["awkward-source"])))
    assert text.startswith("Smith J, NHS England & Partners, Ünal, Z., & van der Berg, A. (2019).")
    assert "https://doi.org/10.1000/xyz-123" in text


@pytest.mark.parametrize("statement", [
    "Boards feel freer.", "Do boards feel freer?", "Boards feel freer", "A claim with *stars*, & 50% — “quotes”.",
])
def test_a_claim_reference_filled_in_from_the_template_equals_citeproc_own(statement):
    import datetime

    judged = {"concerns": "moderate", "explanation": "x"}
    claim = Claim.model_validate({"id": "c", "key_message": statement, "statement": "s", "themes": ["t"],
                                  "certainty": "low", "certainty_rationale": "x",
                                  "assessment": dict.fromkeys(Assessment.COMPONENTS, judged),
                                  "evidence": [{"source": "s", "quote": "q", "stance": "supports"}]})
    synthesis = Synthesis("Test synthesis", date=datetime.date(2026, 1, 2))
    formatter = Formatter()
    filled = formatter.claim_reference(claim, synthesis, "https://example.org/c/")
    direct = formatter.reference(claim_csl(claim, synthesis, "https://example.org/c/"))
    assert filled == direct
    assert plain(filled).count(statement) == 1 and ".." not in plain(filled)
    assert filled.count(TITLE_START) == filled.count(TITLE_END) == 1


def test_citations_reuse_one_formatting_per_record(awkward):
    graph, _ = awkward
    citations = Citations(graph, INFO)
    source = graph.sources["awkward-source"]
    assert citations.reference(source) is citations.reference(source)
    assert citations.bibtex(source) is citations.bibtex(source)


def test_unknown_citation_style_is_a_clear_error():
    from build_tools.site.citations import StyleError

    with pytest.raises(StyleError, match="no CSL style named 'nope'"):
        Formatter("nope")


# --- text fragments -----------------------------------------------------------------

@pytest.mark.parametrize(("quote", "fragment"), [
    ("less constrained by the centre", ":~:text=less%20constrained%20by%20the%20centre"),
    ("“could change services quickly”", ":~:text=could%20change%20services%20quickly"),
    ("a-b, c & d é", ":~:text=a%2Db%2C%20c%20%26%20d%20%C3%A9"),
    ("the findings were early… and that the picture varied widely",
     ":~:text=the%20findings%20were%20early,that%20the%20picture%20varied%20widely"),
    ("one [...] two", ":~:text=one,two"),
    ("one two three four five six seven eight nine ten eleven twelve",
     ":~:text=one%20two%20three%20four%20five,eight%20nine%20ten%20eleven%20twelve"),
    ("…", ""),
])
def test_text_fragments_are_short_and_percent_encoded(quote, fragment):
    assert text_fragment(quote) == fragment


def test_link_to_passage_keeps_an_existing_fragment():
    assert link_to_passage("https://e.org/a#sec", "word") == "https://e.org/a#sec:~:text=word"
    assert link_to_passage("https://e.org/a", "word") == "https://e.org/a#:~:text=word"


# --- the command -----------------------------------------------------------------------

def test_export_command_writes_every_download(project, tmp_path):
    write_awkward_base(project)
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "build_tools", "export", "--out", str(out), "--evidence",
                             str(project.evidence), "--config-file", str(tmp_path / "none.yml"),
                             "--site-url", "https://example.org/s/"],
                            capture_output=True, text=True, check=False, cwd=project.root)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["brief.pdf", "evidence.json", "evidence.schema.json", "claims.csv", "sources.bib", "sources.ris",
         "sources.json"])
    assert (out / "brief.pdf").read_bytes().startswith(b"%PDF-")
    document = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    assert document["claims"][0]["page"].startswith("https://example.org/s/claims/")


def test_export_command_refuses_an_invalid_base_with_findings(project, tmp_path):
    write_valid_base(project)
    project.write("claim", "broken", "id: broken\nstatement: x\n")
    result = subprocess.run([sys.executable, "-m", "build_tools", "export", "--out", str(tmp_path / "out"),
                             "--evidence", str(project.evidence), "--config-file", str(tmp_path / "none.yml")],
                            capture_output=True, text=True, check=False, cwd=project.root)
    assert result.returncode == 1
    assert "broken.yaml:" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_without_the_site_address_a_claim_is_cited_without_one(awkward):
    graph, _ = awkward
    citations = Citations(graph, SiteInfo("Test synthesis"))  # no site_url: no relative address passed off as one
    claim = graph.claims["boards-feel-freer"]
    assert "claims/" not in plain(citations.reference(claim))
    assert "url" not in citations.bibtex(claim)


def test_with_history_records_carry_their_last_update_and_claims_are_dated_by_it(awkward):
    from support import FIXED_HISTORY

    graph, _ = awkward
    citations = Citations(graph, INFO, history=FIXED_HISTORY)
    files = {d.name: d.content for d in build_exports(graph, INFO, citations)}
    document = json.loads(files["evidence.json"])
    jsonschema.Draft202012Validator(json.loads(files["evidence.schema.json"])).validate(document)
    claims = {c["id"]: c for c in document["claims"]}
    assert claims["boards-feel-freer"]["last_updated"] == "2026-02-10"
    assert claims["effect-unknown"]["last_updated"] == "2026-01-05"
    assert claims["awkward-claim"]["last_updated"] is None  # not in the history: unknown, not invented
    assert claims["boards-feel-freer"]["aliases"] == []
    claim = graph.claims["boards-feel-freer"]
    assert plain(citations.reference(claim)).startswith(
        "Board members probably see their boards as freer from central control. (2026, February 10).")
    assert "date = {2026-02-10}" in citations.bibtex(claim)


@pytest.mark.parametrize("style", ["apa", "elsevier-harvard", "modern-language-association", "chicago-author-date"])
def test_the_macro_index_formats_exactly_as_citeproc_alone(awkward, style, monkeypatch):
    """Formatter indexes a style's macros (citeproc-py looks each up by XPath): the references must not change."""
    from build_tools.site import citations

    graph, _ = awkward
    items = [source_csl(source) for source in graph.sources.values()]
    indexed = [Formatter(style).reference(item) for item in items]
    monkeypatch.setattr(citations.citeproc_model.CitationStylesElement, "get_macro", citations._xpath_get_macro)
    assert [Formatter(style).reference(item) for item in items] == indexed
    assert all(TITLE_START in text for text in indexed)
