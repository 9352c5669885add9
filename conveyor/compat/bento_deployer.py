"""ZenML's BentoML deployer and services, made to serve the new BentoML SDK on bentoml >= 1.4.16 (and pass the token).

ZenML 0.98's ``BentoMLLocalDeploymentService.run()`` picks its serving path with
``isinstance(svc, bentoml.Service)``, meant to catch bentoml < 1.2 services. From bentoml 1.4.16 on,
``bentoml.Service`` is the new SDK's class, so a new-style service takes the legacy path and fails in the
daemon (``'Service' object has no attribute 'runners'``); ZenML then waits for the timeout and reports the
deployment as started with URL ``None``.

Contract:

- ``ConveyorBentoMLLocalDeploymentService`` always takes ZenML's own new-SDK serving path (the one ZenML
  takes on bentoml 1.4.15). ZenML stores a service's class as its ``type`` and re-creates the service from it
  in the daemon (``zenml.services.local.local_daemon_entrypoint``) and in ``find_model_server``, so this
  class is the one that runs, restarts included. Its ``SERVICE_TYPE`` has its own name (same type and flavor,
  so ZenML lists it with the others), so the deployment step replaces a service made by ZenML's class
  instead of restarting it. A forced stop (``zenml model-deployer models delete -y`` SIGKILLs the daemon,
  whose BentoML arbiter then never stops its workers, which run in their own sessions) also kills the
  daemon's child processes; a plain stop (SIGTERM) is BentoML's own.
- ``ConveyorBentoMLModelDeployer.like(deployer)`` is the active stack's BentoML deployer component (same id,
  name and config, so the same runtime directory and services) with one method changed: it creates that
  service for a local config, where ZenML builds its own class directly in ``_create_new_service``, and the
  container service below for its config. The stack keeps ZenML's ``bentoml`` flavor. ZenML's container
  service starts ``bentoml serve`` without the faulty check, so its serving path is ZenML's own.
- ``ConveyorBentoMLContainerDeploymentService`` is ZenML's container service, which passes only ``ZENML_*``
  variables into the container, plus the variables its config names in ``passed_environment`` (the service's
  token variable, ``service.auth.token_env``), read from the environment of the process that starts the
  container. Only the names are in the config ZenML stores; Docker keeps the values in the container's own
  config, as for any ``docker run -e``. Its ``SERVICE_TYPE`` has its own name, like the local one's.
- Serving is wrong without this, so outside the versions it was written for (``ZENML_BENTOML_LOCAL_SERVICE``,
  ``BENTOML_SERVE_HTTP`` and ``ZENML_CONTAINER_ENVIRONMENT`` in patches.py) building the deployer and running the
  service raise CompatError.
"""

from __future__ import annotations

import os
from contextlib import suppress
from typing import Any
from uuid import UUID

import psutil
from zenml.constants import DEFAULT_LOCAL_SERVICE_IP_ADDRESS
from zenml.integrations.bentoml.model_deployers.bentoml_model_deployer import BentoMLModelDeployer
from zenml.integrations.bentoml.services.bentoml_container_deployment import (
    BentoMLContainerDeploymentConfig,
    BentoMLContainerDeploymentService,
)
from zenml.integrations.bentoml.services.bentoml_local_deployment import (
    BentoMLLocalDeploymentConfig,
    BentoMLLocalDeploymentService,
    SSLBentoMLParametersConfig,
)
from zenml.logger import get_logger
from zenml.models.v2.misc.service import ServiceType
from zenml.services.service import BaseService

from conveyor.compat.patches import BENTOML_SERVE_HTTP, ZENML_BENTOML_LOCAL_SERVICE, ZENML_CONTAINER_ENVIRONMENT

logger = get_logger(__name__)


def _check_versions() -> None:
    """CompatError unless the installed zenml and bentoml are the ones this module was written for."""
    ZENML_BENTOML_LOCAL_SERVICE.check()
    BENTOML_SERVE_HTTP.check()
    ZENML_CONTAINER_ENVIRONMENT.check()


