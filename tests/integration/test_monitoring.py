"""The monitoring pipeline for real: a tiny champion, then reference-like, shifted and tiny current windows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import fsspec
import mlflow
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes
from zenml.client import Client

from conveyor.config import MonitoringConfig, TrainingConfig, load_run_config
from conveyor.errors import DriftBreachError, RetrainingError
from conveyor.monitoring.retraining import retraining_outcome
from conveyor.names import CHAMPION_ALIAS
from conveyor.platform.launcher import run_pipeline
from conveyor.platform.launcher import step_output as output
from conveyor.platform.paths import project_root
from conveyor.platform.registry import get_champion, load_version
from conveyor.prediction_log.format import new_ids
from conveyor.prediction_log.labels import LabelsLog, labels_path
from conveyor.prediction_log.writer import PredictionLogWriter
from conveyor.training.data import generate_churn
from tests.conftest import TINY_TRAINING

pytestmark = pytest.mark.slow

MODEL = "t-monitoring-churn"
SHIFTED = "current={kind: churn, rows: 400, drift: 1.0}"
# Retraining on a feature without signal gives a challenger that must not replace the champion.
WORSE = [*TINY_TRAINING, "features={numeric: [], categorical: [region]}", "validation.columns={}"]


def champion_version(uri: str) -> str:
    return str(mlflow.MlflowClient(tracking_uri=uri).get_model_version_by_alias(MODEL, CHAMPION_ALIAS).version)


def monitoring(*overrides: str) -> MonitoringConfig:
    return load_run_config(
        project_root() / "configs/monitoring.yaml",
        MonitoringConfig,
        [f"model.name={MODEL}", "thresholds.min_rows=100", "seed=7", *overrides],
    )


@pytest.fixture(scope="module")
def champion(local_stack: str) -> str:
    config = load_run_config(
        project_root() / "configs/training.yaml", TrainingConfig, [*TINY_TRAINING, f"model.name={MODEL}"]
    )
    run_pipeline("training", config, no_cache=True)
    return champion_version(local_stack)


def test_no_drift_on_a_sample_of_the_reference_distribution(champion: str, local_stack: str) -> None:
    run = run_pipeline("monitoring", monitoring("current={kind: churn, rows: 400}", "policy=fail"), no_cache=True)
    decision = output(run, "decide_drift", "drift_decision")
    assert decision["status"] == "ok" and decision["breached"] is False
    assert decision["current_rows"] == 400 and decision["reference_rows"] == 300
    # The champion's predictions on fresh rows of the same distribution look like those on its training set.
    assert decision["prediction"]["column"] == "prediction" and decision["prediction_drifted"] is False
    assert output(run, "act_on_drift", "monitoring_action")["action"] == "none"
    assert retraining_outcome(run) is None
    info = output(run, "load_reference", "reference_info")
    assert info.version == champion
    assert info.train_set_artifact_id == str(
        Client().get_model_version(MODEL, 1).run_metadata["training_data"]["train_set_artifact_id"]
    )


def test_drift_is_detected_on_a_shifted_sample_naming_the_columns(champion: str, local_stack: str) -> None:
    run = run_pipeline("monitoring", monitoring(SHIFTED, "policy=warn"), no_cache=True)
    decision = output(run, "decide_drift", "drift_decision")
    assert decision["status"] == "drift" and decision["breached"] is True
    assert {"tenure_months", "monthly_charges", "support_calls"} <= set(decision["drifted_columns"])
    assert "region" not in decision["drifted_columns"]
    scores = {c["column"]: c for c in decision["columns"]}
    assert scores["monthly_charges"]["score"] >= scores["monthly_charges"]["threshold"]
    assert output(run, "act_on_drift", "monitoring_action")["action"] == "warned"

    table = output(run, "drift_report", "drift_table").set_index("column")
    features = table[table["role"] == "feature"]
    assert set(features.index[features["drifted"]]) == set(decision["drifted_columns"])
    assert len(features) == len(decision["columns"])
    assert (table.loc["prediction", "role"], table.loc["prediction", "kind"]) == ("prediction", "categorical")
    assert bool(table.loc["prediction", "drifted"]) is decision["prediction_drifted"]
    html = output(run, "drift_report", "drift_report")  # Evidently's report, rendered from measure_drift's snapshot
    assert "<html" in html.lower()
    page = output(run, "drift_report", "drift_page")  # what the dashboard can show: no scripts
    assert "<script" not in page.lower()
    assert page.count("data:image/png;base64,") == len(decision["columns"]) + 1  # and one of the predictions
    assert f"{len(decision['drifted_columns'])} of {len(decision['columns'])} columns drifted" in page
    assert output(run, "measure_drift", "drift_report_json")["metrics"]
    assert output(run, "measure_drift", "data_summary_json")["metrics"]
    assert "<html" in output(run, "drift_report", "data_summary").lower()
    mlflow_client = mlflow.MlflowClient(tracking_uri=local_stack)
    experiment = mlflow_client.get_experiment_by_name("monitoring_pipeline")
    (mlflow_run,) = mlflow_client.search_runs([experiment.experiment_id], f"tags.mlflow.runName = '{run.name}'")
    logged = {a.path for a in mlflow_client.list_artifacts(mlflow_run.info.run_id, "monitoring")}
    assert logged == {
        f"monitoring/{n}"
        for n in (
            "drift_page.html",
            "drift_report.html",
            "drift_report.json",
            "data_summary.html",
            "data_summary.json",
            "performance_page.html",  # without labels, pages that say there are not enough
            "performance_report.html",
        )
    }
    assert mlflow_run.data.metrics["drift_share"] == decision["drift_share"]
    assert mlflow_run.data.metrics["drift_score.prediction"] == decision["prediction"]["score"]

    with pytest.raises(DriftBreachError):
        run_pipeline("monitoring", monitoring(SHIFTED, "policy=fail"), no_cache=True)


def test_a_tiny_prediction_log_window_is_not_enough_data(champion: str, tmp_path: Path) -> None:
    log = tmp_path / "predictions.jsonl"
    rows = generate_churn(30, seed=5, drift=1.0).drop(columns=["churned"])
    PredictionLogWriter(log).append(
        {"ts": "2026-11-23T21:00:00+00:00", "model": MODEL, "version": champion, "features": r, "prediction": "no"}
        for r in json.loads(rows.to_json(orient="records"))
    )
    config = monitoring(f"current={{kind: prediction_log, path: {log}, last: 1000}}", "policy=fail")
    run = run_pipeline("monitoring", config, no_cache=True)
    decision = output(run, "decide_drift", "drift_decision")
    assert decision["status"] == "not_enough_data" and decision["breached"] is False
    assert decision["current_rows"] == 30 and decision["drift_share"] is None
    assert output(run, "act_on_drift", "monitoring_action")["action"] == "none"


def test_breach_requests_retraining_the_client_runs_it_and_a_worse_model_does_not_replace_the_champion(
    champion: str, local_stack: str
) -> None:
    config = monitoring(SHIFTED, "policy=retrain", f"retrain.overrides={json.dumps(WORSE)}")
    run = run_pipeline("monitoring", config, no_cache=True)
    action = output(run, "act_on_drift", "monitoring_action")
    assert action["action"] == "retraining_requested" and action["training_run"] == f"retrain-{run.name}"
    artifact_store = str(Client().active_stack.artifact_store.path)
    assert action["config_uri"].startswith(artifact_store)  # readable by every process of the stack
    requested = load_run_config(action["config_uri"], TrainingConfig)
    assert requested.model.name == MODEL and requested.model_dump(mode="json") == action["training_config"]

    outcome = retraining_outcome(run)  # recorded on the monitoring run by the client that started the training
    assert outcome is not None and outcome["action"] == "retrained" and outcome["promoted"] is False
    training = Client().get_pipeline_run(outcome["training_run_id"])
    assert training.status == "completed" and training.name == action["training_run"]
    monitoring_run = Client().get_pipeline_run(run.id)
    assert training.start_time >= monitoring_run.end_time  # started after the monitoring run, not inside a step
    decision = training.steps["gate_model"].outputs["gate_decision"][0].load()
    assert decision.champion_version == champion and decision.challenger_version == outcome["challenger_version"]
    assert decision.challenger["roc_auc"] < decision.champion["roc_auc"]
    assert champion_version(local_stack) == champion
    repeat = load_run_config(outcome["config"], TrainingConfig)  # the file the log tells users to repeat it with
    assert repeat.run_name is None and repeat.parameters == requested.parameters


def test_labels_that_contradict_the_champion_are_degraded_and_retraining_learns_from_them(
    champion: str, local_stack: str, tmp_path: Path
) -> None:
    """Ground truth for half of a logged window, every label the opposite of the champion's answer."""
    log = tmp_path / "predictions.jsonl"
    frame = generate_churn(300, seed=11).drop(columns=["churned"])
    model = load_version(local_stack, MODEL, champion)
    classes = [str(c) for c in model.classes_]
    proba = model.predict_proba(frame)
    answers = np.asarray(classes)[proba.argmax(axis=1)]
    ids = new_ids(len(frame))
    PredictionLogWriter(log).append(
        {
            "ts": f"2026-12-01T10:{i // 60:02d}:{i % 60:02d}+00:00",
            "model": MODEL,
            "version": champion,
            "id": ids[i],
            "features": record,
            "prediction": answers[i],
            "probabilities": dict(zip(classes, proba[i].tolist(), strict=True)),
        }
        for i, record in enumerate(json.loads(frame.to_json(orient="records")))
    )
    opposite = {"yes": "no", "no": "yes"}
    labels = LabelsLog(labels_path(log))
    labels.append([{"id": ids[i], "label": opposite[answers[i]]} for i in range(0, 300, 2)], MODEL, champion)
    labels.append([{"id": ids[0], "label": opposite[answers[0]]}, {"id": "f" * 32, "label": "yes"}], MODEL, champion)
    labels.close()

    config = monitoring(
        f"current={{kind: prediction_log, path: {log}}}", "policy=retrain", f"retrain.overrides={json.dumps(WORSE)}"
    )
    run = run_pipeline("monitoring", config, no_cache=True)
    performance = output(run, "measure_performance", "performance_decision")
    assert performance.status == "degraded" and performance.labelled_rows == 150
    assert performance.metrics["accuracy"] == 0.0  # exactly the labelled rows were scored
    assert (performance.labels.duplicates, performance.labels.unmatched) == (1, 1)
    assert performance.calibration and sum(b.rows for b in performance.calibration) == 150
    page = output(run, "performance_report", "performance_page")
    assert "degraded" in page and "Calibration" in page and "<script" not in page
    assert "<script" in output(run, "performance_report", "performance_report")  # Evidently's report

    action = output(run, "act_on_drift", "monitoring_action")
    assert action["performance"] == "degraded" and action["action"] == "retraining_requested"
    assert any(r.startswith("live performance degraded: accuracy") for r in action["reasons"])
    data = action["training_config"]["parameters"]["data"]
    with fsspec.open(data["path"], "rb") as handle:
        retraining_rows = pd.read_parquet(handle)
    assert len(retraining_rows) == 400 + 150  # the configured data and the labelled live rows
    outcome = retraining_outcome(run)
    assert outcome is not None and outcome["action"] == "retrained"
    assert champion_version(local_stack) == champion  # the retrained model on `region` alone is not better


