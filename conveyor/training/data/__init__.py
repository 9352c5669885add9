"""Data sources: files, scikit-learn's bundled datasets and a seeded churn generator."""

from conveyor.training.data.churn import generate_churn
from conveyor.training.data.sources import load_source

__all__ = ["generate_churn", "load_source"]
