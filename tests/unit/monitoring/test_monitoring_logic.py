"""The drift adapter, the monitoring decision and the monitoring config, without running a pipeline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from conveyor.config import CurrentData, MonitoringThresholds, Retraining, TrainingConfig
from conveyor.errors import DataSourceError, DriftReportError, ReferenceDataError
from conveyor.monitoring.data import model_columns_of, zenml_version_id
from conveyor.monitoring.decisions import decide, retraining_config, write_config
from conveyor.monitoring.drift import (
    ColumnDrift,
    DriftResult,
    DriftSpec,
    _value_drift_scores,
    is_drift,
    report_html,
    run_drift,
    sample,
    samples,
)
from conveyor.training.data import generate_churn, load_source

NUMERIC = ["tenure_months", "monthly_charges", "support_calls", "age"]
CATEGORICAL = ["contract", "payment_method", "region"]
THRESHOLDS = MonitoringThresholds(drift_share=0.3, min_rows=50, max_missing_increase=0.1)


def column(name: str, score: float, drifted: bool, missing: float = 0.0) -> ColumnDrift:
    return ColumnDrift(name, "numeric", "wasserstein", score, 0.1, drifted, 0.0, missing)


def result(columns: list[ColumnDrift], rows: int = 100) -> DriftResult:
    return DriftResult(
        columns, reference_rows=500, current_rows=rows, sampled_reference_rows=500, sampled_current_rows=rows
    )


def test_flags_follow_the_direction_of_the_method() -> None:
    assert is_drift("wasserstein", 0.1, 0.1) and not is_drift("wasserstein", 0.09, 0.1)
    assert is_drift("ks", 0.01, 0.05) and not is_drift("ks", 0.2, 0.05)
    with pytest.raises(DriftReportError, match="no known direction"):
        is_drift("my_test", 0.5, 0.1)


def test_sample_is_bounded_seeded_and_leaves_small_frames_alone() -> None:
    frame = pd.DataFrame({"x": range(1000)})
    assert sample(frame, 2000, seed=1) is frame
    assert sample(frame, None, seed=1) is frame
    first, again, other = sample(frame, 100, seed=1), sample(frame, 100, seed=1), sample(frame, 100, seed=2)
    assert len(first) == 100 and first["x"].is_unique
    assert first.equals(again) and not first.equals(other)


def test_scores_are_found_by_type_and_column_not_position() -> None:
    report = {
        "metrics": [
            {"config": {"type": "evidently:metric_v2:RowCount"}, "value": 10.0},
            {
                "config": {"type": "evidently:metric_v2:ValueDrift", "column": "b", "method": "ks", "threshold": 0.05},
                "value": 0.01,
            },
            {"config": {"type": "evidently:metric_v2:DriftedColumnsCount"}, "value": {"count": 1, "share": 0.5}},
            {
                "config": {
                    "type": "evidently:metric_v2:ValueDrift",
                    "column": "a",
                    "method": "wasserstein",
                    "threshold": 0.1,
                },
                "value": 0.02,
            },
        ]
    }
    assert _value_drift_scores(report) == {"a": ("wasserstein", 0.02, 0.1), "b": ("ks", 0.01, 0.05)}
    broken = {"metrics": [{"config": {"type": "evidently:metric_v2:ValueDrift", "column": "a"}, "value": 1.0}]}
    with pytest.raises(DriftReportError, match="unexpected ValueDrift"):
        _value_drift_scores(broken)


def test_evidently_names_the_shifted_columns() -> None:
    reference = generate_churn(1500, seed=1)
    shifted = generate_churn(600, seed=2, drift=1.0)
    spec = DriftSpec("wasserstein", "jensenshannon", 0.1, {"age": 0.5}, max_rows=1000, seed=0)
    reports = run_drift(reference, shifted, NUMERIC, CATEGORICAL, spec)
    flags = {c.column: c.drifted for c in reports.result.columns}
    assert {c for c, d in flags.items() if d} >= {"tenure_months", "monthly_charges", "support_calls"}
    assert not flags["region"] and not flags["age"]
    assert {c.column: c.threshold for c in reports.result.columns}["age"] == 0.5
    assert reports.result.sampled_reference_rows == 1000 and reports.result.reference_rows == 1500
    assert reports.drift_json["metrics"] and reports.summary_json["metrics"]
    # The report is rendered from its snapshot, which keeps every result of the run.
    assert "<html" in report_html(reports.drift_snapshot).lower()
    assert "<html" in report_html(reports.summary_snapshot).lower()
    # The samples that the drift page draws are the ones Evidently compared.
    ref, cur = samples(reference, shifted, NUMERIC, CATEGORICAL, spec)
    assert (len(ref), len(cur)) == (reports.result.sampled_reference_rows, reports.result.sampled_current_rows)
    assert ref.equals(samples(reference, shifted, NUMERIC, CATEGORICAL, spec)[0])
    same = run_drift(reference, generate_churn(600, seed=3), NUMERIC, CATEGORICAL, spec)
    assert same.result.drifted == []


def test_decision_states() -> None:
    quiet = decide(result([column("a", 0.01, False), column("b", 0.02, False)]), THRESHOLDS)
    assert (quiet.status, quiet.breached, quiet.drift_share) == ("ok", False, 0.0)

    shifted = decide(result([column("a", 0.5, True), column("b", 0.02, False)]), THRESHOLDS)
    assert (shifted.status, shifted.breached, shifted.drifted_columns) == ("drift", True, ["a"])
    assert "a (wasserstein 0.500 vs 0.1)" in shifted.reasons[0]

    few = decide(result([column("a", 0.5, True)], rows=10), THRESHOLDS)
    assert (few.status, few.breached, few.drift_share) == ("not_enough_data", False, None)


def test_one_drifted_column_below_the_share_is_reported_but_not_a_breach() -> None:
    columns = [column("a", 0.5, True), *(column(c, 0.01, False) for c in "bcde")]
    decision = decide(result(columns), THRESHOLDS)
    assert decision.status == "ok" and decision.drifted_columns == ["a"] and decision.drift_share == 0.2


def test_missing_values_growing_is_a_breach_of_its_own() -> None:
    decision = decide(result([column("a", 0.01, False, missing=0.3), column("b", 0.0, False)]), THRESHOLDS)
    assert decision.status == "drift" and decision.missing_increases == {"a": 0.3}


def test_current_data_kinds_take_only_their_fields() -> None:
    with pytest.raises(ValueError, match="needs 'path'"):
        CurrentData(kind="csv")
    with pytest.raises(ValueError, match="does not use 'rows'"):
        CurrentData(kind="prediction_log", rows=10)
    assert CurrentData(kind="prediction_log", last=100).last == 100


def test_model_columns_name_what_is_missing() -> None:
    frame = generate_churn(20, seed=1)
    assert list(model_columns_of(frame, NUMERIC, CATEGORICAL).columns) == NUMERIC + CATEGORICAL
    with pytest.raises(DataSourceError, match="region"):
        model_columns_of(frame.drop(columns=["region"]), NUMERIC, CATEGORICAL)
    empty = model_columns_of(pd.DataFrame(), NUMERIC, CATEGORICAL)
    assert len(empty) == 0 and list(empty.columns) == NUMERIC + CATEGORICAL


def test_zenml_version_id_from_the_mlflow_tag() -> None:
    uuid = "0f9e7a1c-3b0b-4c55-9a43-5c3b3e2c9d10"
    assert zenml_version_id(f"conveyor-churn:3 ({uuid})") == uuid
    with pytest.raises(ReferenceDataError):
        zenml_version_id("conveyor-churn:3")


def test_retraining_appends_newly_labelled_rows(tmp_path: Path) -> None:
    labelled = generate_churn(30, seed=9, drift=1.0)
    path = tmp_path / "labelled.csv"
    labelled.to_csv(path, index=False)
    retrain = Retraining(config="configs/training.yaml", overrides=["data.rows=100"], labelled=str(path))
    folder = str(tmp_path / "artifact-store" / "retraining")
    config = retraining_config(retrain, "monitored-model", "run-1", folder)
    assert config.model.name == "monitored-model" and config.run_name == "retrain-run-1"
    assert config.parameters.data.kind == "parquet"
    assert config.parameters.data.path == f"{folder}/run-1.parquet"
    assert len(pd.read_parquet(config.parameters.data.path)) == 130

    plain = retraining_config(Retraining(config="configs/training.yaml"), "monitored-model", "run-2", folder)
    assert plain.parameters.data.kind == "churn" and plain.model.name == "monitored-model"
    missing = Retraining(config="configs/training.yaml", labelled=str(tmp_path / "nope.csv"))
    with pytest.raises(DataSourceError, match=r"does not exist: check `retrain\.labelled`"):
        retraining_config(missing, "m", "r", folder)


def test_the_retraining_request_is_written_where_every_process_can_read_it() -> None:
    """A URI folder (an object store's, here fsspec's memory://) holds the data and the config, read back as is."""
    import fsspec

    labelled = generate_churn(20, seed=9, drift=1.0)
    with fsspec.open("memory:///retraining-test/labelled.parquet", "wb") as handle:
        labelled.to_parquet(handle, index=False)
    retrain = Retraining(
        config="configs/training.yaml", overrides=["data.rows=60"], labelled="memory:///retraining-test/labelled.parquet"
    )
    folder = "memory:///retraining-test/store/conveyor/retraining"
    config = retraining_config(retrain, "monitored-model", "run-3", folder)
    assert config.parameters.data.path == f"{folder}/run-3.parquet"
    assert len(load_source(config.parameters.data, seed=0)) == 80
    location = write_config(config, f"{folder}/{config.run_name}.yaml")
    with fsspec.open(location, "rt") as handle:
        assert TrainingConfig.model_validate(yaml.safe_load(handle)) == config
    fsspec.filesystem("memory").rm("/retraining-test", recursive=True)


@pytest.mark.parametrize("name", ["monitoring", "batch_inference", "all"])
def test_shipped_configs_are_valid_and_registered(name: str) -> None:
    from conveyor.config import load_run_config
    from conveyor.platform.launcher import PIPELINES
    from conveyor.platform.paths import project_root

    entry = PIPELINES[name]
    config = load_run_config(project_root() / entry.config, entry.schema)
    assert config.model.name == "conveyor-churn"


def test_an_unknown_monitoring_key_names_the_file_and_key() -> None:
    from conveyor.config import MonitoringConfig, load_run_config
    from conveyor.errors import ConfigError
    from conveyor.platform.paths import project_root

    with pytest.raises(ConfigError, match=r"thresholds\.drift_shares: unknown key \(did you mean 'drift_share'\?\)"):
        load_run_config(project_root() / "configs/monitoring.yaml", MonitoringConfig, ["thresholds.drift_shares=0.2"])
