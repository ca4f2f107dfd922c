"""The printable brief (downloads/brief.pdf), read back from the PDF itself with pypdf."""

from __future__ import annotations

import datetime
import io
import socket
import threading
from html import unescape
from http.server import BaseHTTPRequestHandler, HTTPServer

import pypdf
import pytest
from support import Project, write_valid_base
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from build_tools.engine.graph import build_graph
from build_tools.engine.load import load_evidence
from build_tools.site import brief as brief_module
from build_tools.site.assemble import build_downloads
from build_tools.site.brief import BRIEF_NAME, brief_html, brief_pdf
from build_tools.site.citations import Citations, plain
from build_tools.site.info import SiteInfo
from build_tools.site.pdf import LocalOnlyFetcher
from build_tools.site.render import TEMPLATES

INFO = SiteInfo("Test synthesis", "What boards of the fictional health service did in their first year.",
                url="https://example.org/synthesis/", date=datetime.date(2026, 1, 2))
SCRIPT = "<script>alert('brief')</script>"
JINJA = "{{ 7 * 7 }} {% if true %}yes{% endif %}"


def write_brief_base(project: Project) -> None:
    """The valid base, plus a contested and qualified claim, a recommendation and a question whose text is
    markup and template syntax, and an open question of the other kind."""
    write_valid_base(project)
    project.write("claim", "hostile-claim", f"""
        id: hostile-claim
        key_message: "Boards may print {SCRIPT} and {JINJA} as words."
        statement: A statement.
        themes: [autonomy]
        certainty: low
        certainty_rationale: "Rated low because {SCRIPT} is only a claim."
        evidence:
          - source: journal-report
            quote: "could change services quickly"
            stance: supports
          - source: second-report
            quote: boards “less constrained by the centre”
            stance: contradicts
          - source: journal-report
            quote: the picture varied widely between areas
            stance: qualifies
    """)
    project.write("recommendation", "hostile-recommendation", f"""
        id: hostile-recommendation
        statement: "Print {JINJA} and {SCRIPT} as they are written."
        made_in:
          - source: second-report
            quote: less constrained by the centre
        rationale: Text is data.
        claims: [hostile-claim, boards-feel-freer]
        audience: [readers]
        made_by: [The Fictional Institute, B. Writer]
        basis: expert-opinion
    """)
    project.write("question", "documents-disagree", """
        id: documents-disagree
        question: Do the two studies measure the same boards?
        why_open: They do not say.
        claims: [boards-feel-freer]
        would_settle: The studies' lists of boards.
        open_in: these-documents
    """)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory):
    project = Project(tmp_path_factory.mktemp("brief"))
    write_brief_base(project)
    loaded = load_evidence(project.evidence)
    assert not [f for f in loaded.findings if f.severity.value == "error"], loaded.findings
    graph = build_graph(loaded)
    citations = Citations(graph, INFO)
    return graph, citations, brief_pdf(graph, INFO, citations)


