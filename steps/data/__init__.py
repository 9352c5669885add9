from steps.data.load_data import load_data
from steps.data.split_data import split_data
from steps.data.validate_data import validate_data

__all__ = ["load_data", "split_data", "validate_data"]
