"""Resolve the champion alias to an exact registry version (never `latest`)."""

import logging
from typing import Annotated

from zenml import step

from conveyor.names import Artifact
from conveyor.platform.registry import require_champion, stack_tracking_uri
from conveyor.platform.versions import ChampionVersion
from conveyor.serving.bento_model import bento_tag

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def resolve_champion(model_name: str) -> Annotated[ChampionVersion, Artifact.CHAMPION_VERSION]:
    """The version carrying the champion alias now; fails with 'run the training pipeline first' if none."""
    champion = require_champion(stack_tracking_uri(), model_name)
    logger.info("Champion of %s is version %s", model_name, champion.version)
    return ChampionVersion.of(champion, bento_tag(champion.name, champion.version))
