"""Score every candidate on the holdout, build the leaderboard and pick the best by CV score."""

import logging
from typing import Annotated

import mlflow
import pandas as pd
from sklearn.pipeline import Pipeline
from zenml import step

from conveyor.config import Features, Selection
from conveyor.names import Artifact, MlflowTag
from conveyor.training.metrics import holdout_metrics
from conveyor.training.selection import class_balance, rank

logger = logging.getLogger(__name__)


@step(experiment_tracker=True)
def select_best(
    candidates: dict[str, Pipeline],
    cv_results: pd.DataFrame,
    train_set: pd.DataFrame,
    test_set: pd.DataFrame,
    target: str,
    features: Features,
    selection: Selection,
    task: str,
) -> tuple[
    Annotated[Pipeline, Artifact.BEST_MODEL],
    Annotated[str, Artifact.BEST_CANDIDATE],
    Annotated[pd.DataFrame, Artifact.LEADERBOARD],
]:
    """The winner is the candidate with the best cross-validated score in the metric's own direction."""
    client = mlflow.MlflowClient()
    rows = []
    for _, row in cv_results.iterrows():
        scores = holdout_metrics(candidates[row["candidate"]], test_set[features.all], test_set[target])
        for metric, value in scores.items():
            client.log_metric(row["mlflow_run_id"], f"holdout_{metric}", value)
        rows.append({**row.to_dict(), **{f"holdout_{k}": v for k, v in scores.items()}})
    leaderboard = rank(pd.DataFrame(rows), selection.metric)
    if task == "classification":  # the balance each candidate was trained and scored on
        leaderboard["train_balance"] = class_balance(train_set[target])
        leaderboard["holdout_balance"] = class_balance(test_set[target])
    best = str(leaderboard.loc[0, "candidate"])
    logger.info("Leaderboard by cv_%s:\n%s", selection.metric, leaderboard.drop(columns=["mlflow_run_id"]).to_string())
    logger.info("Selected %s", best)
    mlflow.set_tag(MlflowTag.BEST_CANDIDATE, best)
    return candidates[best], best, leaderboard
