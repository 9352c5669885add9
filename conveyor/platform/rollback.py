"""Rolling a model's champion back to another registered version.

``plan_rollback`` checks everything before anything moves: the model is registered and has a champion, the
target version exists, differs from the champion, its MLflow run and model load, and it is linked to a
ZenML model version. Without a chosen version the target is the previous champion, from the promotion
history (platform/history.py). ``execute_rollback`` then moves the MLflow alias ``champion`` and the ZenML
stage ``production`` together under the promotion lease (``registry.set_champion``), only if the champion
is still the one the plan was made against, appends the move to the promotion history, and tags both
versions with it (``MlflowTag.ROLLED_BACK`` on the one it left, ``MlflowTag.RESTORED`` on the new champion).
``Rollback`` is the rollback pipeline's typed artifact.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from conveyor.config import DEFAULT_ROLLBACK_REASON
from conveyor.errors import RollbackError
from conveyor.names import MlflowTag
from conveyor.platform.history import PromotionEvent, previous_champion, promotion_history
from conveyor.platform.registry import (
    get_champion,
    linked_zenml_version_id,
    load_version,
    set_champion,
    set_production_stage,
)

logger = logging.getLogger(__name__)


class RollbackPlan(BaseModel):
    """A checked rollback: the champion it was planned against and the version that replaces it."""

    model_config = ConfigDict(frozen=True)

    model_name: str
    from_version: str
    to_version: str
    reason: str
    to_run_id: str
    to_zenml_model_version_id: str


class Rollback(BaseModel):
    """What a rollback did: from, to, why, when, by which run, and its number in the promotion history."""

    model_config = ConfigDict(frozen=True)

    model_name: str
    from_version: str
    to_version: str
    reason: str
    at: str
    zenml_run: str | None
    history_seq: int


def _choices(versions: Sequence[str], current: str) -> str:
    others = [v for v in versions if v != current]
    if not others:
        return "no other version is registered"
    return "registered: " + ", ".join(others)


def choose_target(
    model_name: str, versions: Sequence[str], current: str, events: Sequence[PromotionEvent], to_version: str | None
) -> str:
    """The version to roll back to: ``to_version``, or the previous champion; RollbackError says why not."""
    choose = f"choose a version with --set to_version=N ({_choices(versions, current)})"
    if to_version is None:
        to_version = previous_champion(events, current)
        if to_version is None:
            if not events:
                why = f"model '{model_name}' has no promotion history to find its previous champion in"
            elif events[-1].to_version != current:
                why = (
                    f"the champion of '{model_name}' is version {current}, but the last recorded move went to "
                    f"version {events[-1].to_version} (the alias was moved outside Conveyor)"
                )
            else:
                why = (
                    f"version {current} is the first champion of '{model_name}': there is no previous champion to "
                    "roll back to; train a new version (python run.py --pipeline training), or"
                )
            raise RollbackError(f"{why}; {choose}")
        if to_version not in versions:
            raise RollbackError(
                f"the previous champion of '{model_name}', version {to_version}, is no longer registered; {choose}"
            )
    if to_version not in versions:
        raise RollbackError(f"model '{model_name}' has no version {to_version}; {choose}")
    if to_version == current:
        raise RollbackError(
            f"version {to_version} is already the champion of '{model_name}': nothing to roll back; "
            f"leave to_version out for the previous champion, or {choose}"
        )
    return to_version


def plan_rollback(tracking_uri: str, model_name: str, to_version: int | None, reason: str | None) -> RollbackPlan:
    """Check a rollback of ``model_name`` to ``to_version`` (None: the previous champion); nothing moves here."""
    import mlflow
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient(tracking_uri=tracking_uri)
    try:
        client.get_registered_model(model_name)
    except MlflowException:
        known = sorted(m.name for m in client.search_registered_models(max_results=1000))
        raise RollbackError(
            f"model '{model_name}' is not registered in {tracking_uri} (registered: {', '.join(known) or 'none'}); "
            "check model.name in the rollback config"
        ) from None
    champion = get_champion(tracking_uri, model_name)
    if champion is None:
        raise RollbackError(
            f"model '{model_name}' has no champion, so there is nothing to roll back: "
            "run the training pipeline first (python run.py --pipeline training)"
        )
    versions = sorted(
        (str(v.version) for v in client.search_model_versions(f"name = '{model_name}'", max_results=10_000)), key=int
    )
    events = promotion_history(tracking_uri, model_name)
    chosen = None if to_version is None else str(to_version)
    target = choose_target(model_name, versions, champion.version, events, chosen)

    version = client.get_model_version(model_name, target)
    where = f"'{model_name}' version {target}"
    try:
        run = client.get_run(version.run_id) if version.run_id else None
    except MlflowException as exc:
        raise RollbackError(f"the MLflow run of {where} cannot be read ({exc}); choose another version") from None
    if run is None or run.info.lifecycle_stage == "deleted":
        raise RollbackError(f"{where} has no live MLflow run (run {version.run_id}); choose another version")
    try:
        load_version(tracking_uri, model_name, target)
    except Exception as exc:  # noqa: BLE001 - whatever the loader raises, this version cannot serve
        raise RollbackError(f"the model of {where} cannot be loaded ({exc}); choose another version") from None
    zenml_id = linked_zenml_version_id(dict(version.tags or {}))
    if zenml_id is None or not _zenml_version_exists(model_name, zenml_id):
        raise RollbackError(
            f"{where} is not linked to a ZenML model version of the active store (tag {MlflowTag.ZENML_MODEL_VERSION}"
            f" = {version.tags.get(MlflowTag.ZENML_MODEL_VERSION)!r}): it was not registered by Conveyor's training "
            "pipeline on this stack; choose another version"
        )
    return RollbackPlan(
        model_name=model_name,
        from_version=champion.version,
        to_version=target,
        reason=reason or DEFAULT_ROLLBACK_REASON,
        to_run_id=version.run_id,
        to_zenml_model_version_id=zenml_id,
    )


def _zenml_version_exists(model_name: str, zenml_model_version_id: str) -> bool:
    from uuid import UUID

    from zenml.client import Client

    try:
        Client().get_model_version(model_name, UUID(zenml_model_version_id), hydrate=False)
    except (KeyError, ValueError):
        return False
    return True


def execute_rollback(tracking_uri: str, plan: RollbackPlan, zenml_run: str | None) -> Rollback:
    """Move the alias and the stage to ``plan.to_version`` if the champion is still ``plan.from_version``.

    Raises RollbackError, changing nothing, when another run moved the champion since the plan was made.
    """
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=tracking_uri)
    recorded: list[PromotionEvent] = []

    def mirror_and_tag() -> None:  # inside the promotion lease, right after the alias and the history moved
        set_production_stage(plan.model_name, plan.to_zenml_model_version_id)
        event = promotion_history(tracking_uri, plan.model_name)[-1]
        client.set_model_version_tag(plan.model_name, plan.from_version, MlflowTag.ROLLED_BACK, event.model_dump_json())
        client.set_model_version_tag(plan.model_name, plan.to_version, MlflowTag.RESTORED, event.model_dump_json())
        recorded.append(event)

    moved = set_champion(
        tracking_uri,
        plan.model_name,
        plan.to_version,
        expected_previous=plan.from_version,
        on_promoted=mirror_and_tag,
        kind="rollback",
        reason=plan.reason,
        zenml_run=zenml_run,
    )
    if not moved:
        now = get_champion(tracking_uri, plan.model_name)
        raise RollbackError(
            f"the champion of '{plan.model_name}' changed from version {plan.from_version} to "
            f"{now.version if now else 'none'} while this rollback was checked; nothing moved: run the rollback again"
        )
    event = recorded[0]
    logger.info(
        "Rolled back %s from version %s to %s (MLflow alias and ZenML stage; history #%d): %s",
        plan.model_name, plan.from_version, plan.to_version, event.seq, plan.reason,
    )
    return Rollback(
        model_name=plan.model_name,
        from_version=plan.from_version,
        to_version=plan.to_version,
        reason=plan.reason,
        at=event.at,
        zenml_run=zenml_run,
        history_seq=event.seq,
    )
