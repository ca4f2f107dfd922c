"""The printable brief, ``downloads/brief.pdf``: the synthesis on A4 pages, for readers who print or file it.

A title page (name, scope, years of publication, build date, counts), the key messages by certainty, the
summary of findings as a table, the recommendations, the open questions and the references, in the site's
citation style. HTML written by an autoescaped Jinja template (``templates/brief.html.j2``, styled by
``templates/brief.css``), laid out by WeasyPrint: record text is only ever a value escaped into that HTML,
never markup or template source.

Nothing is fetched while the PDF is made: the fonts are the machine's (fontconfig), and the URL fetcher
refuses every address but ``data:`` and files of the templates folder, failing the build rather than
leaving something out (:class:`~build_tools.site.pdf.LocalOnlyFetcher`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from build_tools.engine.cache import SignedFiles
from build_tools.engine.graph import Graph
from build_tools.engine.model import CERTAINTY_ORDER, OPEN_IN_ORDER, Claim, Question, Source
from build_tools.site.citations import Citations, plain
from build_tools.site.exports import Download
from build_tools.site.info import SiteInfo
from build_tools.site.render.home import publication_span
from build_tools.site.render.markup import reference_html, text
from build_tools.site.render.records import best_founded_first, weakest_certainty
from build_tools.site.render.renderer import TEMPLATES
from build_tools.site.render.summary import finding_groups

BRIEF_NAME = "brief.pdf"
TEMPLATE = "brief.html.j2"
STYLESHEET = TEMPLATES / "brief.css"
MAX_CLAIMS = 80
MAX_RECOMMENDATIONS = 40
MAX_QUESTIONS = 40
"""A brief stays brief: beyond these, it keeps the headline claims (or the most certain), the best-founded
recommendations and the first questions, says how many it leaves out, and sends readers to the site for the rest.
WeasyPrint lays out about ten pages a second, so this also keeps the build's cost flat as a synthesis grows."""
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}
"""Hosts of a preview's ``site_url`` (mkdocs.yml's default), which a printed brief should not send readers to."""


@cache
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["text"] = text
    return env


def _long_date(day: _dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _public_address(url: str) -> str:
    """The site's address, unless it is a preview's (a loopback host): a printed brief cannot point there."""
    host = urlsplit(url).hostname or ""
    return "" if not url or host in LOCAL_HOSTS else url


def brief_html(graph: Graph, info: SiteInfo, citations: Citations | None = None) -> str:
    """The brief as HTML, every piece of record text escaped (the input of :func:`brief_pdf`)."""
    citations = citations or Citations(graph, info)
    claims = sorted(_claims_shown(graph), key=lambda c: c.title_text.lower())
    recommendations = best_founded_first(graph, graph.recommendations.values())[:MAX_RECOMMENDATIONS]
    questions: list[Question] = sorted(graph.questions.values(), key=lambda q: q.question.lower())[:MAX_QUESTIONS]
    cited = {e.source for c in claims for e in c.evidence} | {m.source for r in recommendations for m in r.made_in}
    sources: list[Source] = sorted((s for s in graph.sources.values() if s.id in cited),
                                   key=lambda s: (plain(citations.reference(s)).casefold(), s.id))
    return _environment().get_template(TEMPLATE).render(
        info=info, graph=graph,
        built=_long_date(info.date) if info.date else "",
        address=_public_address(info.url),
        published=publication_span(list(graph.sources.values())),
        counts={"sources": len(graph.sources), "studies": len(graph.studies), "claims": len(graph.claims)},
        levels=[(level, [c for c in claims if c.certainty is level]) for level in CERTAINTY_ORDER],
        groups=finding_groups(graph, claims),
        recommendations=[(r, weakest_certainty(graph, r.claims), sum(graph.certainty_spread(r.claims).values()))
                         for r in recommendations],
        left_out={"claims": len(graph.claims) - len(claims)},
        kept=_what_is_kept(graph, len(claims), len(recommendations), len(questions)),
        open_in=[(where, [q for q in questions if q.open_in is where]) for where in OPEN_IN_ORDER],
        other_questions=[q for q in questions if q.open_in is None],
        references=[_reference(citations, source) for source in sources],
        contested=graph.is_contested, qualified=graph.is_qualified,
    )


def _what_is_kept(graph: Graph, claims: int, recommendations: int, questions: int) -> list[str]:
    """What the brief keeps of what it shortens: "3 of the synthesis's 500 claims (its headline findings)"…"""
    kept = []
    if claims < len(graph.claims):
        which = "its headline findings" if any(c.headline for c in graph.claims.values()) else "the most certain"
        kept.append(f"{claims} of the synthesis's {len(graph.claims)} claims ({which})")
    if recommendations < len(graph.recommendations):
        kept.append(f"the {recommendations} best-founded of its {len(graph.recommendations)} recommendations")
    if questions < len(graph.questions):
        kept.append(f"{questions} of its {len(graph.questions)} open questions")
    return kept


def _claims_shown(graph: Graph) -> list[Claim]:
    """Every claim, or beyond :data:`MAX_CLAIMS` the headline claims (the most certain first), else the most
    certain claims."""
    claims = list(graph.claims.values())
    if len(claims) <= MAX_CLAIMS:
        return claims
    by_certainty = sorted(claims, key=lambda c: (CERTAINTY_ORDER.index(c.certainty), c.title_text.lower()))
    headline = [c for c in by_certainty if c.headline]
    return (headline or by_certainty)[:MAX_CLAIMS]


def _reference(citations: Citations, source: Source) -> Markup:
    """The source's formatted reference, as on the site, its address (DOI or URL) a link."""
    addresses = [a for a in (f"https://doi.org/{source.doi}" if source.doi else None, source.url) if a]
    return reference_html(citations.reference(source), addresses)


_LAYOUT_CODE = (*(metadata.version(name) for name in ("weasyprint", "pydyf", "fonttools", "tinycss2")),
                (Path(__file__).parent / "pdf.py").read_text(encoding="utf-8"))
"""What lays a brief out besides its page and stylesheet, part of the name it is kept under: the libraries'
versions and the code that calls them (the fonts installed are not: after changing them, empty ``.cache/brief``)."""


def brief_pdf(graph: Graph, info: SiteInfo, citations: Citations | None = None,
              store: SignedFiles | None = None) -> bytes:
    """The brief as a PDF (A4, numbered pages, selectable text). With ``store``, a PDF made earlier from the same
    page, stylesheet and WeasyPrint is taken from it instead of laid out again (a second or more, and 0.4 s to
    import WeasyPrint)."""
    page, stylesheet = brief_html(graph, info, citations), STYLESHEET.read_text(encoding="utf-8")
    name = hashlib.sha256("\0".join((*_LAYOUT_CODE, stylesheet, page)).encode()).hexdigest() + ".pdf"
    kept = store.get(name) if store is not None else None
    if kept is not None:
        return kept
    from build_tools.site.pdf import write_pdf  # WeasyPrint takes 0.4 s to import: only where a PDF is made

    made = write_pdf(page, stylesheet)
    if store is not None:
        store.put(name, made)
    return made


def brief_download(graph: Graph, info: SiteInfo, citations: Citations | None = None,
                   store: SignedFiles | None = None) -> Download:
    return Download(BRIEF_NAME, "Printable brief",
                    "The synthesis on A4 pages, to print or file: what it covers, the key messages by certainty, "
                    "the summary of findings, the recommendations, the open questions and the references. PDF.",
                    brief_pdf(graph, info, citations, store))
