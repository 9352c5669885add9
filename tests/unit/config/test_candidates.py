"""Candidates by family or import path, and the task: checked before any step, errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conveyor.config import TrainingConfig, load_run_config
from conveyor.errors import ConfigError
from conveyor.platform.paths import project_root

DEFAULT = project_root() / "configs/training.yaml"


def _load(tmp_path: Path, mutate) -> TrainingConfig:
    raw = yaml.safe_load(DEFAULT.read_text())
    mutate(raw["parameters"])
    path = tmp_path / "candidates.yaml"
    path.write_text(yaml.safe_dump(raw))
    return load_run_config(path, TrainingConfig)


def _problems(tmp_path: Path, mutate) -> list[str]:
    with pytest.raises(ConfigError) as failure:
        _load(tmp_path, mutate)
    assert str(tmp_path / "candidates.yaml") in str(failure.value)
    return failure.value.problems


def _only(candidate: dict):
    return lambda p: p.update(candidates={"mine": candidate})


@pytest.mark.parametrize(
    ("candidate", "key", "words"),
    [
        (
            {"estimator": "sklearn.ensemble.ExtraTreesClasifier"},
            "parameters.candidates.mine.estimator",
            "did you mean 'ExtraTreesClassifier'",
        ),
        ({"estimator": "sklearn.ensembel.ExtraTreesClassifier"}, "parameters.candidates.mine.estimator", "ensemble"),
        (
            {"estimator": "sklearn.ensemble.ExtraTreesRegressor"},
            "parameters.candidates.mine.estimator",
            "is a regressor, but parameters.task is classification",
        ),
        (
            {"estimator": "sklearn.ensemble.ExtraTreesClassifier", "params": {"n_estimatorz": 10}},
            "parameters.candidates.mine.params.n_estimatorz",
            "did you mean 'n_estimators'",
        ),
        (
            {"family": "random_forest", "search": {"max_dept": [2]}},
            "parameters.candidates.mine.search.max_dept",
            "did you mean 'max_depth'",
        ),
        ({"family": "random_forest", "estimator": "x.Y"}, "parameters.candidates.mine", "exactly one of"),
        (
            {"family": "xgboost", "search": {"max_depth": {"low": 2, "high": 8, "int": True}}},
            "parameters.candidates.mine",
            "needs 'n_iter'",
        ),
    ],
)
def test_a_bad_candidate_is_refused_naming_its_key(tmp_path: Path, candidate: dict, key: str, words: str) -> None:
    problems = _problems(tmp_path, _only(candidate))
    assert any(p.startswith(f"{key}:") and words in p for p in problems), problems


def test_a_family_that_does_not_do_the_task_is_refused(tmp_path: Path) -> None:
    def regression(p: dict) -> None:
        p.update(task="regression", selection={"metric": "rmse"}, gate={"min_improvement": 0.0})
        p["split"].pop("stratify")
        p["candidates"] = {"linear": {"family": "logistic_regression"}}

    problems = _problems(tmp_path, regression)
    assert any(p.startswith("parameters.candidates.linear.family:") and "does not do regression" in p for p in problems)


def test_metrics_and_stratification_follow_the_task(tmp_path: Path) -> None:
    def regression(p: dict) -> None:
        p.update(task="regression")
        p["candidates"] = {"forest": {"family": "random_forest"}}

    problems = _problems(tmp_path, regression)
    assert any(p.startswith("parameters.selection.metric:") and "rmse" in p for p in problems)
    assert any(p.startswith("parameters.gate.limits.roc_auc:") for p in problems)
    assert any(p.startswith("parameters.split.stratify:") for p in problems)


def test_import_path_candidates_with_ranges_and_params_load(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        _only(
            {
                "estimator": "sklearn.ensemble.ExtraTreesClassifier",
                "params": {"class_weight": "balanced"},
                "n_iter": 3,
                "search": {"max_depth": {"low": 2, "high": 64, "int": True}, "max_features": [0.5, 1.0]},
            }
        ),
    )
    candidate = config.parameters.candidates["mine"]
    assert candidate.params == {"class_weight": "balanced"}
    assert candidate.search["max_depth"].int_ is True


def test_validation_and_split_may_be_left_out(tmp_path: Path) -> None:
    def bare(p: dict) -> None:
        p.pop("validation")
        p.pop("split")

    params = _load(tmp_path, bare).parameters
    assert params.validation.min_rows > 0 and 0 < params.validation.max_missing < 1
    assert params.stratify is True  # classification stratifies unless told otherwise
