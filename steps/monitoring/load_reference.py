"""Load the champion's training data: the reference that current data is compared with."""

import logging
from typing import Annotated

import pandas as pd
from zenml import step

from conveyor.monitoring.data import ReferenceInfo, champion_reference
from conveyor.names import Artifact
from conveyor.platform.registry import stack_tracking_uri

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def load_reference(
    model_name: str,
) -> tuple[Annotated[pd.DataFrame, Artifact.REFERENCE_SET], Annotated[ReferenceInfo, Artifact.REFERENCE_INFO]]:
    """Found through the champion's model version (alias -> ZenML model version -> train_set artifact)."""
    reference = champion_reference(stack_tracking_uri(), model_name)
    return reference.data[[*reference.numeric, *reference.categorical]], reference.info()