def test_a_failing_retraining_run_stops_run_py_with_how_to_repeat_it(champion: str, local_stack: str) -> None:
    impossible = [*TINY_TRAINING, "validation.min_rows=1000000"]  # the training run's validation step refuses
    config = monitoring(SHIFTED, "policy=retrain", f"retrain.overrides={json.dumps(impossible)}")
    repeat = r"`python run.py --pipeline training --config \S+\.yaml` repeats it"
    with pytest.raises(RetrainingError, match=repeat) as error:
        run_pipeline("monitoring", config, no_cache=True)
    match = re.search(r"the retraining run 'retrain-(\S+)' failed", str(error.value))
    assert match is not None
    monitoring_run = Client().get_pipeline_run(match.group(1))
    outcome = retraining_outcome(monitoring_run)
    assert (
        outcome is not None
        and outcome["action"] == "retraining_failed"
        and "fewer than the minimum" in outcome["error"]
    )
    assert champion_version(local_stack) == champion


def test_a_regression_champion_is_monitored_on_its_prediction_log_and_its_predictions_drift(
    local_stack: str, tmp_path: Path
) -> None:
    """The service logs a regressor's numbers without probabilities; here the features stay, the answers move."""
    name = "t-monitoring-diabetes"
    ridge = "candidates={ridge: {estimator: sklearn.linear_model.Ridge, search: {alpha: [1.0]}}}"
    training = load_run_config(
        project_root() / "configs/training_regression.yaml", TrainingConfig, [ridge, f"model.name={name}"]
    )
    run_pipeline("training", training, no_cache=True)
    champion = get_champion(local_stack, name)
    assert champion is not None
    version = champion.version
    rows = load_diabetes(as_frame=True).frame.drop(columns=["target"])
    answers = load_version(local_stack, name, version).predict(rows) + 150.0  # as if another model answered
    log = tmp_path / "predictions.jsonl"
    PredictionLogWriter(log).append(
        {
            "ts": "2026-12-01T10:00:00+00:00",
            "model": name,
            "version": version,
            "rows": len(part),
            "features": {c: part[c].tolist() for c in part.columns},
            "prediction": answers[part.index].tolist(),
        }
        for part in (rows.iloc[:200], rows.iloc[200:])
    )
    config = monitoring(f"model.name={name}", f"current={{kind: prediction_log, path: {log}}}", "policy=warn")
    run = run_pipeline("monitoring", config, no_cache=True)
    decision = output(run, "decide_drift", "drift_decision")
    assert decision["current_rows"] == len(rows) and decision["drifted_columns"] == []
    assert decision["status"] == "drift" and decision["prediction_drifted"] is True
    assert decision["reasons"] == [
        f"the model's predictions drifted: prediction (wasserstein {decision['prediction']['score']:.3f} vs 0.1)"
    ]
    table = output(run, "drift_report", "drift_table").set_index("column")
    assert (table.loc["prediction", "role"], table.loc["prediction", "kind"]) == ("prediction", "numeric")
    reference = output(run, "load_reference", "reference_set")
    assert reference["prediction"].dtype == "float64" and reference["prediction"].notna().all()
