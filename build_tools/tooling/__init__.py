"""Developer tooling: ``bench`` (and its ``synthetic`` bases), ``check``, ``links``, ``scaffold`` (``new``, ``schema``).

May import: ``build_tools.engine`` and ``build_tools.site``; MkDocs only to read ``mkdocs.yml``.
Imported by nothing but the command line (``build_tools.adapters.cli``).
"""
