"""How a user runs these tools, for messages that tell them what to run next."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def invocation() -> str:
    """How to run these tools again, as the user just did: `.venv/bin/python -m build_tools` in a project."""
    executable = Path(sys.executable)
    try:
        shown = os.path.relpath(executable)
    except ValueError:
        shown = str(executable)
    if shown.startswith("..") or os.path.isabs(shown):
        shown = "python"
    return f"{shown} -m build_tools"
