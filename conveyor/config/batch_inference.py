"""The batch-inference pipeline's run-config schema (``configs/batch_inference.yaml``)."""

from __future__ import annotations

from pydantic import Field, field_validator

from conveyor.config.loader import RunConfig, Strict


def _table_file(path: str, what: str) -> str:
    if not path.endswith((".csv", ".parquet")):
        raise ValueError(f"'{path}': {what} a .csv or .parquet file")
    return path


class BatchInput(Strict):
    path: str = Field(description="csv or parquet file of records: a path (relative: to the project root) or a URI")

    @field_validator("path")
    @classmethod
    def _known_format(cls, path: str) -> str:
        return _table_file(path, "batch input must be")


class BatchOutput(Strict):
    path: str = Field(
        description="predictions file (.csv or .parquet; a path or URI); invalid rows go beside it as <stem>.invalid"
    )

    @field_validator("path")
    @classmethod
    def _known_format(cls, path: str) -> str:
        return _table_file(path, "predictions must be written as")


class BatchInferenceParams(Strict):
    input: BatchInput
    output: BatchOutput
    max_invalid_share: float = Field(ge=0.0, le=1.0, description="fail the run when more rows than this are invalid")


class BatchInferenceConfig(RunConfig):
    parameters: BatchInferenceParams


