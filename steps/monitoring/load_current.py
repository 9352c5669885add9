"""Load the current window: the service's prediction log, a file, or generated data."""

import logging
from typing import Annotated

import pandas as pd
from zenml import step

from conveyor.config import CurrentData
from conveyor.monitoring.data import ReferenceInfo, model_columns_of
from conveyor.monitoring.data import load_current as read_current
from conveyor.names import Artifact

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def load_current(
    source: CurrentData, seed: int, reference_info: ReferenceInfo
) -> Annotated[pd.DataFrame, Artifact.CURRENT_SET]:
    """The model's feature columns of the current data (an empty frame when there is none yet)."""
    frame = read_current(source, seed=seed, champion_version=reference_info.version)
    current = model_columns_of(frame, reference_info.numeric, reference_info.categorical)
    logger.info("Current data: %d rows from %s", len(current), source.kind)
    return current
