"""Adapters: they translate between the engine and the site on one side and a tool on the other.

- ``cli``: the command line (``python -m build_tools``);
- ``project``: the settings in ``mkdocs.yml``, read without MkDocs;
- ``mkdocs``: the plugin for MkDocs and ProperDocs;
- ``generate``: a complete docs tree that MkDocs, ProperDocs or Zensical build without the plugin.

May import: ``build_tools.engine`` and ``build_tools.site``; only ``cli`` imports ``build_tools.tooling``.
"""
