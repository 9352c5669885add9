"""Names that several pipelines share: artifact names, MLflow tag names, aliases and stages.

Later pipelines, the dashboard and existing stores look things up by these names, so they live here
and nowhere else, and their values never change. Members of a ``StrEnum`` are strings, so
``Annotated[pd.DataFrame, Artifact.TRAIN_SET]`` names a step output.
"""

from enum import StrEnum


class Artifact(StrEnum):
    """The names of step outputs (``Annotated[..., Artifact.X]``), by pipeline."""

    # training
    RAW_DATASET = "raw_dataset"
    VALIDATION_REPORT = "validation_report"
    TRAIN_SET = "train_set"
    TEST_SET = "test_set"
    CANDIDATES = "candidate_models"
    CV_RESULTS = "cv_results"
    LEADERBOARD = "leaderboard"
    BEST_MODEL = "model"
    BEST_CANDIDATE = "best_candidate"
    HOLDOUT_METRICS = "holdout_metrics"
    CONFUSION_MATRIX = "confusion_matrix"
    CURVES = "curves"
    PREDICTED_VS_ACTUAL = "predicted_vs_actual"  # regression
    RESIDUALS = "residuals"  # regression
    FEATURE_IMPORTANCE = "feature_importance"  # permutation importance per input column on the holdout
    IMPORTANCE_CHART = "importance_chart"
    CLASS_BALANCE = "class_balance"
    REGISTERED_VERSION = "registered_version"
    GATE_DECISION = "gate_decision"
    FAIRNESS_REPORT = "fairness_report"  # per-group metrics of challenger and champion, and broken limits
    FAIRNESS_TABLE = "fairness_table"  # the same per-group metrics as one table (the dashboard shows it)
    PROMOTION = "promotion"
    MODEL_CARD = "model_card"
    FEATURE_SCHEMA = "feature_schema"
    ONNX_PARITY = "onnx_parity"  # the compiled graph's parity with scikit-learn: which runtime serves it, and why
    # monitoring
    REFERENCE_SET = "reference_set"
    REFERENCE_INFO = "reference_info"
    CURRENT_SET = "current_set"
    DRIFT_RESULT = "drift_result"
    DRIFT_SNAPSHOT = "drift_snapshot"  # Evidently's drift report, serialized: what drift_report is rendered from
    DATA_SUMMARY_SNAPSHOT = "data_summary_snapshot"  # the same for the data-summary report
    DRIFT_REPORT = "drift_report"
    DRIFT_TABLE = "drift_table"  # per-column drift as a table: the dashboard shows it without scripts
    DRIFT_PAGE = "drift_page"  # per-column verdicts and distribution charts as HTML without scripts (the dashboard)
    DRIFT_REPORT_JSON = "drift_report_json"
    DATA_SUMMARY = "data_summary"
    DATA_SUMMARY_JSON = "data_summary_json"
    DRIFT_DECISION = "drift_decision"
    LABELLED_SET = "labelled_set"  # the window's champion predictions that have ground truth, with the labels
    LABEL_STATS = "label_stats"
    PERFORMANCE_DECISION = "performance_decision"
    PERFORMANCE_PAGE = "performance_page"  # live metrics, metric over time, calibration: HTML without scripts
    PERFORMANCE_REPORT = "performance_report"  # Evidently's classification or regression report
    MONITORING_ACTION = "monitoring_action"
    # batch inference (its reference_info is REFERENCE_INFO)
    BATCH_INPUT = "batch_input"
    VALID_ROWS = "valid_rows"
    INVALID_ROWS = "invalid_rows"
    PREDICTIONS = "predictions"
    # deployment
    CHAMPION_VERSION = "champion_version"
    BENTO_MODEL_TAG = "bento_model_tag"
    BENTO_TAG = "bento_tag"
    DEPLOYMENT = "deployment"
    PARITY_REPORT = "parity_report"
    # rollback
    ROLLBACK_PLAN = "rollback_plan"
    ROLLBACK = "rollback"


class MlflowTag(StrEnum):
    """The tags Conveyor sets on MLflow model versions and runs."""

    # on a registered model version
    METRICS = "conveyor.metrics"  # the holdout metrics, as JSON
    PROMOTED_AT = "conveyor.promoted_at"
    ZENML_MODEL_VERSION = "conveyor.zenml_model_version"  # "name:number (uuid)" of the linked ZenML model version
    CANDIDATE = "conveyor.candidate"
    PIPELINE_RUN = "conveyor.pipeline_run"
    ROLLED_BACK = "conveyor.rolled_back"  # JSON: the last rollback that took the alias from this version
    RESTORED = "conveyor.restored"  # JSON: the last rollback that gave the alias to this version
    RUNTIME = "conveyor.runtime"  # "onnx" when the compiled graph passed its parity check, else "sklearn"
    # on a registered model: one tag per alias move, "conveyor.history.<6-digit sequence number>" (JSON)
    HISTORY = "conveyor.history"
    # on a training run
    BEST_CANDIDATE = "conveyor.best_candidate"
    # on a monitoring run
    MODEL = "conveyor.model"
    MODEL_VERSION = "conveyor.model_version"


# Where the compiled graph and its parity report are in a registered version's MLflow run.
ONNX_ARTIFACT_DIR = "onnx"
ONNX_PARITY_FILE = "parity.json"

# Registry vocabulary.
CHAMPION_ALIAS = "champion"
PRODUCTION_STAGE = "production"

# Where a project keeps its local state (ZenML config and store, MLflow, BentoML), relative to its root.
STATE_DIR = ".conveyor"

# Where the retrain policy puts the training config and data it prepares, inside the active artifact store.
RETRAINING_FOLDER = "conveyor/retraining"
