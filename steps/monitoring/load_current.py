"""Load the current window: the service's prediction log, a file, or generated data, with its predictions."""

import logging
from typing import Annotated

import pandas as pd
from zenml import step

from conveyor.config import CurrentData
from conveyor.monitoring.data import ReferenceInfo, current_window, model_columns_of
from conveyor.monitoring.predictions import with_current_predictions
from conveyor.names import Artifact
from conveyor.platform.registry import load_version, stack_tracking_uri

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def load_current(
    source: CurrentData, seed: int, reference_info: ReferenceInfo
) -> Annotated[pd.DataFrame, Artifact.CURRENT_SET]:
    """The model's feature columns of the current data (an empty frame when there is none yet), plus
    ``reference_info.prediction``: the logged predictions, or the champion's on these rows when none came with them.
    """
    frame, logged = current_window(source, seed=seed, champion_version=reference_info.version)
    features = model_columns_of(frame, reference_info.numeric, reference_info.categorical)
    current, origin = with_current_predictions(
        features,
        frame,
        reference_info.feature_schema,
        reference_info.prediction,
        lambda: load_version(stack_tracking_uri(), reference_info.model, reference_info.version),
        logged,
    )
    logger.info("Current data: %d rows from %s; predictions %s", len(current), source.kind, origin)
    return current
