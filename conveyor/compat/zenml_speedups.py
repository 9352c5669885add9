"""Work ZenML 0.98 repeats on every artifact it stores, done once per process instead.

When ZenML stores an artifact it records where the artifact's data type and materializer come from. For a
class from an installed package (a pandas DataFrame, a scikit-learn Pipeline, ZenML's own materializers)
it asks which distribution ships the module, through ``importlib.metadata.packages_distributions()``. That
function reads the file list of every installed distribution, about a second in Conveyor's environment, and
ZenML calls it afresh each time: 11 times in one training run, about 7 of its 25 seconds (``run.py --pipeline
training --no-cache``; cProfile counted 11.4 s of 37.7). The installed distributions do not change while a pipeline
runs, so ``remember_package_lookups`` makes ZenML read them once per process.

It replaces ``zenml.utils.source_utils._get_package_for_module``, a private function: re-check on any
ZenML upgrade (tests/unit/test_zenml_speedups.py fails if it is gone). Only processes that launch through
``run.py`` get it; steps that an orchestrator runs in their own containers look packages up as ZenML does.
"""

from __future__ import annotations

import functools
from importlib.metadata import packages_distributions


@functools.cache
def _installed_packages() -> dict[str, list[str]]:
    return packages_distributions()


def _get_package_for_module(module_name: str) -> str | None:
    """ZenML's own rule (the one distribution that ships the top-level module, else None), on a cached map."""
    names = _installed_packages().get(module_name.split(".", maxsplit=1)[0], [])
    return names[0] if len(names) == 1 else None


def remember_package_lookups() -> None:
    """Make ZenML read the installed distributions once per process (idempotent)."""
    from zenml.utils import source_utils

    source_utils._get_package_for_module = _get_package_for_module
