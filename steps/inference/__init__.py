from steps.inference.load_batch import load_batch
from steps.inference.predict_batch import predict_batch
from steps.inference.validate_batch import validate_batch

__all__ = ["load_batch", "predict_batch", "validate_batch"]
