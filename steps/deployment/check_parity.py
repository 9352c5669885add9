"""The last step: over HTTP, the served predictions equal the registered model's in-process ones.

With authentication on (``Deployment.token_env``), every request carries the bearer token from that variable in
this run's environment, and the check first makes sure the door is locked: without the token the service answers
401, with it 200.
"""

import json
import logging
import time
from typing import Annotated, Any

import httpx
from zenml import step

from conveyor.errors import DeploymentError
from conveyor.features.requests import sample_records
from conveyor.names import Artifact
from conveyor.platform.registry import load_version, stack_tracking_uri
from conveyor.platform.versions import ChampionVersion
from conveyor.prediction_log.format import SYNTHETIC, TRAFFIC_HEADER
from conveyor.serving.auth import auth_headers
from conveyor.serving.bento_model import FEATURE_SCHEMA_FILE, run_artifact_text
from conveyor.serving.modes import Deployment
from conveyor.serving.parity import expected_answers, served_parity

logger = logging.getLogger(__name__)


def _wait_ready(url: str, timeout: int) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise DeploymentError(f"the service at {url} is not ready after {timeout}s: check its log")
        time.sleep(0.5)


def _check_locked(client: httpx.Client, deployment: Deployment) -> None:
    """DeploymentError unless /model_info answers 401 without the token and 200 with it."""
    url, token_env = deployment.url, deployment.token_env
    restart = f"stop it (zenml model-deployer models stop {deployment.service_uuid}) and deploy again"
    without = httpx.post(f"{url}/model_info", json={}, timeout=60)
    if without.status_code != 401:
        raise DeploymentError(
            f"{url}/model_info answered {without.status_code} without a token, though service.auth.token_env is "
            f"{token_env}: the running service does not check it; {restart}"
        )
    if client.post("/model_info", json={}).status_code == 401:
        raise DeploymentError(f"{url} refused the token in {token_env}: it was started with another one; {restart}")


@step(enable_cache=False)
def check_parity(
    deployment: Deployment, champion: ChampionVersion, rows: int, seed: int, tolerance: float, timeout: int
) -> Annotated[dict[str, Any], Artifact.PARITY_REPORT]:
    """POST a fixed seeded sample to /predict_batch and /predict; raise DeploymentError on any difference.

    Labels must be equal and probabilities within ``tolerance`` (classification); numbers within
    ``tolerance * max(1, |expected|)`` (regression; conveyor/serving/parity.py).
    """
    uri = stack_tracking_uri()
    schema = json.loads(run_artifact_text(uri, champion.run_id or "", FEATURE_SCHEMA_FILE) or "{}")
    records = sample_records(schema, rows, seed)
    expected = expected_answers(load_version(uri, champion.name, champion.version), schema, records)

    url = deployment.url
    _wait_ready(url, timeout)
    # Marked synthetic: logged, but the monitoring pipeline does not take these made-up records for live traffic.
    headers = {TRAFFIC_HEADER: SYNTHETIC, **auth_headers(deployment.token_env)}
    with httpx.Client(base_url=url, timeout=60, headers=headers) as client:
        if deployment.token_env:
            _check_locked(client, deployment)
        report = served_parity(client, records, expected, champion.version, tolerance)
    if report["problems"]:
        raise DeploymentError(f"parity check failed at {url}: " + "; ".join(report["problems"][:10]))
    logger.info("Parity: %d records served at %s equal the registered %s model's predictions (max difference %.2g)",
                len(records), url, expected.task, report["max_abs_diff"])
    return report
