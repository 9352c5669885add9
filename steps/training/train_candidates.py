"""Search each candidate family's space with cross-validation; one nested MLflow run per candidate."""

import logging
import time
from typing import Annotated

import mlflow
import pandas as pd
from sklearn.pipeline import Pipeline
from zenml import step

from conveyor.config import Candidate, Features, Selection
from conveyor.names import Artifact
from conveyor.training.metrics import from_score
from conveyor.training.models import best_params, search

logger = logging.getLogger(__name__)


@step(experiment_tracker=True)
def train_candidates(
    train_set: pd.DataFrame,
    target: str,
    features: Features,
    candidates: dict[str, Candidate],
    selection: Selection,
    task: str,
    seed: int,
) -> tuple[Annotated[dict[str, Pipeline], Artifact.CANDIDATES], Annotated[pd.DataFrame, Artifact.CV_RESULTS]]:
    """Fit every candidate's best setting on the whole training set; report mean CV scores."""
    x, y = train_set[features.all], train_set[target]
    models: dict[str, Pipeline] = {}
    rows = []
    for index, (name, candidate) in enumerate(candidates.items(), start=1):
        started = time.perf_counter()
        logger.info("[%d/%d] Searching %s (%s)", index, len(candidates), name, candidate.kind)
        with mlflow.start_run(run_name=name, nested=True) as run:
            fitted = search(candidate, features, x, y, selection.metric, selection.cv_folds, seed, task)
            score = from_score(selection.metric, float(fitted.best_score_))
            params = best_params(fitted)
            mlflow.log_params(
                {"family": candidate.kind, "settings_tried": len(fitted.cv_results_["params"]), **params}
            )
            mlflow.log_metric(f"cv_{selection.metric}", score)
        models[name] = fitted.best_estimator_
        elapsed = time.perf_counter() - started
        rows.append(
            {
                "candidate": name,
                "family": candidate.kind,
                f"cv_{selection.metric}": round(score, 6),
                "best_params": str(params),
                "fit_seconds": round(elapsed, 2),
                "mlflow_run_id": run.info.run_id,
            }
        )
        logger.info("[%d/%d] %s: cv %s = %.4f (%.1fs)", index, len(candidates), name, selection.metric, score, elapsed)
    return models, pd.DataFrame(rows)
