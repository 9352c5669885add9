"""Run tags name the pipeline, the model and the dataset, and keep the config's own tags once."""

from __future__ import annotations

from typing import Any

from conveyor.platform.launcher import run_tags


def test_training_run_tags(training_config: Any) -> None:
    config = training_config("tags=[churn, nightly]")
    tags = run_tags("training", config)
    assert tags[:3] == ["pipeline:training", f"model:{config.model.name}", "dataset:churn:400-rows"]
    assert tags[3:] == ["churn", "nightly"]


def test_dataset_tag_names_the_file_or_the_bundled_dataset(training_config: Any) -> None:
    csv = training_config("data={kind: csv, path: data/customers.csv}")
    assert "dataset:csv:customers.csv" in run_tags("training", csv)
    iris = training_config(base="configs/training_iris.yaml")
    assert "dataset:sklearn:iris" in run_tags("training", iris)
