"""Batch inference: champion + a file of records -> validated rows -> predictions file and artifact."""

from zenml import pipeline

from conveyor.config import BatchInferenceParams, ModelSection
from steps.inference import load_batch, predict_batch, validate_batch


@pipeline
def batch_inference_pipeline(params: BatchInferenceParams, model: ModelSection) -> None:
    """Score a file with the champion; invalid rows are reported beside the predictions, never dropped silently."""
    batch, info = load_batch(source=params.input, model_name=model.name)
    valid, invalid = validate_batch(batch_input=batch, reference_info=info, max_invalid_share=params.max_invalid_share)
    predict_batch(valid_rows=valid, invalid_rows=invalid, reference_info=info, output=params.output)
