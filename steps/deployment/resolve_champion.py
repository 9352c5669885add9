"""Resolve the champion alias to an exact registry version (never `latest`)."""

import logging
from typing import Annotated, Any

from zenml import step

from conveyor.names import CHAMPION_VERSION
from conveyor.platform.registry import stack_tracking_uri
from conveyor.serving.bento_model import bento_tag
from conveyor.serving.bento_model import resolve_champion as resolve

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def resolve_champion(model_name: str) -> Annotated[dict[str, Any], CHAMPION_VERSION]:
    """The version carrying the champion alias now; fails with 'run the training pipeline first' if none."""
    champion = resolve(stack_tracking_uri(), model_name)
    logger.info("Champion of %s is version %s", model_name, champion.version)
    return {
        "name": champion.name,
        "version": champion.version,
        "run_id": champion.run_id,
        "model_uri": f"models:/{champion.name}/{champion.version}",
        "bento_model_tag": bento_tag(champion.name, champion.version),
        "zenml_model_version": champion.tags.get("conveyor.zenml_model_version"),
        "metrics": champion.metrics,
    }
