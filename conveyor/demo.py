"""``run.py --pipeline all``: the loop users can watch, from training to drift-triggered retraining.

training -> deployment (the service runs) -> a burst of traffic from a shifted distribution (the churn
generator's ``drift``) -> the service logs it, and the true labels of part of it come back through
``/feedback`` (the generator knows them) -> monitoring reads the log and the labels, gives a drift and a
performance verdict and retrains (with newly labelled rows from the shifted distribution and the labelled
live rows appended) -> the training gate decides -> when a new champion was promoted, deployment again.
Each stage is its own ZenML run with its own run config; this module only sequences them, with the model
name of the demo config applied to every stage.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from conveyor.config import (
    DemoConfig,
    DeploymentConfig,
    MonitoringConfig,
    RunConfig,
    Stage,
    Traffic,
    TrainingConfig,
    load_run_config,
)
from conveyor.errors import DeploymentError
from conveyor.names import Artifact
from conveyor.platform.paths import resolve_path, state_dir
from conveyor.training.data import generate_churn

logger = logging.getLogger(__name__)


def _stage(stage: Stage, schema: type[RunConfig], model_name: str, *extra: str) -> Any:
    return load_run_config(resolve_path(stage.config), schema, [*stage.overrides, f"model.name={model_name}", *extra])


def _log_count(path: str) -> int:
    from conveyor.prediction_log.reader import iter_records

    return sum(1 for _ in iter_records(path))


def send_traffic(url: str, traffic: Traffic, features: list[str], target: str, log: str) -> dict[str, Any]:
    """POST ``traffic.rows`` shifted records to ``/predict_batch``, and the true labels of ``traffic.feedback``
    of them to ``/feedback``; wait until the service has logged the records. Returns the counts."""
    import httpx
    import numpy as np

    frame = generate_churn(traffic.rows, seed=traffic.seed, drift=traffic.drift)
    records = json.loads(frame[features].to_json(orient="records"))  # NaN becomes null
    truth = frame[target].astype(str).tolist()
    order = np.random.default_rng(traffic.seed).permutation(len(records))
    labelled = set(order[: round(traffic.feedback * len(records))].tolist())
    before = _log_count(log)
    posted = 0
    with httpx.Client(base_url=url, timeout=60) as client:
        for start in range(0, len(records), traffic.batch_size):
            response = client.post("/predict_batch", json=records[start : start + traffic.batch_size])
            if response.status_code != 200:
                raise DeploymentError(f"{url}/predict_batch answered {response.status_code}: {response.text[:300]}")
            labels = [
                {"id": answer["id"], "label": truth[start + offset]}
                for offset, answer in enumerate(response.json())
                if start + offset in labelled
            ]
            if labels:
                response = client.post("/feedback", json=labels)
                if response.status_code != 200:
                    raise DeploymentError(f"{url}/feedback answered {response.status_code}: {response.text[:300]}")
                posted += response.json()["accepted"]
    deadline = time.monotonic() + traffic.timeout
    while _log_count(log) < before + len(records):
        if time.monotonic() > deadline:
            raise DeploymentError(
                f"the service at {url} logged {_log_count(log) - before} of {len(records)} records to {log} "
                f"within {traffic.timeout}s: check its prediction log settings in configs/deployment.yaml"
            )
        time.sleep(0.5)
    return {"records": len(records), "labels": posted}


def run_all(config: DemoConfig, no_cache: bool) -> dict[str, Any]:
    """Run the whole loop; return what each stage did."""
    from conveyor.monitoring.data import prediction_log_path
    from conveyor.monitoring.retraining import retraining_outcome
    from conveyor.platform.launcher import run_pipeline, step_output

    params, name = config.parameters, config.model.name
    summary: dict[str, Any] = {}

    training = run_pipeline("training", _stage(params.training, TrainingConfig, name), no_cache)
    summary["training"] = step_output(training, "promote_model", Artifact.PROMOTION)
    logger.info("Demo 1/4 training: %s", summary["training"])

    deployment_config = _stage(params.deployment, DeploymentConfig, name)
    deployment = step_output(
        run_pipeline("deployment", deployment_config, no_cache), "deploy_service", Artifact.DEPLOYMENT
    )
    summary["deployment"] = deployment
    logger.info("Demo 2/4 deployment: %s version %s at %s", name, deployment.version, deployment.url)

    configured_log = deployment_config.parameters.service.prediction_log.path
    log = prediction_log_path(configured_log)
    training_params = _stage(params.training, TrainingConfig, name).parameters
    counts = send_traffic(deployment.url, params.traffic, training_params.features.all, training_params.target, log)
    sent = counts["records"]
    summary["traffic"] = {**counts, "drift": params.traffic.drift, "log": str(log)}
    logger.info(
        "Demo 3/4 traffic: %d records with drift %s logged to %s; %d true labels posted to /feedback",
        sent, params.traffic.drift, log, counts["labels"],
    )

    extra = [f"current={{kind: prediction_log, path: {log}, last: {sent}}}"]
    if params.labelled is not None:
        labelled = generate_churn(params.labelled.rows, seed=params.labelled.seed, drift=params.labelled.drift)
        path = state_dir() / "demo" / "labelled.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        labelled.to_csv(path, index=False)
        extra.append(f"retrain.labelled={path}")
    monitoring = run_pipeline("monitoring", _stage(params.monitoring, MonitoringConfig, name, *extra), no_cache)
    summary["monitoring"] = step_output(monitoring, "decide_drift", Artifact.DRIFT_DECISION)
    summary["performance"] = step_output(monitoring, "measure_performance", Artifact.PERFORMANCE_DECISION)
    # the retraining that the monitoring run requested (the client ran it), else the step's own action
    summary["action"] = retraining_outcome(monitoring) or step_output(
        monitoring, "act_on_drift", Artifact.MONITORING_ACTION
    )
    logger.info(
        "Demo 4/4 monitoring: drift verdict %s; %s; action: %s",
        summary["monitoring"]["status"], summary["performance"].summary(), summary["action"],
    )

    if params.redeploy and summary["action"].get("promoted"):
        redeployed = run_pipeline("deployment", deployment_config, no_cache)
        summary["redeployment"] = step_output(redeployed, "deploy_service", Artifact.DEPLOYMENT)
        new = summary["redeployment"]
        logger.info("Demo: the new champion, version %s, serves at %s", new.version, new.url)
    return summary
