"""The site: the graph into pages and downloads. Pure functions of the graph, its history and ``SiteInfo``.

``render`` and ``templates/`` make the pages; ``citations``, ``exports`` and
``structured_data`` the references, downloads and JSON-LD; ``brief`` the printable
brief (a PDF, by WeasyPrint); ``charts`` the SVG
charts; ``xrefs`` resolves ``[](kind:id)`` links in hand-written pages;
``external_links`` marks links that leave the site; ``diff_report`` writes the evidence
diff (``engine.evidence_diff``) as Markdown for a pull-request comment, text and JSON.

May import: ``build_tools.engine``, Jinja, MarkupSafe, Python-Markdown, the citation libraries, WeasyPrint.
Never: MkDocs, or ``build_tools.adapters`` / ``tooling``.
"""
