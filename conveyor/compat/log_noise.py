"""Lines ZenML logs on every step that tell a Conveyor user nothing, left out of the output.

- ``Failed to disable MLflow autologging for the following frameworks: ['fastai'].``: ZenML's MLflow tracker
  disables autologging framework by framework, and MLflow 3 has no ``mlflow.fastai``. Only that exact list is
  dropped: a framework Conveyor uses (scikit-learn) failing would still show.
- ``Models can be viewed in the dashboard using ZenML Pro. ...``: an advertisement after every step of a
  pipeline with a model; the local dashboard shows models under each run (``make dashboard``).

Contract: ``quiet_zenml_noise()`` adds one filter per logger in ``DROPPED`` that drops records whose message
starts with one of its prefixes, and nothing else. Outside the ZenML versions it was written for
(``ZENML_LOG_NOISE`` in patches.py) it warns and adds no filter.
"""

from __future__ import annotations

import logging

from conveyor.compat.patches import ZENML_LOG_NOISE

DROPPED = {
    "zenml.integrations.mlflow.experiment_trackers.mlflow_experiment_tracker": (
        "Failed to disable MLflow autologging for the following frameworks: ['fastai'].",
    ),
    "zenml.orchestrators.step_run_utils": ("Models can be viewed in the dashboard using ZenML Pro.",),
}


class _DropLines(logging.Filter):
    def __init__(self, prefixes: tuple[str, ...]) -> None:
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.prefixes)


def quiet_zenml_noise() -> None:
    """Drop the lines above from ZenML's loggers in this process (idempotent; skipped outside its versions)."""
    if not ZENML_LOG_NOISE.check():
        return
    for name, prefixes in DROPPED.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropLines) for f in logger.filters):
            logger.addFilter(_DropLines(prefixes))
