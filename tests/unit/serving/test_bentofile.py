"""bentofile.yaml builds offline and ships the same pinned packages as pyproject.toml."""

from __future__ import annotations

import tomllib

import pytest
import yaml

from conveyor.platform.paths import project_root


def test_bentofile_builds_offline_with_the_project_pins() -> None:
    bentofile = yaml.safe_load((project_root() / "bentofile.yaml").read_text())
    pyproject = tomllib.loads((project_root() / "pyproject.toml").read_text())
    assert bentofile["service"] == "service:Conveyor"
    assert bentofile["python"]["lock_packages"] is False
    pins = {d.split("==")[0].split("[")[0]: d for d in pyproject["project"]["dependencies"] if "==" in d}
    for package in bentofile["python"]["packages"]:
        name = package.split("==")[0]
        if name in pins:
            assert pins[name].replace(name, "", 1).split(" ")[0] == package.replace(name, "", 1), package


def _pins() -> dict[str, str]:
    pyproject = tomllib.loads((project_root() / "pyproject.toml").read_text())
    return {d.split("==")[0].split("[")[0]: d.split(" ")[0] for d in pyproject["project"]["dependencies"] if "==" in d}


@pytest.mark.parametrize("family", ["xgboost", "lightgbm", "random_forest"])
def test_a_champion_adds_its_estimators_package_pinned_as_in_pyproject(family: str) -> None:
    """bentofile.yaml holds scikit-learn's stack; the deployment adds the model's own library per Bento."""
    from conveyor.config import Features
    from conveyor.training.models import build_pipeline, requirements_of

    bentofile = yaml.safe_load((project_root() / "bentofile.yaml").read_text())
    pipeline = build_pipeline(family, Features(numeric=["x"]), seed=1, task="regression")
    added = requirements_of(pipeline)
    assert added == ([] if family == "random_forest" else [_pins()[added[0].split("==")[0]]])
    assert not {p.split("==")[0] for p in added} & {p.split("==")[0] for p in bentofile["python"]["packages"]}


def test_the_served_model_records_its_packages_and_an_older_pickled_one_is_refused() -> None:
    import bentoml
    import pandas as pd

    from conveyor.config import Features
    from conveyor.errors import ServingError
    from conveyor.serving.bento_model import model_requirements, save_served_model
    from conveyor.training.models import build_pipeline

    frame = pd.DataFrame({"x": [float(i) for i in range(20)], "y": [float(i % 5) for i in range(20)]})
    pipeline = build_pipeline("lightgbm", Features(numeric=["x"]), seed=1, task="regression").fit(frame[["x"]], frame.y)
    save_served_model("unit-lightgbm:v1", pipeline, {}, "", {"registry_model": "unit", "registry_version": "1"})
    assert model_requirements("unit-lightgbm:v1") == [_pins()["lightgbm"]]
    bentoml.sklearn.save_model("unit-lightgbm:v0", pipeline)  # imported by an earlier Conveyor: a pickle
    with pytest.raises(ServingError, match=r"unit-lightgbm:v0 .* a pickle .* `bentoml models delete unit-lightgbm:v0"):
        model_requirements("unit-lightgbm:v0")


def test_the_bento_takes_the_project_sources_and_nothing_from_the_state_or_the_venv() -> None:
    from conveyor.compat.bento_private import bento_path_spec  # what `bentoml build` matches paths with

    bentofile = yaml.safe_load((project_root() / "bentofile.yaml").read_text())
    spec = bento_path_spec(bentofile["include"], bentofile["exclude"], str(project_root()))
    for path in ("service.py", "conveyor/cli.py", "conveyor/training/data/__init__.py", "configs/deployment.yaml"):
        assert spec.includes(path), path
    for path in (
        ".conveyor/bentoml/tmp/bentoml_bento_conveyor_x/src/service.py",  # the build's own copy: it recursed
        ".conveyor/bentoml/bentos/conveyor/v1-abc/src/service.py",
        ".venv/lib/python3.11/site-packages/zenml/services/service.py",
        "tests/interface/service.py",
        "conveyor/__pycache__/cli.cpython-311.pyc",
        "configs/training.yaml",
    ):
        assert not spec.includes(path), path
