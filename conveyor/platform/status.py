"""What ``run.py --status`` reports: every registered model, its champion and promotion history, the stack, the stores.

Each model's ``history`` lists every move of its champion alias, oldest first (platform/history.py); the text
form shows the newest ``HISTORY_LINES`` of them.
"""

from __future__ import annotations

from typing import Any

from conveyor.names import MlflowTag
from conveyor.platform.history import PromotionEvent, describe, promotion_history

HISTORY_LINES = 5  # the newest moves the text form of the report shows per model


def _champion_entry(champion: Any) -> dict[str, Any]:
    return {
        "model": champion.name,
        "version": champion.version,
        "metrics": champion.metrics,
        "promoted_at": champion.promoted_at,
        "candidate": champion.tags.get(MlflowTag.CANDIDATE),
        "zenml_model_version": champion.tags.get(MlflowTag.ZENML_MODEL_VERSION),
        "mlflow_run_id": champion.run_id,
    }


def history_lines(history: list[dict[str, Any]]) -> list[str]:
    """The text form of a model's ``history`` entry: the newest moves first, and how many more --json lists."""
    events = [PromotionEvent.model_validate(e) for e in history]
    lines = [describe(e) for e in reversed(events[-HISTORY_LINES:])]
    if len(events) > HISTORY_LINES:
        lines.append(f"... {len(events) - HISTORY_LINES} earlier (run.py --status --json lists them all)")
    return lines


def status(model_name: str, only: bool = False) -> dict[str, Any]:
    """Every registered model (or only ``model_name``) with its champion, and where everything lives.

    ``production`` is ``model_name``'s champion (None when it has none), as before models were listed.
    """
    from zenml.client import Client

    from conveyor.platform.registry import get_champion, registered_models, stack_tracking_uri

    client = Client()
    stack = client.active_stack_model
    components = {t.value: [c.name for c in cs][0] for t, cs in stack.components.items()}
    uri = stack_tracking_uri()
    models = []
    for name, versions in registered_models(uri):
        if only and name != model_name:
            continue
        champion = get_champion(uri, name)
        models.append(
            {
                "model": name,
                "versions": versions,
                "champion": _champion_entry(champion) if champion else None,
                "history": [e.model_dump() for e in promotion_history(uri, name)],
            }
        )
    production = get_champion(uri, model_name)
    artifact_store = client.active_stack.artifact_store
    return {
        "production": _champion_entry(production) if production else None,
        "models": models,
        "stack": {"name": stack.name, "components": components},
        "stores": {
            "zenml": client.zen_store.url,
            "mlflow_tracking_uri": uri,
            "artifact_store": artifact_store.path,
        },
    }
