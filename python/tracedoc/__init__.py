"""tracedoc's Python side: where the `tracedoc` binary of this environment is.

The binary is the program (installed by the same wheel into the
environment's scripts folder); this package only carries the MkDocs plugin
(`tracedoc.plugin`) and the lookup below.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

__all__ = ["find_binary", "BinaryNotFound"]


class BinaryNotFound(RuntimeError):
    """No `tracedoc` binary next to this Python nor on PATH."""


def find_binary() -> str:
    """The `tracedoc` binary to run: `$TRACEDOC` when set, else the one in
    this environment's scripts folder (beside `sys.executable`, where pip put
    it), else the first on PATH."""
    explicit = os.environ.get("TRACEDOC")
    if explicit:
        if Path(explicit).is_file():
            return explicit
        raise BinaryNotFound(f"$TRACEDOC names {explicit!r}, which is not a file")
    name = "tracedoc.exe" if os.name == "nt" else "tracedoc"
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("tracedoc")
    if found:
        return found
    raise BinaryNotFound(
        f"the tracedoc binary is neither beside {sys.executable} nor on PATH: "
        "install it into this environment with `pip install tracedoc` "
        "(the wheel carries it), or `cargo install --path .` from a checkout, "
        "or set $TRACEDOC to its path"
    )
