"""The MLflow side of the registry: experiments with an explicit artifact root, the champion alias.

MLflow registry stages are deprecated, so the champion is the model version carrying the alias
``champion``; Conveyor mirrors it to the ZenML model stage ``production`` (``set_production_stage``)
inside the same lease, and records every move of the alias in the promotion history (platform/history.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from conveyor.errors import NoChampionError, StackError
from conveyor.names import CHAMPION_ALIAS, PRODUCTION_STAGE, MlflowTag
from conveyor.platform.history import EventKind, append_event
from conveyor.platform.lease import store_lease

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Champion:
    """A registered version carrying the champion alias, with its tags (MlflowTag) read back."""

    name: str
    version: str
    run_id: str | None
    metrics: dict[str, float]
    promoted_at: str | None
    tags: dict[str, str]


def stack_tracking_uri() -> str:
    """The tracking URI of the active ZenML stack's MLflow experiment tracker, with its credentials set.

    The tracker puts a remote server's credentials (resolved from ZenML secrets) into MLflow's
    environment, so clients made with this URI can log in, also outside experiment-tracker steps.
    """
    from zenml.client import Client

    tracker = Client().active_stack.experiment_tracker
    if tracker is None or tracker.flavor != "mlflow":
        raise StackError("the active stack has no MLflow experiment tracker: apply a stack with one (run.py --stack)")
    tracker.configure_mlflow()  # type: ignore[attr-defined]
    uri = str(tracker.get_tracking_uri())
    _ensure_tracking_store(uri)
    return uri


_READY_STORES: set[str] = set()


def _ensure_tracking_store(tracking_uri: str) -> None:
    """Create a local SQLite tracking store's tables once, under a lease.

    The first MLflow client of a fresh SQLite store runs MLflow's schema migrations; two processes starting
    at once would both migrate and one would crash (SQLAlchemy's "Circular dependency detected" or "table
    _alembic_tmp_experiments already exists"). A tracking server migrates its own database.
    """
    if not tracking_uri.startswith("sqlite:") or tracking_uri in _READY_STORES:
        return
    import mlflow

    with store_lease("mlflow-init"):
        mlflow.MlflowClient(tracking_uri=tracking_uri).search_experiments(max_results=1)
    _READY_STORES.add(tracking_uri)


def artifact_root(tracking_uri: str) -> str | None:
    """Where a local SQLite tracking store keeps artifacts (beside the database); None for servers."""
    if not tracking_uri.startswith("sqlite:///"):
        return None
    return str(Path(tracking_uri[len("sqlite:///") :]).parent / "artifacts")


def ensure_experiment(tracking_uri: str, name: str) -> None:
    """Create experiment ``name`` with an explicit artifact root, so MLflow never writes to ./mlruns."""
    import mlflow

    # Two runs starting at once would both try to create the experiment.
    with store_lease("mlflow-init"):
        client = mlflow.MlflowClient(tracking_uri=tracking_uri)
        if client.get_experiment_by_name(name) is not None:
            return
        root = artifact_root(tracking_uri)
        location = None if root is None else Path(root, name).as_uri()
        client.create_experiment(name, artifact_location=location)


def get_champion(tracking_uri: str, model_name: str) -> Champion | None:
    """The model version carrying the champion alias, or None (see ``require_champion``)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient(tracking_uri=tracking_uri)
    try:
        version = client.get_model_version_by_alias(model_name, CHAMPION_ALIAS)
    except MlflowException:
        return None
    tags = dict(version.tags or {})
    return Champion(
        name=model_name,
        version=str(version.version),
        run_id=version.run_id,
        metrics=json.loads(tags.get(MlflowTag.METRICS, "{}")),
        promoted_at=tags.get(MlflowTag.PROMOTED_AT),
        tags=tags,
    )


def version_metrics(tracking_uri: str, model_name: str, version: str) -> dict[str, float]:
    """The holdout metrics registered with ``version`` (its ``conveyor.metrics`` tag; empty when it has none)."""
    import mlflow

    tags = mlflow.MlflowClient(tracking_uri=tracking_uri).get_model_version(model_name, version).tags or {}
    return json.loads(tags.get(MlflowTag.METRICS, "{}"))


def registered_models(tracking_uri: str) -> list[tuple[str, int]]:
    """Every registered model's name and number of versions, by name."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=tracking_uri)
    models = client.search_registered_models(max_results=1000)
    return sorted(
        (m.name, len(client.search_model_versions(f"name = '{m.name}'", max_results=10_000))) for m in models
    )


def require_champion(tracking_uri: str, model_name: str) -> Champion:
    """The exact version carrying the champion alias; NoChampionError says what to run when there is none."""
    champion = get_champion(tracking_uri, model_name)
    if champion is None:
        raise NoChampionError(
            f"model '{model_name}' has no champion (no version carries the alias '{CHAMPION_ALIAS}' in "
            f"{tracking_uri}): run the training pipeline first (python run.py --pipeline training)"
        )
    return champion


def load_version(tracking_uri: str, model_name: str, version: str) -> Any:
    """Load an exact registered version as the sklearn Pipeline it was logged from.

    Only from its skops file, with its trusted list checked (platform/model_format.py); ModelFormatError for a
    pickle (a version registered before Conveyor used skops) or a type outside the allow-list.
    """
    import mlflow

    from conveyor.platform.model_format import load_logged_model

    mlflow.set_tracking_uri(tracking_uri)
    local = mlflow.artifacts.download_artifacts(artifact_uri=f"models:/{model_name}/{version}")
    return load_logged_model(local, f"model '{model_name}' version {version}")


@contextmanager
def promotion_lock(model_name: str) -> Iterator[None]:
    """One promotion of ``model_name`` at a time among all processes that share the ZenML store."""
    with store_lease(f"promotion:{model_name}"):
        yield


def set_champion(
    tracking_uri: str,
    model_name: str,
    version: str,
    expected_previous: str | None,
    on_promoted: Callable[[], None] | None = None,
    *,
    kind: EventKind = "promotion",
    reason: str = "",
    zenml_run: str | None = None,
) -> bool:
    """Move the champion alias to ``version`` if the champion is still ``expected_previous``.

    Returns False, changing nothing, when another run promoted a different version since the gate
    compared against ``expected_previous``: that run's gate did not see this challenger. A move is
    appended to the promotion history (``kind``, ``reason``, ``zenml_run``; see platform/history.py).
    ``on_promoted`` runs after the alias moved and before the promotion lock is released, so mirrors
    of the champion (the ZenML stage) change in the same order as the alias.
    """
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=tracking_uri)
    with promotion_lock(model_name):
        current = get_champion(tracking_uri, model_name)
        if (current.version if current else None) != expected_previous:
            return False
        client.set_registered_model_alias(model_name, CHAMPION_ALIAS, version)
        at = datetime.now(UTC).isoformat()
        client.set_model_version_tag(model_name, version, MlflowTag.PROMOTED_AT, at)
        if version != expected_previous:
            append_event(
                client, model_name, at=at, kind=kind, from_version=expected_previous, to_version=version,
                reason=reason, zenml_run=zenml_run,
            )
        if on_promoted is not None:
            on_promoted()
    return True


def linked_zenml_version_id(tags: dict[str, str]) -> str | None:
    """The id of the ZenML model version a registry version is linked to (tag ``name:number (id)``), if any."""
    _, opened, rest = tags.get(MlflowTag.ZENML_MODEL_VERSION, "").rpartition(" (")
    if not opened or not rest.endswith(")"):
        return None
    return rest[:-1] or None


def set_production_stage(model_name: str, zenml_model_version_id: str) -> None:
    """Give ZenML model version ``zenml_model_version_id`` the stage ``production`` (archiving the one before)."""
    from zenml.client import Client

    Client().update_model_version(
        model_name_or_id=model_name,
        version_name_or_id=UUID(zenml_model_version_id),
        stage=PRODUCTION_STAGE,
        force=True,
    )
