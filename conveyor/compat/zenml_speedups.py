"""ZenML's package lookup, answered from one read of the installed distributions per process.

When ZenML stores an artifact it records which distribution ships the module of the artifact's type and
materializer, and it reads ``importlib.metadata.packages_distributions()`` (every installed distribution's
file list) afresh for each lookup. The installed distributions do not change while a pipeline runs.

Contract: ``remember_package_lookups()`` makes ZenML answer with ``package_for_module``, which gives ZenML's
own answer (the one distribution that ships the top-level module, else None) from a map read once. Outside
the ZenML versions it was written for (``ZENML_PACKAGE_LOOKUP`` in patches.py) it warns and leaves ZenML as
it is. Only processes that launch through ``run.py`` get it; steps that an orchestrator runs in their own
containers look packages up as ZenML does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib.metadata import packages_distributions

from conveyor.compat.patches import ZENML_PACKAGE_LOOKUP

_zenml_own: list[Callable[[str], str | None]] = []  # ZenML's own lookup, kept while ours replaces it


@functools.cache
def _installed_packages() -> dict[str, list[str]]:
    return packages_distributions()


def package_for_module(module_name: str) -> str | None:
    """ZenML's rule (the one distribution that ships the top-level module, else None), on a cached map."""
    names = _installed_packages().get(module_name.split(".", maxsplit=1)[0], [])
    return names[0] if len(names) == 1 else None


def zenml_lookup() -> Callable[[str], str | None]:
    """The function ZenML looks a module's distribution up with now: its own, or ``package_for_module``."""
    from zenml.utils import source_utils

    return source_utils._get_package_for_module


def remember_package_lookups() -> None:
    """Make ZenML read the installed distributions once per process (idempotent; skipped outside its versions)."""
    if not ZENML_PACKAGE_LOOKUP.check():
        return
    from zenml.utils import source_utils

    if not _zenml_own:
        _zenml_own.append(source_utils._get_package_for_module)
    source_utils._get_package_for_module = package_for_module


def forget_package_lookups() -> None:
    """Give ZenML its own lookup back (nothing to do if ``remember_package_lookups`` did not replace it)."""
    from zenml.utils import source_utils

    if _zenml_own:
        source_utils._get_package_for_module = _zenml_own.pop()
