"""Developer tooling: ``bench`` (and its ``synthetic`` bases), ``check``, ``links``, ``scaffold`` (``new``, ``schema``).

May import: ``build_tools.engine``, ``build_tools.site`` and ``build_tools.adapters`` (tools use the whole product).
Imported by nothing but the command line (``build_tools.adapters.cli``).
"""
