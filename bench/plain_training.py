"""The baseline for bench/training.py: the same training work as a plain scikit-learn script.

Same data, split, candidates, search spaces, CV folds and holdout metrics as the training pipeline,
but no ZenML, no MLflow, no registry, no gate: only scikit-learn (through Conveyor's plain-Python core).
"""

from __future__ import annotations

import argparse
import json
import sys

from sklearn.model_selection import train_test_split

from conveyor.config import LOWER_IS_BETTER, TrainingConfig, load_run_config
from conveyor.training.data import load_source
from conveyor.training.metrics import from_score, holdout_metrics
from conveyor.training.models import search
from conveyor.training.validation import find_violations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="configs/training.yaml")
    args = parser.parse_args()
    params = load_run_config(args.config, TrainingConfig).parameters
    frame = load_source(params.data, seed=params.seed)
    assert not find_violations(frame, params.target, params.features, params.validation)
    train, test = train_test_split(
        frame,
        test_size=params.split.test_size,
        random_state=params.seed,
        stratify=frame[params.target] if params.stratify else None,
    )
    x, y = train[params.features.all], train[params.target]
    metric = params.selection.metric
    scores, models = {}, {}
    for name, candidate in params.candidates.items():
        fitted = search(candidate, params.features, x, y, metric, params.selection.cv_folds, params.seed, params.task)
        scores[name] = from_score(metric, fitted.best_score_)
        models[name] = fitted.best_estimator_
    best = (min if metric in LOWER_IS_BETTER else max)(scores, key=scores.get)
    result = {"best": best, "holdout": holdout_metrics(models[best], test[params.features.all], test[params.target])}
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
