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
from conveyor.config.fairness import FAIRNESS_METRICS, Disparity, Fairness
from conveyor.config.loader import (
    CardSection,
    KeyedProblems,
    ModelSection,
    RunConfig,
    Strict,
    apply_override,
    load_run_config,
)
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
from conveyor.config.onnx import OnnxSettings
from conveyor.config.rollback import DEFAULT_ROLLBACK_REASON, RollbackConfig, RollbackParams
from conveyor.config.training import (
    LOWER_IS_BETTER,
    TASK_METRICS,
    Candidate,
    ColumnRule,
    DataSource,
    Explain,
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
    "DEFAULT_ROLLBACK_REASON",
    "LOWER_IS_BETTER",
    "TASK_METRICS",
    "FAIRNESS_METRICS",
    "Disparity",
    "Fairness",
    "BatchInferenceConfig",
    "BatchInferenceParams",
    "BatchInput",
    "BatchOutput",
    "Batching",
    "Candidate",
    "CardSection",
    "ColumnRule",
    "CurrentData",
    "DataSource",
    "DemoConfig",
    "DemoParams",
    "DeploymentConfig",
    "DeploymentMode",
    "DeploymentParams",
    "DriftSettings",
    "Explain",
    "Features",
    "Gate",
    "KeyedProblems",
    "LabelledData",
    "Limit",
    "ModelSection",
    "OnnxSettings",
    "MonitoringConfig",
    "MonitoringParams",
    "MonitoringThresholds",
    "GroundTruth",
    "LabelFile",
    "PerformanceThresholds",
    "PredictionLogSettings",
    "Retraining",
    "RollbackConfig",
    "RollbackParams",
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
