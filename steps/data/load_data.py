"""Load the configured dataset."""

import logging
from typing import Annotated

import pandas as pd
from zenml import step

from conveyor.config import DataSource
from conveyor.names import Artifact
from conveyor.training.data import load_source

logger = logging.getLogger(__name__)


@step
def load_data(source: DataSource, seed: int) -> Annotated[pd.DataFrame, Artifact.RAW_DATASET]:
    """Read the data source of the run config (files, scikit-learn datasets or the churn generator)."""
    frame = load_source(source, seed=seed)
    logger.info("Loaded %d rows x %d columns from %s source", len(frame), frame.shape[1], source.kind)
    return frame
