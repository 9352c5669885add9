"""What ``run.py --status`` reports: the production model, the active stack and where the stores are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conveyor.config import TrainingConfig, load_run_config
from conveyor.names import MlflowTag


def status(config_file: Path) -> dict[str, Any]:
    """What is in production and where everything lives."""
    from zenml.client import Client

    from conveyor.platform.registry import get_champion, stack_tracking_uri

    config = load_run_config(config_file, TrainingConfig)
    client = Client()
    stack = client.active_stack_model
    components = {t.value: [c.name for c in cs][0] for t, cs in stack.components.items()}
    uri = stack_tracking_uri()
    champion = get_champion(uri, config.model.name)
    production: dict[str, Any] | None = None
    if champion is not None:
        production = {
            "model": champion.name,
            "version": champion.version,
            "metrics": champion.metrics,
            "promoted_at": champion.promoted_at,
            "candidate": champion.tags.get(MlflowTag.CANDIDATE),
            "zenml_model_version": champion.tags.get(MlflowTag.ZENML_MODEL_VERSION),
            "mlflow_run_id": champion.run_id,
        }
    artifact_store = client.active_stack.artifact_store
    return {
        "production": production,
        "stack": {"name": stack.name, "components": components},
        "stores": {
            "zenml": client.zen_store.url,
            "mlflow_tracking_uri": uri,
            "artifact_store": artifact_store.path,
        },
    }

