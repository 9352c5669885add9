"""The ZenML model version of the running step, which ZenML 0.98 hands out only through a private method.

Contract: ``model_version_of(context)`` is ZenML's own model version response for the step's model (the one
this run creates or reuses), the same object ZenML links the step's artifacts to. Outside the ZenML versions
it was written for (``ZENML_MODEL_VERSION`` in patches.py) it raises CompatError.
"""

from __future__ import annotations

from typing import Any

from conveyor.compat.patches import ZENML_MODEL_VERSION


def model_version_of(context: Any) -> Any:
    """The ZenML model version (``ModelVersionResponse``) of ``context.model``, created if the run has none yet."""
    ZENML_MODEL_VERSION.check()
    return context.model._get_or_create_model_version()
