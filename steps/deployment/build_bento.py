"""Build the Bento from bentofile.yaml with the exact model tag and the service settings baked in."""

import hashlib
import logging
from typing import Annotated

from zenml import step

from conveyor.config import DeploymentMode, ServiceSettings
from conveyor.names import Artifact
from conveyor.platform.paths import project_root
from conveyor.serving.bento_build import BENTOFILE, build
from conveyor.serving.bento_model import model_requirements
from conveyor.serving.modes import active_mode, bento_packages, bento_settings

logger = logging.getLogger(__name__)


def _digest(bento_model_tag: str, settings_json: str, packages: list[str]) -> str:
    """A content hash of what goes into the Bento, so an unchanged build is reused."""
    root = project_root()
    digest = hashlib.sha256("\n".join([bento_model_tag, settings_json, *packages]).encode())
    for path in sorted([root / BENTOFILE, root / "service.py", *(root / "conveyor").rglob("*.py")]):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


@step(enable_cache=False)
def build_bento(
    bento_model_tag: str, settings: ServiceSettings, deployment: DeploymentMode
) -> Annotated[str, Artifact.BENTO_TAG]:
    """The Bento's tag, ``conveyor:v<registry version>-<content hash>``; an identical build is reused.

    It installs the packages the model's estimator needs (xgboost-cpu, lightgbm); a Bento for a container
    deployment also binds every interface and carries what ZenML's container needs.
    """
    import bentoml
    from bentoml.exceptions import NotFound

    mode = active_mode(deployment)
    settings_json = bento_settings(settings, mode).model_dump_json()
    packages = bento_packages(mode, model_requirements(bento_model_tag))
    version = f"{bento_model_tag.rpartition(':')[2]}-{_digest(bento_model_tag, settings_json, packages)}"
    try:
        bento = bentoml.bentos.get(f"conveyor:{version}")
        logger.info("Bento %s is already built; reusing it", bento.tag)
        return str(bento.tag)
    except NotFound:
        pass
    tag = build(bento_model_tag, version, settings_json, packages)
    logger.info("Built Bento %s serving %s for a %s deployment", tag, bento_model_tag, mode)
    return tag
