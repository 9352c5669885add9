"""Load the champion's training data, with the champion's predictions on it: the reference of drift monitoring."""

import logging
from typing import Annotated

import pandas as pd
from zenml import step

from conveyor.monitoring.data import ReferenceInfo, champion_reference
from conveyor.monitoring.predictions import predictions
from conveyor.names import Artifact
from conveyor.platform.registry import load_version, stack_tracking_uri

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def load_reference(
    model_name: str,
) -> tuple[Annotated[pd.DataFrame, Artifact.REFERENCE_SET], Annotated[ReferenceInfo, Artifact.REFERENCE_INFO]]:
    """Found through the champion's model version (alias -> ZenML model version -> train_set artifact).

    The feature columns, plus ``reference_info.prediction``: the champion's predictions on those rows.
    """
    tracking_uri = stack_tracking_uri()
    reference = champion_reference(tracking_uri, model_name)
    info = reference.info()
    model = load_version(tracking_uri, model_name, info.version)
    frame = reference.data[[*info.numeric, *info.categorical]].reset_index(drop=True)
    frame[info.prediction] = predictions(model, frame, info.feature_schema).to_numpy()
    logger.info("Reference predictions: %s version %s on its %d training rows", model_name, info.version, len(frame))
    return frame, info
