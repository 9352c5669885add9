"""How the deployment pipeline serves a Bento: a local process or a container, and the ZenML config for each.

``parameters.deployment`` in configs/deployment.yaml is ``auto``, ``local`` or ``container``. ``auto``
follows the active stack: its local orchestrator runs steps as processes on this machine, where
ZenML's BentoML deployer can leave a ``bentoml serve`` process running; any other orchestrator runs
steps in containers or pods that end with the step, so the Bento is served as a container instead
(built with ``bentoml containerize``, pushed to the stack's container registry if it has one, and run
with Docker where the step runs). ``Deployment`` is the deploy step's typed output.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from conveyor.config import DeploymentMode, ServiceSettings
from conveyor.platform.stack import LOCAL_ORCHESTRATORS
from conveyor.platform.versions import ChampionVersion

ServingMode = Literal["local", "container"]
# Inside a container the service must accept connections from outside it (Docker publishes the port).
CONTAINER_BIND_HOST = "0.0.0.0"  # noqa: S104 - bound inside the container; the host side is the setting's
# ZenML's container service starts `python -m zenml.services.container.entrypoint` in the Bento image,
# which imports ZenML's BentoML integration (and with it the Docker client).
CONTAINER_PACKAGES = ("zenml", "docker")


class Deployment(BaseModel):
    """A running ZenML-managed service of a Bento: where it answers and what it serves."""

    model_config = ConfigDict(frozen=True)

    service_uuid: str
    url: str
    bento_tag: str
    model_name: str
    version: str
    outcome: Literal["deployed", "reused"]
    mode: ServingMode
    pid: int | None
    token_env: str | None = None  # the variable holding the bearer token clients send (its name, never the token)


def resolve_mode(setting: DeploymentMode, orchestrator_flavor: str) -> ServingMode:
    """The serving mode for ``setting``: ``auto`` is local on the local orchestrator, else a container."""
    if setting != "auto":
        return setting
    return "local" if orchestrator_flavor in LOCAL_ORCHESTRATORS else "container"


def active_mode(setting: DeploymentMode) -> ServingMode:
    """The serving mode for ``setting`` on the active ZenML stack."""
    from zenml.client import Client

    return resolve_mode(setting, Client().active_stack.orchestrator.flavor)


def bento_settings(settings: ServiceSettings, mode: ServingMode) -> ServiceSettings:
    """The service settings baked into the Bento: in a container it binds every interface."""
    if mode == "container":
        return settings.model_copy(update={"host": CONTAINER_BIND_HOST})
    return settings


def bento_packages(mode: ServingMode, model_requirements: Sequence[str] = ()) -> list[str]:
    """Python packages the Bento needs besides bentofile.yaml's, pinned: the model's own (its estimator's
    library, ``conveyor.serving.bento_model.model_requirements``), and in a container what ZenML needs there."""
    if mode == "local":
        return list(model_requirements)
    return [*model_requirements, *(f"{name}=={importlib.metadata.version(name)}" for name in CONTAINER_PACKAGES)]


def zenml_model_version(champion: ChampionVersion) -> str | None:
    """The ZenML model version number from the registry tag ``name:number (id)``."""
    tag = champion.zenml_model_version or ""
    number = tag.partition(":")[2].partition(" ")[0]
    return number or None


def service_types() -> dict[ServingMode, Any]:
    """The BentoML service type of each mode: Conveyor's local and container ones (compat/bento_deployer.py)."""
    from conveyor.compat.bento_deployer import (
        ConveyorBentoMLContainerDeploymentService,
        ConveyorBentoMLLocalDeploymentService,
    )

    return {
        "local": ConveyorBentoMLLocalDeploymentService.SERVICE_TYPE,
        "container": ConveyorBentoMLContainerDeploymentService.SERVICE_TYPE,
    }


def model_deployer(deployer: Any) -> Any:
    """The deployer to deploy with: the active BentoML deployer, creating Conveyor's local service class.

    ZenML 0.98's own local service cannot serve bentoml >= 1.4.16 (see conveyor/compat/bento_deployer.py).
    """
    from conveyor.compat.bento_deployer import ConveyorBentoMLModelDeployer

    return ConveyorBentoMLModelDeployer.like(deployer)


def deployment_config(
    mode: ServingMode,
    *,
    champion: ChampionVersion,
    bento_tag: str,
    apis: list[str],
    settings: ServiceSettings,
    working_dir: str,
    pipeline_name: str,
    step_name: str,
) -> Any:
    """ZenML's deployment config for ``mode``: a local ``bentoml serve`` in ``working_dir``, or a container.

    The container's image is named by ZenML: ``<container registry uri>/<bento tag>`` when the stack
    has a registry (and pushed there), else the Bento tag. The container gets the token variable
    (``settings.auth.token_env``) from the environment that starts it; a local process inherits it anyway.
    """
    common: dict[str, Any] = {
        "model_name": champion.name,
        "model_version": zenml_model_version(champion),
        "model_uri": champion.model_uri,
        "bento_tag": bento_tag,
        "apis": apis,
        "host": settings.host,
        "port": settings.port,
        "workers": settings.workers,
        "pipeline_name": pipeline_name,
        "pipeline_step_name": step_name,
    }
    if mode == "local":
        from zenml.integrations.bentoml.services.bentoml_local_deployment import BentoMLLocalDeploymentConfig

        return BentoMLLocalDeploymentConfig(**common, working_dir=working_dir)
    from conveyor.compat.bento_deployer import ConveyorBentoMLContainerDeploymentConfig

    # No working_dir: the service then serves the Bento the image holds, from the image's working directory.
    token_env = settings.auth.token_env
    return ConveyorBentoMLContainerDeploymentConfig(**common, passed_environment=[token_env] if token_env else [])
