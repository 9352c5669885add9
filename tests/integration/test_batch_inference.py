"""The batch inference pipeline for real: a tiny champion scores a file with valid and invalid rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes

from conveyor.config import BatchInferenceConfig, TrainingConfig, load_run_config
from conveyor.errors import DataValidationError, NoChampionError
from conveyor.features.records import model_input
from conveyor.platform.launcher import run_pipeline
from conveyor.platform.launcher import step_output as output
from conveyor.platform.paths import project_root
from conveyor.platform.registry import get_champion, load_version
from conveyor.prediction_log.format import ID_PATTERN
from conveyor.training.data import generate_churn
from tests.conftest import TINY_TRAINING

pytestmark = pytest.mark.slow

MODEL = "t-batch-churn"


def batch_config(source: Path, target: Path, *overrides: str, model: str = MODEL) -> BatchInferenceConfig:
    return load_run_config(
        project_root() / "configs/batch_inference.yaml",
        BatchInferenceConfig,
        [f"model.name={model}", f"input.path={source}", f"output.path={target}", *overrides],
    )


@pytest.fixture(scope="module")
def champion(local_stack: str) -> str:
    config = load_run_config(
        project_root() / "configs/training.yaml", TrainingConfig, [*TINY_TRAINING, f"model.name={MODEL}"]
    )
    run_pipeline("training", config, no_cache=True)
    champion = get_champion(local_stack, MODEL)
    assert champion is not None
    return champion.version


@pytest.fixture
def batch_file(tmp_path: Path) -> Path:
    frame = generate_churn(30, seed=3).drop(columns=["churned"])
    frame.insert(0, "customer_id", [f"c{i}" for i in range(len(frame))])
    frame = frame.astype({"tenure_months": object})
    frame.loc[4, "contract"] = "lifetime"
    frame.loc[9, "tenure_months"] = "ten"
    frame.loc[17, "support_calls"] = np.nan
    path = tmp_path / "batch.csv"
    frame.to_csv(path, index=False)
    return path


def test_predictions_for_valid_rows_and_a_report_of_invalid_ones(
    champion: str, local_stack: str, batch_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "predictions.parquet"
    run = run_pipeline("batch_inference", batch_config(batch_file, target), no_cache=True)

    written = pd.read_parquet(target)
    assert written.equals(output(run, "predict_batch", "predictions"))
    assert len(written) == 27 and sorted(set(range(30)) - set(written["row"])) == [4, 9, 17]
    assert set(written["model_version"]) == {champion}
    assert written["id"].nunique() == 27 and written["id"].str.fullmatch(ID_PATTERN).all()  # one per prediction
    model = load_version(local_stack, MODEL, champion)
    expected = model.predict_proba(model_input(written, output(run, "load_batch", "reference_info").feature_schema))
    np.testing.assert_allclose(written[[f"proba_{c}" for c in model.classes_]].to_numpy(), expected)

    invalid = pd.read_parquet(tmp_path / "out" / "predictions.invalid.parquet")
    assert invalid.equals(output(run, "validate_batch", "invalid_rows"))
    problems = dict(zip(invalid["row"], invalid["problems"], strict=True))
    assert set(problems) == {4, 9, 17}
    assert "contract" in problems[4] and "tenure_months" in problems[9] and "support_calls" in problems[17]
    assert list(invalid["customer_id"]) == ["c4", "c9", "c17"]


def test_too_many_invalid_rows_stop_the_run(champion: str, batch_file: Path, tmp_path: Path) -> None:
    with pytest.raises(DataValidationError) as failure:
        run_pipeline("batch_inference", batch_config(batch_file, tmp_path / "p.csv", "max_invalid_share=0.05"), True)
    assert "3 of 30 rows" in failure.value.violations[0]
    assert not (tmp_path / "p.csv").exists()


def test_no_champion_is_a_clear_error(local_stack: str, batch_file: Path, tmp_path: Path) -> None:
    with pytest.raises(NoChampionError, match="model 't-no-such-model' has no champion"):
        run_pipeline("batch_inference", batch_config(batch_file, tmp_path / "p.csv", model="t-no-such-model"), True)


def test_a_regression_champion_writes_numbers_and_no_probabilities(local_stack: str, tmp_path: Path) -> None:
    name = "t-batch-diabetes"
    ridge = "candidates={ridge: {estimator: sklearn.linear_model.Ridge, search: {alpha: [1.0]}}}"
    training = load_run_config(
        project_root() / "configs/training_regression.yaml", TrainingConfig, [ridge, f"model.name={name}"]
    )
    run_pipeline("training", training, no_cache=True)
    rows = load_diabetes(as_frame=True).frame.drop(columns=["target"]).head(20)
    rows.loc[5, "bmi"] = np.nan  # never missing in training: invalid
    source, target = tmp_path / "patients.csv", tmp_path / "scored.csv"
    rows.to_csv(source, index=False)
    run = run_pipeline("batch_inference", batch_config(source, target, model=name), no_cache=True)

    written = pd.read_csv(target)
    assert list(written.columns) == ["row", *rows.columns, "id", "prediction", "model_version"]
    assert written["id"].astype(str).nunique() == 19
    assert len(written) == 19 and 5 not in set(written["row"])
    champion = get_champion(local_stack, name)
    assert champion is not None and set(written["model_version"].astype(str)) == {champion.version}
    model = load_version(local_stack, name, champion.version)
    schema = output(run, "load_batch", "reference_info").feature_schema
    np.testing.assert_allclose(written["prediction"], model.predict(model_input(written, schema)))
    assert list(pd.read_csv(tmp_path / "scored.invalid.csv")["row"]) == [5]
