"""Conveyor's exceptions, all in one place.

    ConveyorError                 base: every error Conveyor raises on purpose
    ├── ConfigError               a run config is invalid (names the file and the key)
    ├── StackError                a stack file is invalid or cannot be applied (names component and field)
    ├── DataSourceError           a data source cannot be read
    ├── DataValidationError       data broke the validation rules (lists every violation)
    ├── NoChampionError           an operation needs a champion model and there is none
    ├── RollbackError             a rollback's model or target version is unusable, or the champion moved meanwhile
    ├── ServingError              the champion cannot be imported into or served from BentoML's store
    ├── ModelFormatError          a stored model is a pickle, or holds a type outside the trusted allow-list
    ├── DeploymentError           a deployment did not come up, or its predictions differ from the model's
    ├── ReferenceDataError        the champion's training data (the drift reference) cannot be found
    ├── DriftReportError          Evidently's result does not have the shape Conveyor's adapter reads
    ├── DriftBreachError          monitoring found drift and the policy is `fail` (carries the decision)
    ├── RetrainingError           the training run that monitoring requested did not finish
    └── CompatError               a dependency is outside the versions a required compat patch was written for

Each message says what happened, to what, and what to do about it.
"""

from __future__ import annotations


def bullet_list(items: list[str]) -> str:
    """Items as an indented "  - " list, one a line: how every Conveyor error lists its problems."""
    return "\n".join(f"  - {item}" for item in items)


class ConveyorError(Exception):
    """Base class of every error Conveyor raises on purpose."""


class ConfigError(ConveyorError):
    """A run config file is invalid."""

    def __init__(self, file: str, problems: list[str]):
        self.file = file
        self.problems = problems
        super().__init__(f"invalid config {file}:\n{bullet_list(problems)}")


class StackError(ConveyorError):
    """A stack file is invalid or could not be applied."""


class DataSourceError(ConveyorError):
    """A data source could not be read."""


class DataValidationError(ConveyorError):
    """The data broke one or more validation rules."""

    def __init__(self, violations: list[str]):
        self.violations = violations
        super().__init__(
            f"data validation failed with {len(violations)} violation(s):\n{bullet_list(violations)}\n"
            "Fix the data or the `validation` rules in the run config; nothing was registered."
        )


class NoChampionError(ConveyorError):
    """No model carries the champion alias yet."""


class RollbackError(ConveyorError):
    """A rollback cannot move the champion: unknown model or version, no previous champion, an unloadable run."""


class ServingError(ConveyorError):
    """The champion cannot be imported into, or served from, BentoML's model store."""


class ModelFormatError(ConveyorError):
    """A stored model cannot be saved or loaded safely: a pickle, or a type outside the trusted allow-list."""


class NotConvertibleError(ConveyorError):
    """A Pipeline does not compile to ONNX; the message says which part and why. Registration goes on: the
    reason goes into the parity report and the service runs scikit-learn."""


class DeploymentError(ConveyorError):
    """A deployed service did not answer, or answered differently from the registered model."""


class ReferenceDataError(ConveyorError):
    """The champion's training data, the reference of drift monitoring, cannot be found through its model version."""


class DriftReportError(ConveyorError):
    """Evidently's result did not have the shape the drift adapter expects (an Evidently upgrade changed it)."""


class DriftBreachError(ConveyorError):
    """Monitoring breached a threshold and the run config's policy is ``fail``."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(
            f"monitoring breached its thresholds:\n{bullet_list(reasons)}\n"
            "Open the drift page or the performance page artifact to see why; retrain (policy `retrain`) or "
            "adjust `thresholds` / `performance`."
        )


class RetrainingError(ConveyorError):
    """The training run that the ``retrain`` policy requested (started by the client) failed."""


class CompatError(ConveyorError):
    """An installed dependency is outside the versions that a required patch in conveyor/compat/ was written for."""
