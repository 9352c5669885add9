"""Monitoring: champion's training data vs current data -> measured drift -> reports -> typed verdict; labelled
predictions -> live metrics -> performance verdict -> page; both verdicts -> policy."""

from zenml import pipeline

from conveyor.config import ModelSection, MonitoringParams
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


@pipeline
def monitoring_pipeline(params: MonitoringParams, model: ModelSection) -> None:
    """Tell whether live data still looks like the champion's training data and whether the champion is still
    right where labels came back, show why, and act on it."""
    reference_set, reference_info = load_reference(model_name=model.name)
    current_set = load_current(source=params.current, seed=params.seed, reference_info=reference_info)
    drift_result, _, _, drift_snapshot, summary_snapshot = measure_drift(
        reference_set=reference_set,
        current_set=current_set,
        reference_info=reference_info,
        drift=params.drift,
        thresholds=params.thresholds,
        seed=params.seed,
    )
    drift_report(
        reference_set=reference_set,
        current_set=current_set,
        drift_result=drift_result,
        drift_snapshot=drift_snapshot,
        data_summary_snapshot=summary_snapshot,
        reference_info=reference_info,
        drift=params.drift,
        thresholds=params.thresholds,
        seed=params.seed,
    )
    decision = decide_drift(drift_result=drift_result, thresholds=params.thresholds)
    labelled_set, label_stats = load_labelled(
        source=params.current, labels=params.labels, reference_info=reference_info
    )
    performance = measure_performance(
        labelled_set=labelled_set,
        label_stats=label_stats,
        reference_info=reference_info,
        performance=params.performance,
    )
    performance_report(labelled_set=labelled_set, performance_decision=performance, reference_info=reference_info)
    # The reports exist before a `fail` policy stops the run: its error says to open them.
    act_on_drift(
        drift_decision=decision,
        performance_decision=performance,
        labelled_set=labelled_set,
        reference_info=reference_info,
        policy=params.policy,
        retrain=params.retrain,
        model_name=model.name,
        after=["drift_report", "performance_report"],
    )
