"""The cached package lookup gives ZenML's own answers, and ZenML still has the function it replaces."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
from zenml.utils import source_utils

from conveyor.compat import zenml_speedups
from conveyor.platform.paths import project_root

MODULES = [
    "pandas.core.frame",
    "sklearn.pipeline",
    "zenml.materializers.built_in_materializer",
    "numpy",
    "json",
    "conveyor.training.models",
    "no_such_module_anywhere",
]

# In a fresh interpreter: this one may already have launched a pipeline, which installs the replacement.
COMPARE = """
import json, sys
from conveyor.compat import zenml_speedups
zenml_own = zenml_speedups.zenml_lookup()
assert zenml_own.__module__ == "zenml.utils.source_utils", zenml_own.__module__
print(json.dumps({m: [zenml_own(m), zenml_speedups.package_for_module(m)] for m in sys.argv[1:]}))
"""


@pytest.fixture
def zenml_lookup() -> Iterator[object]:
    original = zenml_speedups.zenml_lookup()
    yield original
    zenml_speedups.forget_package_lookups()


def test_the_cached_lookup_agrees_with_zenml_for_every_kind_of_module() -> None:
    done = subprocess.run(
        [sys.executable, "-c", COMPARE, *MODULES], cwd=project_root(), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"ZenML's lookup moved or changed: re-check compat/zenml_speedups.py\n{done.stderr}"
    answers = json.loads(done.stdout.splitlines()[-1])
    assert answers["pandas.core.frame"] == ["pandas", "pandas"]
    for module, (zenml_answer, ours) in answers.items():
        assert ours == zenml_answer, module


def test_remember_package_lookups_makes_zenml_resolve_sources_with_it(zenml_lookup: object) -> None:
    import pandas as pd

    zenml_speedups.remember_package_lookups()
    zenml_speedups.remember_package_lookups()  # idempotent
    assert zenml_speedups.zenml_lookup() is zenml_speedups.package_for_module
    source = source_utils.resolve(pd.DataFrame)
    assert source.package_name == "pandas"
    assert source.import_path == "pandas.core.frame.DataFrame"
