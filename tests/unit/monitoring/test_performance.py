"""Performance monitoring without pipelines: the label join, live metrics, calibration and the verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conveyor.config import Limit, PerformanceThresholds
from conveyor.errors import ConfigError
from conveyor.monitoring.ground_truth import LABEL, join_labels, normalized
from conveyor.monitoring.performance import decide_performance
from conveyor.monitoring.performance_page import evidently_report_html, performance_page

CLASSES = ["no", "yes"]


def window(rows: int, seed: int = 0, version: str = "3") -> pd.DataFrame:
    """A prediction-log frame as ``read_features`` gives it: a classifier that is right 80% of the time."""
    rng = np.random.default_rng(seed)
    p_yes = rng.random(rows)
    return pd.DataFrame(
        {
            "tenure": rng.random(rows),
            "_prediction": np.where(p_yes > 0.5, "yes", "no"),
            "_ts": [f"2026-12-01T10:{i // 60:02d}:{i % 60:02d}+00:00" for i in range(rows)],
            "_version": version,
            "_id": [f"id{i}" for i in range(rows)],
            "_probabilities": [{"no": 1 - p, "yes": p} for p in p_yes],
        }
    )


def truthful_labels(frame: pd.DataFrame, right: float, seed: int = 1) -> pd.DataFrame:
    """Labels that agree with the prediction on a ``right`` share of the rows."""
    rng = np.random.default_rng(seed)
    agree = rng.random(len(frame)) < right
    flipped = np.where(frame["_prediction"] == "yes", "no", "yes")
    return pd.DataFrame({"id": frame["_id"], "label": np.where(agree, frame["_prediction"], flipped)})


def decide(labelled, stats, **thresholds):
    return decide_performance(
        labelled,
        stats,
        model="m",
        version="3",
        task="classification",
        classes=CLASSES,
        holdout={"accuracy": 0.8, "f1": 0.8, "roc_auc": 0.85, "log_loss": 0.45},
        thresholds=PerformanceThresholds(**thresholds),
    )


def test_labels_join_by_id_the_last_label_wins_and_unmatched_and_duplicates_are_counted() -> None:
    frame = window(10)
    labels = pd.DataFrame(
        {"id": ["id1", "id2", "id1", "nowhere", "id3"], "label": ["yes", "no", "no", "yes", "yes"]}
    )
    labelled, stats = join_labels(frame, labels, ["labels.jsonl"], "3", "classification", CLASSES)
    assert sorted(labelled["_id"]) == ["id1", "id2", "id3"]
    assert labelled.set_index("_id").loc["id1", LABEL] == "no"  # the later label of id1
    assert (stats.labels_read, stats.duplicates, stats.unmatched, stats.labelled_rows) == (5, 1, 1, 3)
    assert {"_proba:no", "_proba:yes"} <= set(labelled.columns) and "_probabilities" not in labelled.columns


def test_only_the_champion_versions_rows_are_scored() -> None:
    frame = pd.concat([window(4, version="2"), window(4, version="3").assign(_id=lambda f: "n" + f["_id"])])
    labels = pd.DataFrame({"id": [*frame["_id"]], "label": "yes"})
    labelled, stats = join_labels(frame, labels, [], "3", "classification", CLASSES)
    assert len(labelled) == 4 and set(labelled["_version"]) == {"3"}
    assert stats.other_versions == 4


def test_labels_from_files_are_normalized_as_the_service_names_classes() -> None:
    assert list(normalized(pd.Series([1.0, 0, "yes", None]), "classification")) == ["1", "0", "yes", None]
    assert normalized(pd.Series(["1.5", 2]), "regression").tolist() == [1.5, 2.0]


def test_labels_that_agree_with_the_model_are_ok_and_contradicting_ones_degraded() -> None:
    frame = window(300)
    good, stats = join_labels(frame, truthful_labels(frame, 0.85), [], "3", "classification", CLASSES)
    decision = decide(good, stats)
    assert decision.status == "ok" and decision.labelled_rows == 300, decision.reasons
    assert decision.summary().startswith("Performance verdict: ok (accuracy")
    assert decision.summary().endswith("on 300 labelled rows")
    bad, stats = join_labels(frame, truthful_labels(frame, 0.3), [], "3", "classification", CLASSES)
    decision = decide(bad, stats)
    assert decision.status == "degraded" and decision.degraded
    assert any(r.startswith("accuracy ") and "worse than the holdout" in r for r in decision.reasons)
    assert decision.calibration and sum(b.rows for b in decision.calibration) == 300
    assert len(decision.over_time) == 10


def test_too_few_labels_is_neither_ok_nor_degraded() -> None:
    frame = window(300)
    labels = truthful_labels(frame, 0.1).head(40)
    labelled, stats = join_labels(frame, labels, [], "3", "classification", CLASSES)
    decision = decide(labelled, stats)
    assert decision.status == "not_enough_labels" and not decision.degraded
    assert decision.summary() == "Performance verdict: not_enough_labels on 40 labelled rows"


def test_absolute_limits_and_metrics_of_the_wrong_task() -> None:
    frame = window(200)
    labelled, stats = join_labels(frame, truthful_labels(frame, 0.85), [], "3", "classification", CLASSES)
    decision = decide(labelled, stats, limits={"accuracy": Limit(min=0.95)})
    assert decision.status == "degraded" and "below the minimum 0.95" in decision.reasons[0]
    with pytest.raises(ConfigError, match="performance.metrics/limits.*rmse"):
        decide(labelled, stats, metrics=["rmse"])


def test_a_regressors_rise_in_error_is_degraded() -> None:
    rng = np.random.default_rng(0)
    truth = rng.normal(100, 20, 150)
    ids = [f"r{i}" for i in range(150)]
    frame = pd.DataFrame({"_prediction": truth + rng.normal(0, 30, 150), "_ts": None, "_version": "1", "_id": ids})
    labelled, stats = join_labels(frame, pd.DataFrame({"id": frame["_id"], "label": truth}), [], "1", "regression", [])
    decision = decide_performance(
        labelled, stats, model="r", version="1", task="regression", classes=[],
        holdout={"rmse": 10.0, "mae": 8.0, "r2": 0.7, "mape": 0.1}, thresholds=PerformanceThresholds(),
    )
    assert decision.status == "degraded" and decision.checked == ["rmse", "mae"]
    assert not decision.calibration
    assert "Predicted against actual" in performance_page(decision, labelled)


def test_the_page_and_evidentlys_report_render() -> None:
    frame = window(120)
    labelled, stats = join_labels(frame, truthful_labels(frame, 0.3), [], "3", "classification", CLASSES)
    decision = decide(labelled, stats)
    page = performance_page(decision, labelled)
    assert "degraded" in page and "Calibration" in page and "<script" not in page
    assert "<html" in evidently_report_html(labelled, "classification", CLASSES)


def test_bulk_label_files_are_read_after_the_log_and_a_missing_column_is_named(tmp_path) -> None:
    from conveyor.config import GroundTruth
    from conveyor.errors import DataSourceError
    from conveyor.monitoring.ground_truth import read_ground_truth
    from conveyor.prediction_log.labels import LabelsLog

    log = tmp_path / "labels.jsonl"
    writer = LabelsLog(log)
    writer.append([{"id": "a" * 32, "label": "yes"}], "m", "3")
    writer.close()
    pd.DataFrame({"id": ["a" * 32, "b" * 32], "churned": ["no", "yes"]}).to_csv(tmp_path / "bulk.csv", index=False)
    truth = GroundTruth(log=str(log), files=[{"kind": "csv", "path": str(tmp_path / "bulk.csv")}])
    labels, sources = read_ground_truth(truth, "unused", target="churned")
    assert labels.to_dict("list") == {"id": ["a" * 32, "a" * 32, "b" * 32], "label": ["yes", "no", "yes"]}
    assert sources == [str(log), str(tmp_path / "bulk.csv")]
    frame = window(3).assign(_id=["a" * 32, "b" * 32, "c" * 32])
    labelled, stats = join_labels(frame, labels, sources, "3", "classification", CLASSES)
    assert labelled.set_index("_id")[LABEL].to_dict() == {"a" * 32: "no", "b" * 32: "yes"}  # the file came last
    assert stats.duplicates == 1
    wrong = GroundTruth(log=str(log), files=[{"kind": "csv", "path": str(tmp_path / "bulk.csv"), "column": "label"}])
    with pytest.raises(DataSourceError, match=r"labels.files\[0\].*\['label'\]"):
        read_ground_truth(wrong, "unused", target="churned")
