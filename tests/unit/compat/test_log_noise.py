"""ZenML's per-step noise is dropped; anything else from the same loggers still shows."""

from __future__ import annotations

import logging

import pytest

from conveyor.compat.log_noise import DROPPED, quiet_zenml_noise
from conveyor.platform.images import run_settings

TRACKER = "zenml.integrations.mlflow.experiment_trackers.mlflow_experiment_tracker"


def test_only_the_listed_lines_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    quiet_zenml_noise()
    quiet_zenml_noise()  # idempotent: one filter per logger
    assert all(len(logging.getLogger(name).filters) == 1 for name in DROPPED)
    with caplog.at_level(logging.INFO):
        logging.getLogger(TRACKER).warning(
            "Failed to disable MLflow autologging for the following frameworks: %s.", ["fastai"]
        )
        logging.getLogger(TRACKER).warning(
            "Failed to disable MLflow autologging for the following frameworks: %s.", ["sklearn", "fastai"]
        )
        logging.getLogger("zenml.orchestrators.step_run_utils").info(
            "Models can be viewed in the dashboard using ZenML Pro. Sign up for a free trial at https://www.zenml.io/pro/"
        )
        logging.getLogger("zenml.orchestrators.step_run_utils").info("Dashboard URL for Model Version")
    assert [r.getMessage() for r in caplog.records] == [
        "Failed to disable MLflow autologging for the following frameworks: ['sklearn', 'fastai'].",
        "Dashboard URL for Model Version",
    ]


def test_image_settings_only_where_steps_run_in_containers() -> None:
    assert run_settings("local") == {}
    docker = run_settings("kubernetes")["docker"]
    assert "scikit-learn==1.9.1" in docker.requirements
    assert docker.install_stack_requirements is False
