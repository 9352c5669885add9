"""The client side of a rollback: a running service of the model follows the new champion.

The rollback pipeline's steps move the champion, and a step cannot start a pipeline. The client that launched
the rollback (``run.py --pipeline rollback``) then looks for a running service of that model among the active
stack's BentoML model-deployer services (the ones the deployment pipeline starts) and, if one runs, starts the
deployment pipeline for the new champion with the rollback config's ``redeploy`` config, on the host, port,
workers and mode of the running service; the deployment replaces it. The outcome is the rollback run's
metadata ``redeployment``.
"""

from __future__ import annotations

import logging
from typing import Any

from conveyor.config import DeploymentConfig, RollbackParams, load_run_config
from conveyor.errors import DeploymentError
from conveyor.names import Artifact
from conveyor.platform.paths import project_root

logger = logging.getLogger(__name__)

OUTCOME_KEY = "redeployment"  # the rollback run's metadata key
ROLLBACK_STEP = "rollback_champion"


def running_services(model_name: str) -> list[Any]:
    """The running services of ``model_name`` that the active stack's BentoML model deployer manages."""
    from zenml.client import Client

    component = Client().active_stack.model_deployer
    if component is None or component.flavor != "bentoml":
        return []
    from zenml.integrations.bentoml.model_deployers import BentoMLModelDeployer

    deployer = BentoMLModelDeployer.get_active_model_deployer()
    return [s for s in deployer.find_model_server() if s.config.model_name == model_name and s.is_running]


def _mode_of(service: Any) -> str:
    from conveyor.serving.modes import service_types

    return "container" if service.SERVICE_TYPE.name == service_types()["container"].name else "local"


def _record(run_id: Any, outcome: dict[str, Any]) -> None:
    from zenml import log_metadata

    log_metadata(metadata={OUTCOME_KEY: outcome}, run_id_name_or_prefix=run_id)


def redeploy_after_rollback(rollback_run: Any) -> dict[str, Any]:
    """Redeploy the running service of the rolled-back model, if there is one; return (and record) the outcome."""
    from zenml.client import Client

    from conveyor.platform.launcher import run_pipeline, step_output

    run = Client().get_pipeline_run(rollback_run.id)
    rollback = step_output(run, ROLLBACK_STEP, Artifact.ROLLBACK)
    name, version = rollback.model_name, rollback.to_version
    services = running_services(name)
    if not services:
        logger.info(
            "No running service of %s: nothing to redeploy (serve version %s with: "
            "python run.py --pipeline deployment --set model.name=%s)", name, version, name,
        )
        outcome: dict[str, Any] = {"action": "none", "version": version}
        _record(run.id, outcome)
        return outcome

    service = services[0]
    params = RollbackParams.model_validate(run.config.parameters["params"])
    address = [
        f"model.name={name}",
        f"service.host={service.config.host}",
        f"service.port={service.config.port}",
        f"service.workers={service.config.workers}",
        f"deployment={_mode_of(service)}",
    ]
    config = load_run_config(
        project_root() / params.redeploy.config, DeploymentConfig, [*address, *params.redeploy.overrides]
    )
    logger.info(
        "Service %s of %s serves version %s at %s:%s: redeploying it with version %s (%s)",
        service.uuid, name, rollback.from_version, service.config.host, service.config.port, version,
        params.redeploy.config,
    )
    try:
        deployed = run_pipeline("deployment", config, no_cache=True)
    except Exception as exc:
        _record(run.id, {"action": "redeploy_failed", "version": version, "error": str(exc)})
        raise DeploymentError(
            f"{name} was rolled back to version {version}, but redeploying its running service failed: {exc}\n"
            f"The service may still serve version {rollback.from_version}; deploy again with "
            f"python run.py --pipeline deployment --set model.name={name}"
        ) from exc
    deployment = step_output(deployed, "deploy_service", Artifact.DEPLOYMENT)
    outcome = {
        "action": "redeployed",
        "version": deployment.version,
        "replaced_service": str(service.uuid),
        "service": deployment.service_uuid,
        "url": deployment.url,
    }
    _record(run.id, outcome)
    logger.info("Redeployed %s: service %s serves version %s at %s", name, deployment.service_uuid,
                deployment.version, deployment.url)
    return outcome
