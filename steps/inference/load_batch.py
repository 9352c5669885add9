"""Resolve the champion and read the batch of records it will score."""

import logging
from typing import Annotated

import pandas as pd
from zenml import step

from conveyor.config import BatchInput
from conveyor.features.records import read_table
from conveyor.inference.batch import BatchModel, batch_model
from conveyor.names import Artifact
from conveyor.platform import storage
from conveyor.platform.registry import stack_tracking_uri

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def load_batch(
    source: BatchInput, model_name: str
) -> tuple[Annotated[pd.DataFrame, Artifact.BATCH_INPUT], Annotated[BatchModel, Artifact.REFERENCE_INFO]]:
    """The exact champion version (never "latest") and the records, typed by its feature schema."""
    model = batch_model(stack_tracking_uri(), model_name)
    path = storage.locate(source.path)
    frame = read_table(path, model.feature_schema, key="input.path")
    logger.info("Read %d records from %s for %s version %s", len(frame), path, model_name, model.version)
    return frame, model
