"""The cached package lookup gives ZenML's own answers, and ZenML still has the function it replaces."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from zenml.utils import source_utils

from conveyor import zenml_speedups

MODULES = [
    "pandas.core.frame",
    "sklearn.pipeline",
    "zenml.materializers.built_in_materializer",
    "numpy",
    "json",
    "conveyor.models",
    "no_such_module_anywhere",
]


@pytest.fixture
def zenml_lookup() -> Iterator[object]:
    original = source_utils._get_package_for_module
    yield original
    source_utils._get_package_for_module = original


def test_the_cached_lookup_agrees_with_zenml_for_every_kind_of_module(zenml_lookup: object) -> None:
    assert getattr(zenml_lookup, "__module__", None) == "zenml.utils.source_utils", "ZenML's lookup moved: re-check"
    for module in MODULES:
        assert zenml_speedups._get_package_for_module(module) == zenml_lookup(module), module  # type: ignore[operator]


def test_remember_package_lookups_makes_zenml_resolve_sources_with_it(zenml_lookup: object) -> None:
    import pandas as pd

    zenml_speedups.remember_package_lookups()
    zenml_speedups.remember_package_lookups()  # idempotent
    assert source_utils._get_package_for_module is zenml_speedups._get_package_for_module
    source = source_utils.resolve(pd.DataFrame)
    assert source.package_name == "pandas"
    assert source.import_path == "pandas.core.frame.DataFrame"
