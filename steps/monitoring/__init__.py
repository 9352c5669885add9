from steps.monitoring.act_on_drift import act_on_drift
from steps.monitoring.decide_drift import decide_drift
from steps.monitoring.drift_report import drift_report
from steps.monitoring.load_current import load_current
from steps.monitoring.load_labelled import load_labelled
from steps.monitoring.load_reference import load_reference
from steps.monitoring.measure_drift import measure_drift
from steps.monitoring.measure_performance import measure_performance
from steps.monitoring.performance_report import performance_report

__all__ = [
    "act_on_drift",
    "decide_drift",
    "drift_report",
    "load_current",
    "load_labelled",
    "load_reference",
    "measure_drift",
    "measure_performance",
    "performance_report",
]
