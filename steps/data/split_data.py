"""Split the dataset into a training set and a holdout (test) set."""

import logging
from typing import Annotated

import pandas as pd
from sklearn.model_selection import train_test_split
from zenml import step

from conveyor.config import Split
from conveyor.names import Artifact

logger = logging.getLogger(__name__)


@step
def split_data(
    dataset: pd.DataFrame, target: str, split: Split, task: str, seed: int
) -> tuple[Annotated[pd.DataFrame, Artifact.TRAIN_SET], Annotated[pd.DataFrame, Artifact.TEST_SET]]:
    """A seeded split, stratified on the target as the config says (by default: for classification only)."""
    train, test = train_test_split(
        dataset,
        test_size=split.test_size,
        random_state=seed,
        stratify=dataset[target] if split.stratified(task) else None,
    )
    logger.info("Split %d rows into %d train and %d test", len(dataset), len(train), len(test))
    return train.reset_index(drop=True), test.reset_index(drop=True)
