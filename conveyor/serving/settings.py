"""What service.py needs before it can define the service: its settings and the exact model tag.

Inside a Bento built by the deployment pipeline both come from the Bento's arguments (``model_tag``,
``settings``), so the Bento always serves the version it was built with. With plain ``bentoml serve``
from the project root, the settings come from configs/deployment.yaml and the model is the current
champion: the MLflow alias is resolved to an exact version, imported into BentoML's store if missing.
``CONVEYOR_MODEL_TAG`` pins a tag by hand (tests and benchmarks use it).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from types import SimpleNamespace

from conveyor.config import DeploymentConfig, ServiceSettings, load_run_config
from conveyor.platform.paths import project_root, resolve_path
from conveyor.prediction_log.format import default_path

DEPLOYMENT_CONFIG = "configs/deployment.yaml"
MODEL_TAG_ENV = "CONVEYOR_MODEL_TAG"


def deployment_config() -> DeploymentConfig:
    return load_run_config(project_root() / DEPLOYMENT_CONFIG, DeploymentConfig)


def service_settings(baked: str | None) -> ServiceSettings:
    """The settings baked into the Bento (JSON), else those in configs/deployment.yaml."""
    if baked:
        return ServiceSettings.model_validate(json.loads(baked))
    return deployment_config().parameters.service


def model_tag(baked: str | None) -> str:
    """The BentoML model tag to serve: baked into the Bento, pinned by env, else the champion right now."""
    if baked:
        return baked
    if os.environ.get(MODEL_TAG_ENV):
        return os.environ[MODEL_TAG_ENV]
    from conveyor.platform.env import default_tracking_uri
    from conveyor.platform.registry import require_champion
    from conveyor.serving.bento_model import import_champion

    uri = os.environ.get("MLFLOW_TRACKING_URI") or default_tracking_uri()
    return import_champion(uri, require_champion(uri, deployment_config().model.name)).tag


def prediction_log_path(settings: ServiceSettings) -> Path:
    """The configured log path (relative to the project root, as monitoring reads it), else the default."""
    configured = settings.prediction_log.path
    return resolve_path(configured) if configured else default_path()


@functools.cache
def service_metrics() -> SimpleNamespace:
    """The service's Prometheus counters, created once per process (service.py may be imported again)."""
    import bentoml

    return SimpleNamespace(
        log_dropped=bentoml.metrics.Counter(
            name="conveyor_prediction_log_dropped_records",
            documentation="Predicted records not logged because the log queue was full",
        ),
        log_failed=bentoml.metrics.Counter(
            name="conveyor_prediction_log_failed_records",
            documentation="Predicted records not logged because the write failed (disk full or unwritable)",
        ),
        predicted=bentoml.metrics.Counter(
            name="conveyor_predicted_records",
            documentation="Records predicted, by endpoint",
            labelnames=["endpoint"],
        ),
        call_rows=bentoml.metrics.Histogram(
            name="conveyor_model_call_rows",
            documentation="Rows in each model call that merged concurrent /predict and /predict_batch requests",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000),
        ),
    )
