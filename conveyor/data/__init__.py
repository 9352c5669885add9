"""Data sources: files, scikit-learn's bundled datasets and a seeded churn generator."""

from conveyor.data.churn import generate_churn
from conveyor.data.sources import load_source

__all__ = ["generate_churn", "load_source"]