class ConveyorBentoMLLocalDeploymentService(BentoMLLocalDeploymentService):
    """ZenML's local BentoML service, always served with the new BentoML SDK (bentoml >= 1.2)."""

    SERVICE_TYPE = ServiceType(
        name="conveyor-bentoml-local-deployment",
        type=BentoMLLocalDeploymentService.SERVICE_TYPE.type,
        flavor=BentoMLLocalDeploymentService.SERVICE_TYPE.flavor,
        description="BentoML local prediction service (new-SDK serving path; see conveyor/compat/bento_deployer.py)",
        logo_url=BentoMLLocalDeploymentService.SERVICE_TYPE.logo_url,
    )

    def run(self) -> None:
        """Serve the Bento in this (daemon) process until stopped: ZenML's bentoml >= 1.2 branch of ``run()``."""
        _check_versions()
        from _bentoml_impl.server import serve_http  # type: ignore[import-not-found]
        from bentoml._internal.service.loader import load

        logger.info("Starting BentoML prediction service as blocking process... press CTRL+C once to stop it.")
        self.endpoint.prepare_for_start()
        ssl = self.config.ssl_parameters or SSLBentoMLParametersConfig()
        svc = load(bento_identifier=self.config.bento_tag, working_dir=self.config.working_dir or ".")
        svc.inject_config()
        try:
            serve_http(
                self.config.bento_tag,
                working_dir=self.config.working_dir or ".",
                host=self.config.host or DEFAULT_LOCAL_SERVICE_IP_ADDRESS,
                port=self.config.port,
                backlog=self.config.backlog,
                ssl_certfile=ssl.ssl_certfile,
                ssl_keyfile=ssl.ssl_keyfile,
                ssl_keyfile_password=ssl.ssl_keyfile_password,
                ssl_version=ssl.ssl_version,
                ssl_cert_reqs=ssl.ssl_cert_reqs,
                ssl_ca_certs=ssl.ssl_ca_certs,
                ssl_ciphers=ssl.ssl_ciphers,
            )
        except KeyboardInterrupt:
            logger.info("Stopping BentoML prediction service...")

    def deprovision(self, force: bool = False) -> None:
        """Stop the daemon; when forced (SIGKILL, which BentoML cannot clean up after), its workers as well."""
        workers = self._worker_processes() if force else []
        super().deprovision(force)
        for worker in workers:
            with suppress(psutil.Error):  # already gone
                worker.kill()
        if workers:
            logger.info("Killed %d BentoML worker process(es) of the force-stopped service %s", len(workers), self.uuid)

    def _worker_processes(self) -> list[psutil.Process]:
        pid = self.status.pid
        if not pid:
            return []
        try:
            return list(psutil.Process(pid).children(recursive=True))
        except psutil.Error:
            return []


class ConveyorBentoMLContainerDeploymentConfig(BentoMLContainerDeploymentConfig):
    """ZenML's BentoML container config, with the names of variables to pass into the container."""

    passed_environment: list[str] = []  # names only: the values are read when the container starts


def passed_environment(names: list[str]) -> dict[str, str]:
    """The variables of this process named in ``names`` that are set (unset ones are left to the service)."""
    return {name: os.environ[name] for name in names if name in os.environ}


class ConveyorBentoMLContainerDeploymentService(BentoMLContainerDeploymentService):
    """ZenML's BentoML container service that also passes the variables named in ``config.passed_environment``."""

    SERVICE_TYPE = ServiceType(
        name="conveyor-bentoml-container-deployment",
        type=BentoMLContainerDeploymentService.SERVICE_TYPE.type,
        flavor=BentoMLContainerDeploymentService.SERVICE_TYPE.flavor,
        description="BentoML container prediction service (passes the token variable; see "
        "conveyor/compat/bento_deployer.py)",
        logo_url=BentoMLContainerDeploymentService.SERVICE_TYPE.logo_url,
    )

    config: ConveyorBentoMLContainerDeploymentConfig

    def _get_container_cmd(self) -> tuple[list[str], dict[str, str]]:
        """ZenML's command and environment (its ``ZENML_*`` variables), plus the passed variables."""
        _check_versions()
        command, environment = super()._get_container_cmd()
        return command, {**environment, **passed_environment(self.config.passed_environment)}


class ConveyorBentoMLModelDeployer(BentoMLModelDeployer):
    """ZenML's BentoML model deployer that creates ``ConveyorBentoMLLocalDeploymentService`` for local configs."""

    @classmethod
    def like(cls, deployer: BentoMLModelDeployer) -> ConveyorBentoMLModelDeployer:
        """This class over the same stack component as ``deployer`` (the active stack's)."""
        _check_versions()
        return cls(
            name=deployer.name,
            id=deployer.id,
            config=deployer.config,
            flavor=deployer.flavor,
            type=deployer.type,
            user=deployer.user,
            created=deployer.created,
            updated=deployer.updated,
            environment=deployer.environment,
            secrets=deployer.secrets,
            labels=deployer.labels,
            connector_requirements=deployer.connector_requirements,
            connector=deployer.connector,
            connector_resource_id=deployer.connector_resource_id,
        )

    def _create_new_service(self, id: UUID, timeout: int, config: Any) -> BaseService:  # noqa: A002 - ZenML's name
        """Create and start the service for ``config``: one of Conveyor's two services, else ZenML's choice."""
        classes: dict[type, type[BaseService]] = {
            BentoMLLocalDeploymentConfig: ConveyorBentoMLLocalDeploymentService,
            ConveyorBentoMLContainerDeploymentConfig: ConveyorBentoMLContainerDeploymentService,
        }
        service_class = next((c for kind, c in classes.items() if isinstance(config, kind)), None)
        if service_class is None:
            return super()._create_new_service(id, timeout, config)
        config.root_runtime_path = self.local_path
        service = service_class(uuid=id, config=config)
        service.start(timeout=timeout)
        return service
