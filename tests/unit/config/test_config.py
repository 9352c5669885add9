"""Run-config validation: every bad key is named with its file before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conveyor.config import TrainingConfig, load_run_config
from conveyor.errors import ConfigError
from conveyor.platform.paths import project_root

DEFAULT = project_root() / "configs/training.yaml"


def _write(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load(DEFAULT.read_text())
    mutate(raw)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    "config",
    [
        "configs/training.yaml",
        "configs/training_iris.yaml",
        "configs/training_regression.yaml",
        "configs/training_xgboost.yaml",
    ],
)
def test_shipped_configs_are_valid(config: str) -> None:
    assert load_run_config(project_root() / config, TrainingConfig).parameters.candidates


@pytest.mark.parametrize(
    ("mutate", "key", "words"),
    [
        (lambda r: r.update(enable_cachee=True), "enable_cachee", "did you mean 'enable_cache'"),
        (lambda r: r["parameters"]["split"].update(test_sizee=0.2), "parameters.split.test_sizee", "unknown key"),
        (lambda r: r["parameters"].update(seed="forty-two"), "parameters.seed", "integer"),
        (lambda r: r["parameters"].pop("target"), "parameters.target", "required key is missing"),
        (lambda r: r["parameters"]["selection"].update(metric="auc"), "parameters.selection.metric", "roc_auc"),
        (
            lambda r: r["parameters"]["candidates"]["random_forest"]["search"].update(n_estimatorz=[10]),
            "parameters.candidates.random_forest.search.n_estimatorz",
            "did you mean 'n_estimators'",
        ),
        (lambda r: r["parameters"]["data"].update(name="iris"), "parameters.data", "does not use 'name'"),
        (lambda r: r["parameters"]["split"].update(test_size=1.5), "parameters.split.test_size", "less than 1"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, mutate, key: str, words: str) -> None:
    path = _write(tmp_path, mutate)
    with pytest.raises(ConfigError) as failure:
        load_run_config(path, TrainingConfig)
    message = str(failure.value)
    assert str(path) in message
    assert f"{key}:" in message
    assert words in message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    def mutate(raw: dict) -> None:
        raw["parameters"]["split"]["stratifyy"] = True
        raw["parameters"]["selection"]["cv_folds"] = 1

    with pytest.raises(ConfigError) as failure:
        load_run_config(_write(tmp_path, mutate), TrainingConfig)
    assert len(failure.value.problems) == 2


def test_overrides_apply_with_and_without_the_parameters_prefix() -> None:
    config = load_run_config(
        DEFAULT, TrainingConfig, ["seed=7", "parameters.split.test_size=0.3", "enable_cache=false"]
    )
    assert config.parameters.seed == 7
    assert config.parameters.split.test_size == 0.3
    assert config.enable_cache is False


def test_override_of_an_unknown_key_fails_like_the_file_would() -> None:
    with pytest.raises(ConfigError, match="parameters.split.test_sise: unknown key"):
        load_run_config(DEFAULT, TrainingConfig, ["split.test_sise=0.3"])


def test_missing_file_and_broken_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_run_config(tmp_path / "nope.yaml", TrainingConfig)
    broken = tmp_path / "broken.yaml"
    broken.write_text("parameters: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_run_config(broken, TrainingConfig)


def test_a_candidate_is_dropped_with_null() -> None:
    config = load_run_config(DEFAULT, TrainingConfig, ["candidates.random_forest=null"])
    assert "random_forest" not in config.parameters.candidates
    assert "logistic_regression" in config.parameters.candidates
