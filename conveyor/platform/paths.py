"""Where the project lives and where it keeps its local state."""

from __future__ import annotations

import os
from pathlib import Path

from conveyor.names import STATE_DIR

_ROOT = Path(__file__).resolve().parents[2]


def project_root() -> Path:
    """The project's root directory (the one with run.py)."""
    return _ROOT


def resolve_path(path: str | Path) -> Path:
    """A local project file from a config (a run config, the service's own log): absolute, or under the root.

    Data paths go through ``conveyor.platform.storage.locate``, which also takes URIs and uses this for local paths.
    """
    candidate = Path(path)
    return candidate if candidate.is_absolute() else project_root() / candidate


def state_dir() -> Path:
    """The local state directory; ``CONVEYOR_STATE_DIR`` moves it (tests use a temporary one)."""
    return Path(os.environ.get("CONVEYOR_STATE_DIR", project_root() / STATE_DIR)).resolve()
