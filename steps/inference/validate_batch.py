"""Check every record against the champion's feature schema, with the service's rules."""

import logging
from typing import Annotated

import pandas as pd
from zenml import log_metadata, step

from conveyor.errors import DataValidationError
from conveyor.features.records import PROBLEMS, ROW, split_frame
from conveyor.inference.batch import BatchModel
from conveyor.names import Artifact

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def validate_batch(
    batch_input: pd.DataFrame, reference_info: BatchModel, max_invalid_share: float
) -> tuple[Annotated[pd.DataFrame, Artifact.VALID_ROWS], Annotated[pd.DataFrame, Artifact.INVALID_ROWS]]:
    """Invalid rows are kept, with their problems, as an artifact of their own; too many stop the run."""
    valid, invalid = split_frame(batch_input, reference_info.feature_schema)
    share = len(invalid) / len(batch_input) if len(batch_input) else 0.0
    log_metadata(
        metadata={"rows": len(batch_input), "valid_rows": len(valid), "invalid_rows": len(invalid)},
        artifact_name=Artifact.INVALID_ROWS,
        infer_artifact=True,
    )
    if len(invalid):
        shown = [f"row {r}: {p}" for r, p in zip(invalid[ROW][:5], invalid[PROBLEMS][:5], strict=True)]
        logger.warning(
            "%d of %d rows are invalid, for example:\n  %s", len(invalid), len(batch_input), "\n  ".join(shown)
        )
    if share > max_invalid_share:
        raise DataValidationError(
            [
                f"{len(invalid)} of {len(batch_input)} rows ({share:.1%}) are invalid, more than the allowed "
                f"{max_invalid_share:.1%}"
            ]
            + [f"row {r}: {p}" for r, p in zip(invalid[ROW][:20], invalid[PROBLEMS][:20], strict=True)]
        )
    return valid, invalid
