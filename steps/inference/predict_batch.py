"""Score the valid rows with the champion and write the predictions file, one id per prediction (and the invalid
rows beside it)."""

import logging
from typing import Annotated

import pandas as pd
from zenml import log_metadata, step

from conveyor.config import BatchOutput
from conveyor.inference.batch import BatchModel, invalid_path, predict_frame, write_table
from conveyor.names import Artifact
from conveyor.platform import storage
from conveyor.platform.registry import load_version, stack_tracking_uri

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def predict_batch(
    valid_rows: pd.DataFrame, invalid_rows: pd.DataFrame, reference_info: BatchModel, output: BatchOutput
) -> Annotated[pd.DataFrame, Artifact.PREDICTIONS]:
    """The model is the exact champion version resolved when the batch was read; the columns follow its task.

    Every predicted row gets its own prediction id (column ``id``), which labels sent later refer to.
    """
    model = load_version(stack_tracking_uri(), reference_info.model, reference_info.version)
    predictions = predict_frame(model, valid_rows, reference_info.feature_schema, reference_info.version)
    path = storage.locate(output.path)
    write_table(predictions, path, key="output.path")
    rejected = invalid_path(path)
    if len(invalid_rows):
        write_table(invalid_rows, rejected, key="output.path")
    else:
        storage.remove(rejected, "output.path")  # a stale file from an earlier batch would be mistaken for this one's
    log_metadata(
        metadata={
            "path": str(path),
            "rows": len(predictions),
            "invalid_rows": len(invalid_rows),
            "model_version": reference_info.version,
            "task": reference_info.task,
        },
        artifact_name=Artifact.PREDICTIONS,
        infer_artifact=True,
    )
    logger.info(
        "Wrote %d predictions to %s%s",
        len(predictions),
        path,
        f"; {len(invalid_rows)} invalid rows to {rejected}" if len(invalid_rows) else "",
    )
    return predictions
