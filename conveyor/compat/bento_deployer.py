"""ZenML's BentoML local deployer and service, made to serve the new BentoML SDK on bentoml >= 1.4.16.

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
  service for a local config, where ZenML builds its own class directly in ``_create_new_service``. The
  stack keeps ZenML's ``bentoml`` flavor. Container configs (``BentoMLContainerDeploymentService``, which
  starts ``bentoml serve`` without the faulty check) stay ZenML's.
- Serving is wrong without this, so outside the versions it was written for (``ZENML_BENTOML_LOCAL_SERVICE``
  and ``BENTOML_SERVE_HTTP`` in patches.py) building the deployer and running the service raise CompatError.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any
from uuid import UUID

import psutil
from zenml.constants import DEFAULT_LOCAL_SERVICE_IP_ADDRESS
from zenml.integrations.bentoml.model_deployers.bentoml_model_deployer import BentoMLModelDeployer
from zenml.integrations.bentoml.services.bentoml_local_deployment import (
    BentoMLLocalDeploymentConfig,
    BentoMLLocalDeploymentService,
    SSLBentoMLParametersConfig,
)
from zenml.logger import get_logger
from zenml.models.v2.misc.service import ServiceType
from zenml.services.service import BaseService

from conveyor.compat.patches import BENTOML_SERVE_HTTP, ZENML_BENTOML_LOCAL_SERVICE

logger = get_logger(__name__)


def _check_versions() -> None:
    """CompatError unless the installed zenml and bentoml are the ones this module was written for."""
    ZENML_BENTOML_LOCAL_SERVICE.check()
    BENTOML_SERVE_HTTP.check()


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
        """Create and start the service for ``config``: Conveyor's local service, else ZenML's choice."""
        if not isinstance(config, BentoMLLocalDeploymentConfig):
            return super()._create_new_service(id, timeout, config)
        config.root_runtime_path = self.local_path
        service = ConveyorBentoMLLocalDeploymentService(uuid=id, config=config)
        service.start(timeout=timeout)
        return service
