"""The container image that runs Conveyor's steps on a remote orchestrator (the Kubernetes stack).

ZenML builds it from these settings (with the stack's image builder) only when the orchestrator runs
steps in containers; the local orchestrator ignores them. The image gets exactly the pins of
``pyproject.toml`` (the project's dependencies and its ``kubernetes`` extra) instead of ZenML's
unpinned integration requirements, and the project's code is copied in by ZenML.
"""

from __future__ import annotations

import tomllib
from typing import Any

from conveyor.platform.paths import project_root
from conveyor.platform.stack import LOCAL_ORCHESTRATORS

# The optional dependency group that remote stacks need in the image (S3 artifact store, Kubernetes).
REMOTE_EXTRA = "kubernetes"


def image_requirements() -> list[str]:
    """Pinned requirements of the step image: the project's dependencies plus the remote-stack extra."""
    project = tomllib.loads((project_root() / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"], *project["optional-dependencies"][REMOTE_EXTRA]]


def docker_settings() -> Any:
    """ZenML ``DockerSettings`` for every Conveyor pipeline."""
    from zenml.config import DockerSettings

    return DockerSettings(
        requirements=image_requirements(),
        install_stack_requirements=False,  # the pins above already cover every component of our stacks
        python_package_installer="pip",  # no network fetch of an installer during the build
        environment={"ZENML_ANALYTICS_OPT_IN": "false", "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )


def run_settings(orchestrator_flavor: str) -> dict[str, Any]:
    """A pipeline run's settings: the image settings only where steps run in containers.

    On the local orchestrator ZenML would only warn that nothing in the stack uses them (ZML002).
    """
    return {} if orchestrator_flavor in LOCAL_ORCHESTRATORS else {"docker": docker_settings()}
