"""Where the project lives and where it keeps its local state."""

from __future__ import annotations

import os
from pathlib import Path

from conveyor.constants import STATE_DIR

_ROOT = Path(__file__).resolve().parent.parent


def project_root() -> Path:
    """The project's root directory (the one with run.py)."""
    return _ROOT


def state_dir() -> Path:
    """The local state directory; ``CONVEYOR_STATE_DIR`` moves it (tests use a temporary one)."""
    return Path(os.environ.get("CONVEYOR_STATE_DIR", project_root() / STATE_DIR)).resolve()
