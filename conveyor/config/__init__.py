"""Run-config schemas, one module per pipeline, and the loader that validates a file before ZenML sees it.

Everything a caller needs is importable from ``conveyor.config``.
"""

from conveyor.config.batch_inference import BatchInferenceConfig, BatchInferenceParams, BatchInput, BatchOutput
from conveyor.config.demo import DemoConfig, DemoParams, LabelledData, Stage, Traffic
from conveyor.config.deployment import (
    Batching,
    DeploymentConfig,
    DeploymentMode,
    DeploymentParams,
    PredictionLogSettings,
    ServiceSettings,
)
from conveyor.config.loader import KeyedProblems, ModelSection, RunConfig, Strict, apply_override, load_run_config
from conveyor.config.monitoring import (
    CurrentData,
    DriftSettings,
    GroundTruth,
    LabelFile,
    MonitoringConfig,
    MonitoringParams,
    MonitoringThresholds,
    PerformanceThresholds,
    Retraining,
)
from conveyor.config.training import (
    LOWER_IS_BETTER,
    Candidate,
    ColumnRule,
    DataSource,
    Features,
    Gate,
    Limit,
    Selection,
    Split,
    TrainingConfig,
    TrainingParams,
    Validation,
)

__all__ = [
    "LOWER_IS_BETTER",
    "BatchInferenceConfig",
    "BatchInferenceParams",
    "BatchInput",
    "BatchOutput",
    "Batching",
    "Candidate",
    "ColumnRule",
    "CurrentData",
    "DataSource",
    "DemoConfig",
    "DemoParams",
    "DeploymentConfig",
    "DeploymentMode",
    "DeploymentParams",
    "DriftSettings",
    "Features",
    "Gate",
    "KeyedProblems",
    "LabelledData",
    "Limit",
    "ModelSection",
    "MonitoringConfig",
    "MonitoringParams",
    "MonitoringThresholds",
    "GroundTruth",
    "LabelFile",
    "PerformanceThresholds",
    "PredictionLogSettings",
    "Retraining",
    "RunConfig",
    "Selection",
    "ServiceSettings",
    "Split",
    "Stage",
    "Strict",
    "TrainingConfig",
    "TrainingParams",
    "Traffic",
    "Validation",
    "apply_override",
    "load_run_config",
]
