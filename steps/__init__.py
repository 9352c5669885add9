"""Conveyor's ZenML steps, one per file, grouped by stage."""

from steps.data import load_data, split_data, validate_data
from steps.deployment import build_bento, check_parity, deploy_service, import_model, resolve_champion
from steps.inference import load_batch, predict_batch, validate_batch
from steps.monitoring import (
    act_on_drift,
    decide_drift,
    drift_report,
    load_current,
    load_labelled,
    load_reference,
    measure_drift,
    measure_performance,
    performance_report,
)
from steps.registry import (
    assess_fairness,
    check_rollback,
    compile_model,
    gate_model,
    model_card,
    promote_model,
    register_model,
    rollback_champion,
)
from steps.training import evaluate_model, evaluate_regressor, explain_model, select_best, train_candidates

__all__ = [
    "assess_fairness",
    "build_bento",
    "check_parity",
    "compile_model",
    "deploy_service",
    "import_model",
    "resolve_champion",
    "act_on_drift",
    "load_batch",
    "predict_batch",
    "validate_batch",
    "decide_drift",
    "drift_report",
    "load_current",
    "load_reference",
    "load_labelled",
    "measure_performance",
    "performance_report",
    "measure_drift",
    "check_rollback",
    "evaluate_model",
    "evaluate_regressor",
    "explain_model",
    "gate_model",
    "load_data",
    "model_card",
    "promote_model",
    "register_model",
    "rollback_champion",
    "select_best",
    "split_data",
    "train_candidates",
    "validate_data",
]
