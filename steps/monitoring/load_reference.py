"""Load the champion's training data: the reference that current data is compared with."""

import logging
from typing import Annotated, Any

import pandas as pd
from zenml import step

from conveyor.monitoring.data import champion_reference
from conveyor.names import REFERENCE_INFO, REFERENCE_SET
from conveyor.platform.registry import stack_tracking_uri

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def load_reference(
    model_name: str,
) -> tuple[Annotated[pd.DataFrame, REFERENCE_SET], Annotated[dict[str, Any], REFERENCE_INFO]]:
    """Found through the champion's model version (alias -> ZenML model version -> train_set artifact)."""
    reference = champion_reference(stack_tracking_uri(), model_name)
    info = {
        "model": model_name,
        "version": reference.champion.version,
        "zenml_model_version_id": reference.zenml_model_version_id,
        "train_set_artifact_id": reference.train_set_artifact_id,
        "numeric": reference.numeric,
        "categorical": reference.categorical,
        "feature_schema": reference.schema,
    }
    return reference.data[[*reference.numeric, *reference.categorical]], info
