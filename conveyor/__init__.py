"""Conveyor's plain-Python core: config schemas, stacks as code, data, models, metrics and errors.

Nothing in this package declares a ZenML step; steps in ``steps/`` are thin wrappers around it.
"""

__version__ = "0.1.0"