def _pages(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _text(pdf: bytes) -> str:
    return " ".join(_pages(pdf))


def _squeezed(text: str) -> str:
    """Without white space: a narrow table column may break a line anywhere, even after "</"."""
    return "".join(text.split())


def test_the_brief_has_its_sections_in_order(base):
    text = _text(base[2])
    sections = ["Evidence brief", "Test synthesis", "What boards of the fictional health service did",
                "Key messages", "High certainty", "Moderate certainty", "Low certainty", "Very low certainty",
                "Summary of findings", "Recommendations", "Open questions", "References"]
    at = [text.find(section) for section in sections]
    assert -1 not in at, [s for s, i in zip(sections, at, strict=True) if i < 0]
    assert at == sorted(at), "sections out of order"
    assert "Open in the field" in text and "Unresolved in these documents" in text


def test_the_title_page_says_what_when_and_how_much(base):
    title_page = _pages(base[2])[0]
    assert "Test synthesis" in title_page
    assert "What boards of the fictional health service did in their first year." in title_page
    assert "Sources published 2014 to 2015" in title_page
    assert "Built 2 January 2026" in title_page
    assert "2 sources, reporting 2 studies; 3 claims" in title_page
    assert "https://example.org/synthesis/" in title_page


def test_every_key_message_is_under_its_certainty_and_every_recommendation_is_there(base):
    graph, _, pdf = base
    text = _text(pdf)
    key_messages = text[text.index("Key messages"):text.index("Summary of findings")]
    moderate, low = key_messages.index("Moderate certainty"), key_messages.index("Low certainty")
    very_low = key_messages.index("Very low certainty")
    for claim in graph.claims.values():
        message = " ".join(claim.key_message.split())
        where = key_messages.find(message)
        assert where >= 0, message
        assert (moderate < where < low) if claim.certainty.value == "moderate" else (low < where < very_low)
        assert _squeezed(message) in _squeezed(text[text.index("Summary of findings"):text.index("Recommendations")])
    assert "No claim is rated high." in key_messages
    recommendations = text[text.index("Recommendations"):text.index("Open questions")]
    for recommendation in graph.recommendations.values():
        assert " ".join(recommendation.statement.split()) in recommendations


def test_contested_and_qualified_are_marked_in_words(base):
    text = _text(base[2])
    key_messages = text[text.index("Key messages"):text.index("Summary of findings")]
    hostile = key_messages.index("as words.")
    assert key_messages[hostile:hostile + 40].startswith("as words. contested qualified")
    freer = key_messages.index("freer from central control.")
    assert "contested" not in key_messages[freer:freer + 45]


def test_recommendations_say_who_on_what_basis_and_their_weakest_claim(base):
    text = _text(base[2])
    recommendations = text[text.index("Recommendations"):text.index("Open questions")]
    hostile = recommendations[recommendations.index("Print {{"):]
    assert "Made by The Fictional Institute; B. Writer" in hostile
    assert "Basis Expert opinion or commentary" in hostile
    assert "Weakest claim low certainty, of the 2 claims it rests on" in hostile
    assert "Basis Study findings" in recommendations  # wait-and-see


def test_the_summary_of_findings_gives_the_reason_and_the_studies(base):
    text = _text(base[2])
    summary = text[text.index("Summary of findings"):text.index("Recommendations")]
    assert "Key message Certainty Why this certainty Studies behind it" in summary
    assert "Two independent studies agree. A survey of local boards; A second study" in summary


def test_every_source_is_referenced_as_the_site_formats_it(base):
    graph, citations, pdf = base
    references = _text(pdf)[_text(pdf).index("References"):]
    for source in graph.sources.values():
        assert " ".join(plain(citations.reference(source)).split()) in references


def test_record_text_is_printed_as_written_never_as_markup_or_template(base):
    graph, citations, pdf = base
    text = _squeezed(_text(pdf))
    assert text.count(_squeezed(SCRIPT)) == 4  # key messages, summary of findings (message, reason), recommendation
    assert text.count(_squeezed(JINJA)) == 3
    assert "49" not in text
    html = brief_html(graph, INFO, citations)
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#39;brief&#39;)&lt;/script&gt;" in html


def test_the_brief_is_a4_with_numbered_pages(base):
    pdf = base[2]
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 4
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # 210 × 297 mm in points
    pages = _pages(pdf)
    assert "Page 1 of" not in pages[0]  # the title page has no footer
    for number, page in enumerate(pages[1:], start=2):
        assert f"Page {number} of {len(pages)}" in page
    root = reader.trailer["/Root"]  # tagged, for screen readers: a structure tree, in the brief's language
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"] and root["/Lang"] == "en"


def test_making_the_brief_opens_no_connection(monkeypatch, tmp_path):
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    project = Project(tmp_path)
    write_brief_base(project)
    graph = build_graph(load_evidence(project.evidence))
    downloads = build_downloads(graph, INFO)
    assert downloads[0].name == BRIEF_NAME and downloads[0].data.startswith(b"%PDF-")
    assert attempts == []


class _Counting(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args: object) -> None:
        pass


def test_the_fetcher_refuses_the_network_and_files_outside_the_templates(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        address = f"http://127.0.0.1:{server.server_port}/style.css"
        fetcher = LocalOnlyFetcher()
        with pytest.raises(PermissionError):
            fetcher.fetch(address)
        page = f'<link rel="stylesheet" href="{address}"><p>Text</p>'
        with pytest.raises(FatalURLFetchingError):  # a refusal stops the brief rather than leaving a part out
            HTML(string=page, url_fetcher=fetcher).write_pdf()
        assert _Counting.hits == 0
    finally:
        server.shutdown()
        server.server_close()
    outside = tmp_path / "secret.css"
    outside.write_text("body { color: red }", encoding="utf-8")
    for url in (outside.as_uri(), (TEMPLATES / ".." / ".." / "site" / "brief.py").resolve().as_uri(),
                "ftp://example.org/a.css"):
        with pytest.raises(PermissionError):
            fetcher.fetch(url)
    assert fetcher.fetch((TEMPLATES / "brief.css").resolve().as_uri()).read().startswith(b"/*")
    assert fetcher.fetch("data:text/css,p{}").read() == b"p{}"


def test_serve_keeps_the_brief_of_its_first_build_and_build_never_does(base):
    from build_tools.adapters.mkdocs.serve import ServeBrief
    from build_tools.site.exports import Download

    made = Download(BRIEF_NAME, "Printable brief", "", b"%PDF-1.7 made earlier")
    try:
        ServeBrief.remember("serve", INFO, [made])
        assert ServeBrief.reusable("serve", INFO) is made
        assert ServeBrief.reusable("build", INFO) is None
        # the brief prints the site's name and description: a change to them in mkdocs.yml makes a new one
        assert ServeBrief.reusable("serve", SiteInfo("Renamed", INFO.description, url=INFO.url)) is None
        later = SiteInfo(INFO.name, INFO.description, url=INFO.url, date=datetime.date(2026, 1, 3))
        assert ServeBrief.reusable("serve", later) is made  # the build date alone does not
        graph, citations, _ = base
        assert build_downloads(graph, INFO, citations, brief=ServeBrief.reusable("serve", INFO))[0] is made
    finally:
        ServeBrief.kept = None


def test_a_large_synthesis_gets_a_brief_of_its_headline_claims_saying_what_it_leaves_out(project, monkeypatch):
    write_brief_base(project)
    monkeypatch.setattr(brief_module, "MAX_CLAIMS", 2)
    monkeypatch.setattr(brief_module, "MAX_QUESTIONS", 1)
    claim = project.evidence / "claims" / "effect-unknown.yaml"
    claim.write_text(claim.read_text(encoding="utf-8") + "headline: true\n", encoding="utf-8")
    sha = project.archive_file("third.txt", "A third report found boards slow to change anything at all.\n")
    project.write("source", "third-report", f"""
        id: third-report
        title: A third report left out of the brief
        authors: []
        date: 2016
        type: news-report
        archive:
          file: third.txt
          sha256: {sha}
    """)
    project.write("claim", "boards-slow", """
        id: boards-slow
        key_message: Boards may be slow to change.
        statement: Boards are slow to change.
        themes: [autonomy]
        certainty: low
        certainty_rationale: One news report.
        evidence:
          - source: third-report
            quote: boards slow to change anything
            stance: supports
    """)
    graph = build_graph(load_evidence(project.evidence))
    assert "third-report" in graph.sources and "boards-slow" in graph.claims
    html = unescape(brief_html(graph, INFO))
    assert f"This brief keeps to 1 of the synthesis's {len(graph.claims)} claims (its headline findings)" in html
    assert f"1 of its {len(graph.questions)} open questions" in html
    assert "Everything is on the site: https://example.org/synthesis/" in html
    assert "The effect on patients may not be known yet." in html
    assert "Board members probably see their boards" not in html  # not a headline
    cited = {e.source for e in graph.claims["effect-unknown"].evidence}
    cited |= {m.source for r in graph.recommendations.values() for m in r.made_in}
    references = html[html.index('<section class="references">'):]
    for source in graph.sources.values():  # only the sources the brief cites
        assert (source.title in references) == (source.id in cited), source.id


def test_a_brief_that_shortens_only_the_recommendations_says_only_that(project, monkeypatch):
    write_brief_base(project)
    monkeypatch.setattr(brief_module, "MAX_RECOMMENDATIONS", 1)
    graph = build_graph(load_evidence(project.evidence))
    html = unescape(brief_html(graph, INFO))
    assert f"This brief keeps to the 1 best-founded of its {len(graph.recommendations)} recommendations," in html
    assert "claims (" not in html


def _counting_layouts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every page WeasyPrint is asked to lay out, from now on."""
    import build_tools.site.pdf as pdf

    laid_out: list[str] = []
    real = pdf.write_pdf

    def counted(page: str, stylesheet: str) -> bytes:
        laid_out.append(page)
        return real(page, stylesheet)

    monkeypatch.setattr(pdf, "write_pdf", counted)
    return laid_out


def test_a_brief_made_before_from_the_same_page_is_taken_from_the_store(base, tmp_path, monkeypatch):
    from build_tools.engine.cache import SignedFiles

    graph, citations, _ = base
    info = INFO
    store, laid_out = SignedFiles(tmp_path / "brief"), _counting_layouts(monkeypatch)
    first = brief_pdf(graph, info, citations, store=store)
    again = brief_pdf(graph, info, citations, store=store)
    assert again == first and len(laid_out) == 1
    later = SiteInfo(info.name, date=datetime.date(2031, 1, 2))  # another page: laid out again
    assert brief_pdf(graph, later, citations, store=store) != first and len(laid_out) == 2
    for _ in range(6):  # the store keeps its newest few
        brief_pdf(graph, SiteInfo(info.name, date=datetime.date(2031, 1, 3 + _)), citations, store=store)
    assert len(list((tmp_path / "brief").iterdir())) == store.keep


def test_a_brief_planted_in_the_store_by_someone_else_is_never_published(base, tmp_path, monkeypatch):
    """The store sits in the working tree, where a pull request could add files: only this user's signed ones
    are taken."""
    from build_tools.engine.cache import SignedFiles

    graph, citations, _ = base
    info = INFO
    store = SignedFiles(tmp_path / "brief")
    genuine = brief_pdf(graph, info, citations, store=store)
    (name,) = [p.name for p in (tmp_path / "brief").iterdir()]
    (tmp_path / "brief" / name).write_bytes(b"%PDF-1.7 planted")
    laid_out = _counting_layouts(monkeypatch)
    assert brief_pdf(graph, info, citations, store=store) == genuine and len(laid_out) == 1


def test_a_store_that_cannot_be_written_costs_time_never_the_brief(base, tmp_path):
    from build_tools.engine.cache import SignedFiles

    graph, citations, _ = base
    info = INFO
    (tmp_path / "brief").write_text("a file where the folder should be", encoding="utf-8")
    made = brief_pdf(graph, info, citations, store=SignedFiles(tmp_path / "brief"))
    assert made.startswith(b"%PDF")


def test_a_store_planted_as_a_link_is_neither_written_through_nor_cleaned_up(base, tmp_path):
    """A pull request can commit ``.cache/brief`` as a symbolic link, or a file of the store as a pipe: the build
    must not write, delete or block through them."""
    import os

    from build_tools.engine.cache import SignedFiles

    graph, citations, _ = base
    victim = tmp_path / "victim"
    victim.mkdir()
    for number in range(7):
        (victim / f"file{number}").write_text("keep me", encoding="utf-8")
    (tmp_path / "project" / ".cache").mkdir(parents=True)
    (tmp_path / "project" / ".cache" / "brief").symlink_to(victim)
    made = brief_pdf(graph, INFO, citations, store=SignedFiles(tmp_path / "project" / ".cache" / "brief"))
    assert made.startswith(b"%PDF") and sorted(p.name for p in victim.iterdir()) == [f"file{n}" for n in range(7)]

    store = SignedFiles(tmp_path / "store")
    brief_pdf(graph, INFO, citations, store=store)
    (name,) = [p.name for p in (tmp_path / "store").iterdir()]
    (tmp_path / "store" / name).unlink()
    os.mkfifo(tmp_path / "store" / name)  # a read would wait for a writer for ever
    assert brief_pdf(graph, INFO, citations, store=store).startswith(b"%PDF")
    (tmp_path / "store" / "notes.txt").write_text("not the store's", encoding="utf-8")
    for day in range(1, 7):
        brief_pdf(graph, SiteInfo(INFO.name, date=datetime.date(2031, 2, day)), citations, store=store)
    assert (tmp_path / "store" / "notes.txt").exists()
