"""Check the data against the run config's rules; stop the run listing every violation."""

import logging
from typing import Annotated, Any

import pandas as pd
from zenml import step

from conveyor.config import Fairness, Features, Validation
from conveyor.errors import DataValidationError
from conveyor.names import Artifact
from conveyor.training.fairness import missing_columns
from conveyor.training.validation import find_violations

logger = logging.getLogger(__name__)


@step
def validate_data(
    dataset: pd.DataFrame, target: str, features: Features, rules: Validation, fairness: Fairness | None = None
) -> Annotated[dict[str, Any], Artifact.VALIDATION_REPORT]:
    """Columns, dtypes, ranges, categories, missing values, row count and classes, all checked at once; also
    that the sensitive columns of ``fairness`` exist (they need not be features)."""
    violations = find_violations(dataset, target, features, rules)
    violations += [
        f"fairness.sensitive: column '{c}' is not in the data; name a column of the data source"
        for c in missing_columns(dataset, fairness)
    ]
    if violations:
        raise DataValidationError(violations)
    logger.info("Data passed validation: %d rows, %d features", len(dataset), len(features.all))
    return {
        "rows": len(dataset),
        "features": features.all,
        "target": target,
        "class_counts": {str(k): int(v) for k, v in dataset[target].value_counts().sort_index().items()},
        "missing_fraction": {c: round(float(dataset[c].isna().mean()), 4) for c in features.all},
    }
