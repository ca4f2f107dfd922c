"""Structured data: a JSON-LD (schema.org) description of each record page, for search engines and
citation tools. Pure functions of the graph.

Sources are ``ScholarlyArticle``, ``NewsArticle``, ``Article``, ``Report`` or ``CreativeWork`` by
type; claims are ``Claim``s that cite their sources; the home page describes the synthesis as a
``Dataset`` with its downloads. Only what the records say is stated: a name printed
"Family, Given" is a ``Person``; any other name stays plain text, since it may be an organisation.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from build_tools.engine.graph import Graph
from build_tools.engine.model import Claim, Source, SourceType
from build_tools.site.citations import Citations, split_name
from build_tools.site.exports import Download
from build_tools.site.info import SiteInfo
from build_tools.site.render import page_uri

SCHEMA_TYPES: dict[SourceType, str] = {
    SourceType.peer_reviewed_article: "ScholarlyArticle",
    SourceType.research_report: "ScholarlyArticle",
    SourceType.abstract: "ScholarlyArticle",
    SourceType.news_report: "NewsArticle",
    SourceType.practitioner_article: "Article",
    SourceType.opinion_piece: "Article",
    SourceType.policy_document: "Report",
    SourceType.other: "CreativeWork",
}


def script(data: dict[str, Any]) -> str:
    """A ``<script type="application/ld+json">`` element that record text cannot break out of:
    ``<``, ``>`` and ``&`` are written as JSON escapes, so ``</script>`` or ``<!--`` never appear."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'<script type="application/ld+json">{text}</script>'


def _person(name: str) -> dict[str, str] | str:
    parts = split_name(name)
    if parts is None:
        return " ".join(name.split())
    return {"@type": "Person", "name": f"{parts[1]} {parts[0]}", "familyName": parts[0], "givenName": parts[1]}


def source_data(source: Source, info: SiteInfo) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": SCHEMA_TYPES[source.type], "@id": info.permalink("source", source.id),
                            "name": source.title, "headline": source.title[:110]}
    if source.authors:
        data["author"] = [_person(a) for a in source.authors]
    if source.date:
        data["datePublished"] = source.date
    if source.outlet:
        data["isPartOf"] = source.outlet
    if source.publisher:
        data["publisher"] = source.publisher
    if source.url:
        data["url"] = source.url
    if source.doi:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": source.doi}
        data["sameAs"] = f"https://doi.org/{source.doi}"
    return data


def _website(info: SiteInfo) -> dict[str, Any]:
    site: dict[str, Any] = {"@type": "WebSite", "name": info.name}
    if info.url:
        site["url"] = info.url
    return site


def claim_data(claim: Claim, graph: Graph, info: SiteInfo, updated: _dt.date | None = None) -> dict[str, Any]:
    cited = [graph.sources[s] for s in dict.fromkeys(e.source for e in claim.evidence) if s in graph.sources]
    data: dict[str, Any] = {
        "@type": "Claim", "@id": info.permalink("claim", claim.id), "url": info.permalink("claim", claim.id),
        "name": claim.title_text, "text": claim.statement, "isPartOf": _website(info),
        "citation": [source_data(s, info) for s in cited],
    }
    if updated:
        data["dateModified"] = updated.isoformat()
    return data


def home_data(graph: Graph, info: SiteInfo, downloads: list[Download] | None) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "Dataset", "name": info.name, "isPartOf": _website(info)}
    if info.description:
        data["description"] = info.description
    if info.url:
        data["url"] = info.url
    if info.author:
        data["creator"] = _person(info.author)
    if downloads:
        data["distribution"] = [
            {"@type": "DataDownload", "name": d.name, "contentUrl": info.absolute(f"downloads/{d.name}"),
             "encodingFormat": MEDIA_TYPES.get(d.name.rpartition(".")[2], "text/plain")}
            for d in downloads]
    return data


MEDIA_TYPES = {"pdf": "application/pdf", "json": "application/json", "csv": "text/csv",
               "bib": "application/x-bibtex",
               "ris": "application/x-research-info-systems"}


def structured_data(graph: Graph, info: SiteInfo, downloads: list[Download] | None = None,
                    citations: Citations | None = None) -> dict[str, str]:
    """A JSON-LD script element for each record page that has one, keyed by the page's path in the docs tree."""
    citations = citations or Citations(graph, info)
    out: dict[str, str] = {"index.md": script({"@context": "https://schema.org", **home_data(graph, info,
                                                                                              downloads)})}
    for source in graph.sources.values():
        out[page_uri("source", source.id)] = script({"@context": "https://schema.org", **source_data(source, info)})
    for claim in graph.claims.values():
        out[page_uri("claim", claim.id)] = script({"@context": "https://schema.org",
                                                   **claim_data(claim, graph, info, citations.updated(claim))})
    return out
