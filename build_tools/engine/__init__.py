"""The engine: YAML records into typed records, findings and a graph of indexes.

``load`` (files → records that remember file, line and column) → ``validate`` (findings, never
exceptions) → ``graph`` (every index, computed once); ``history`` reads git, ``cache`` keeps
what the last run learnt, ``quotes`` matches quotes, ``workers`` spreads work over the CPUs;
``revisions`` reads the records of a commit without checking it out, and ``evidence_diff``
compares two revisions as evidence.

May import: the standard library, PyYAML, pydantic, and other engine modules.
Never: Jinja, Markdown, MkDocs, or ``build_tools.site`` / ``adapters`` / ``tooling``.
"""
