"""Import the exact champion version into BentoML's model store under its deterministic tag."""

import logging
from typing import Annotated

from zenml import step

from conveyor.errors import ServingError
from conveyor.names import Artifact
from conveyor.platform.registry import get_champion, stack_tracking_uri
from conveyor.platform.versions import ChampionVersion
from conveyor.serving.bento_model import import_champion

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def import_model(champion: ChampionVersion) -> Annotated[str, Artifact.BENTO_MODEL_TAG]:
    """``<name>:v<version>``; reused when already imported from the same MLflow run."""
    uri = stack_tracking_uri()
    current = get_champion(uri, champion.name)
    if current is None or current.version != champion.version:
        raise ServingError(
            f"the champion of {champion.name} moved from version {champion.version} while deploying; "
            "run the deployment pipeline again"
        )
    return import_champion(uri, current).tag
