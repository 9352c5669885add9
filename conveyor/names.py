"""Names that several pipelines share: artifact names, aliases and stages.

Later pipelines look artifacts up by these names, so they live here and nowhere else.
"""

# Artifact names (the Annotated names of step outputs).
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
REGISTERED_VERSION = "registered_version"
GATE_DECISION = "gate_decision"
PROMOTION = "promotion"
MODEL_CARD = "model_card"
FEATURE_SCHEMA = "feature_schema"

# Registry vocabulary.
CHAMPION_ALIAS = "champion"
PRODUCTION_STAGE = "production"

# Where a project keeps its local state (ZenML config and store, MLflow, BentoML), relative to its root.
STATE_DIR = ".conveyor"

# Monitoring and batch-inference artifact names.
REFERENCE_SET = "reference_set"
REFERENCE_INFO = "reference_info"
CURRENT_SET = "current_set"
DRIFT_RESULT = "drift_result"
DRIFT_REPORT = "drift_report"
DRIFT_TABLE = "drift_table"  # per-column drift as a table: the dashboard shows it without scripts
DRIFT_PAGE = "drift_page"  # per-column verdicts and distribution charts as HTML without scripts (the dashboard's view)
DRIFT_REPORT_JSON = "drift_report_json"
DATA_SUMMARY = "data_summary"
DATA_SUMMARY_JSON = "data_summary_json"
DRIFT_DECISION = "drift_decision"
MONITORING_ACTION = "monitoring_action"
# Where the retrain policy puts the training config and data it prepares, inside the active artifact store.
RETRAINING_FOLDER = "conveyor/retraining"
BATCH_INPUT = "batch_input"
VALID_ROWS = "valid_rows"
INVALID_ROWS = "invalid_rows"
PREDICTIONS = "predictions"

# Deployment pipeline artifact names.
CHAMPION_VERSION = "champion_version"
BENTO_MODEL_TAG = "bento_model_tag"
BENTO_TAG = "bento_tag"
DEPLOYMENT = "deployment"
PARITY_REPORT = "parity_report"
