"""The last step: over HTTP, the served predictions equal the registered model's in-process ones."""

import logging
import time
from typing import Annotated, Any

import httpx
import numpy as np
import pandas as pd
from zenml import step

from conveyor.errors import DeploymentError
from conveyor.features.requests import sample_records
from conveyor.names import Artifact
from conveyor.platform.registry import load_version, stack_tracking_uri
from conveyor.platform.versions import ChampionVersion
from conveyor.prediction_log.format import SYNTHETIC, TRAFFIC_HEADER
from conveyor.serving.bento_model import FEATURE_SCHEMA_FILE, run_artifact_text
from conveyor.serving.modes import Deployment
from conveyor.serving.parity import compare

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


@step(enable_cache=False)
def check_parity(
    deployment: Deployment, champion: ChampionVersion, rows: int, seed: int, tolerance: float, timeout: int
) -> Annotated[dict[str, Any], Artifact.PARITY_REPORT]:
    """POST a fixed seeded sample to /predict_batch and /predict; raise DeploymentError on any difference."""
    import json

    uri = stack_tracking_uri()
    schema = json.loads(run_artifact_text(uri, champion.run_id or "", FEATURE_SCHEMA_FILE) or "{}")
    records = sample_records(schema, rows, seed)
    model = load_version(uri, champion.name, champion.version)
    frame = pd.DataFrame(records, columns=[f["name"] for f in schema["features"]])
    frame = frame.where(frame.notna(), np.nan)  # JSON null means missing: NaN, as in the training data
    expected = model.predict_proba(frame)
    labels = [str(label) for label in model.predict(frame)]

    url = deployment.url
    _wait_ready(url, timeout)
    # Marked synthetic: logged, but the monitoring pipeline does not take these made-up records for live traffic.
    with httpx.Client(base_url=url, timeout=60, headers={TRAFFIC_HEADER: SYNTHETIC}) as client:
        batch = client.post("/predict_batch", json=records)
        singles = [client.post("/predict", json=record) for record in records[:5]]
        info = client.post("/model_info", json={})
    for response in (batch, *singles, info):
        if response.status_code != 200:
            raise DeploymentError(f"{response.request.url} answered {response.status_code}: {response.text[:500]}")
    classes = [str(c) for c in model.classes_]
    report = compare(batch.json(), expected, labels, classes, champion.version, tolerance)
    one_by_one = compare([s.json() for s in singles], expected[:5], labels[:5], classes, champion.version, tolerance)
    report["served_version"] = info.json()["version"]
    problems = report["problems"] = report["problems"] + [f"/predict {p}" for p in one_by_one["problems"]]
    report["max_abs_diff"] = max(report["max_abs_diff"], one_by_one["max_abs_diff"])
    if report["served_version"] != champion.version:
        problems.append(f"/model_info reports version {report['served_version']}, expected {champion.version}")
    if problems:
        raise DeploymentError(f"parity check failed at {url}: " + "; ".join(problems[:10]))
    logger.info("Parity: %d records served at %s equal the registered model's predictions (max |dp| %.2g)",
                len(records), url, report["max_abs_diff"])
    return report
