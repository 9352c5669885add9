"""Pipelines: wiring only."""
