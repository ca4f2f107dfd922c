"""The MkDocs plugin (``evidence`` in ``mkdocs.yml``), also run unchanged by ProperDocs.

Only this package imports MkDocs.
"""
