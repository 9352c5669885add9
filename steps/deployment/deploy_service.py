"""Serve the Bento through ZenML's BentoML model deployer: replace another version, reuse the same one.

A local process or a container, as `parameters.deployment` and the active stack say (conveyor/serving/modes.py).
"""

import logging
import socket
import time
from typing import Annotated, cast

from zenml import get_step_context, step

from conveyor.config import DeploymentMode, ServiceSettings
from conveyor.errors import DeploymentError
from conveyor.names import Artifact
from conveyor.platform.paths import project_root
from conveyor.platform.versions import ChampionVersion
from conveyor.serving.auth import read_token
from conveyor.serving.modes import Deployment, active_mode, deployment_config, model_deployer, service_types

logger = logging.getLogger(__name__)

API_ROUTES = ("predict", "predict_batch", "predict_batched", "model_info")


def _wait_port_free(host: str, port: int, timeout: int) -> None:
    """Wait until nothing listens on host:port (a replaced server may take a moment to exit)."""
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as probe:
            if probe.connect_ex((host, port)) != 0:
                return
        if time.monotonic() > deadline:
            raise DeploymentError(
                f"{host}:{port} is still in use after {timeout}s by a process this pipeline does not manage: "
                "stop it, or deploy on another port (--set service.port=...)"
            )
        time.sleep(0.5)


@step(enable_cache=False)
def deploy_service(
    bento_tag: str, champion: ChampionVersion, settings: ServiceSettings, deployment: DeploymentMode, timeout: int
) -> Annotated[Deployment, Artifact.DEPLOYMENT]:
    """A running ZenML-managed service for ``bento_tag``, with its URL; fails if it does not come up.

    With ``service.auth.token_env`` set, the variable must hold the token in this run's environment (checked
    before anything is replaced): the service reads it from there, a local process by inheriting it, a container
    by name (conveyor/compat/bento_deployer.py).
    """
    import bentoml

    read_token(settings.auth.token_env)  # ServingError naming the variable when it is empty or unset
    from zenml.integrations.bentoml.model_deployers import BentoMLModelDeployer

    deployer = model_deployer(cast(BentoMLModelDeployer, BentoMLModelDeployer.get_active_model_deployer()))
    mode = active_mode(deployment)
    service_type = service_types()[mode]
    context = get_step_context()
    bento = bentoml.bentos.get(bento_tag)
    config = deployment_config(
        mode,
        champion=champion,
        bento_tag=bento_tag,
        apis=[api.name for api in getattr(bento.info, "apis", [])] or list(API_ROUTES),
        settings=settings,
        working_dir=str(project_root()),
        pipeline_name=context.pipeline.name,
        step_name=context.step_run.name,
    )

    reused = None
    # Filter by model name here: ZenML's model_name filter means "linked to the model's latest version".
    # ZenML filters by the service type's type and flavor, which both modes share: this lists the
    # services of either mode, and one of the other mode is replaced like another Bento's.
    mine = [s for s in deployer.find_model_server(service_type=service_type) if s.config.model_name == champion.name]
    for existing in mine:
        same = (
            existing.SERVICE_TYPE.name == service_type.name
            and existing.config.bento_tag == bento_tag
            and (existing.config.host, existing.config.port) == (settings.host, settings.port)
        )
        if same and reused is None:
            reused = existing
            continue
        logger.info("Replacing deployment %s (Bento %s)", existing.uuid, existing.config.bento_tag)
        # Stop first: deleting a running service removes its files while BentoML shuts down, which can
        # leave the BentoML worker process running (and holding the port).
        deployer.stop_model_server(existing.uuid, timeout=timeout)
        deployer.delete_model_server(existing.uuid, timeout=timeout)

    if reused is not None:
        if not reused.is_running:
            deployer.start_model_server(reused.uuid, timeout=timeout)
            reused = deployer.find_model_server(service_uuid=reused.uuid)[0]
        service, outcome = reused, "reused"
    else:
        _wait_port_free(settings.host, settings.port, timeout)
        # continuous mode: ZenML's exact-config lookup can return a service for another Bento
        service = deployer.deploy_model(
            config=config, service_type=service_type, timeout=timeout, continuous_deployment_mode=True
        )
        outcome = "deployed"
    if not service.is_running:
        raise DeploymentError(
            f"the BentoML service for {bento_tag} did not start within {timeout}s: "
            f"{service.get_service_status_message()}; see its log under {service.status.runtime_path}"
        )
    url = f"http://{settings.host}:{settings.port}"
    logger.info("%s %s version %s as Bento %s (%s) at %s", outcome.capitalize(), champion.name,
                champion.version, bento_tag, mode, url)
    logger.info("ZenML service %s; stop it with: zenml model-deployer models stop %s", service.uuid, service.uuid)
    return Deployment(
        service_uuid=str(service.uuid),
        url=url,
        bento_tag=bento_tag,
        model_name=champion.name,
        version=champion.version,
        outcome=outcome,
        mode=mode,
        pid=getattr(service.status, "pid", None),
        token_env=settings.auth.token_env,
    )
