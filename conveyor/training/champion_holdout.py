"""The champion's own holdout: the ``test_set`` of the ZenML pipeline run that trained it.

The run is the one named in the champion version's MLflow tag ``conveyor.pipeline_run`` (set at registration);
its ``test_set`` artifact is loaded with ZenML's client. ``champion_holdout`` never raises when that holdout
cannot be had or scored (no tag, the run or its artifact deleted, a feature the challenger needs missing): it
says why, and the gate compares on this run's holdout only, with that warning in its decision.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from conveyor.names import Artifact, MlflowTag
from conveyor.platform.registry import Champion
from conveyor.training.gate_evidence import ChampionHoldout, same_rows, score_holdout

logger = logging.getLogger(__name__)


def load_test_set(champion: Champion) -> tuple[str, pd.DataFrame]:
    """The name of the run that trained ``champion``, and its ``test_set``; LookupError says why not."""
    from zenml.client import Client

    run_name = champion.tags.get(MlflowTag.PIPELINE_RUN)
    if run_name is None:
        raise LookupError(f"champion version {champion.version} has no tag {MlflowTag.PIPELINE_RUN}")
    try:
        run = Client().get_pipeline_run(run_name)
        found = [v for s in run.steps.values() for n, v in s.outputs.items() if n == Artifact.TEST_SET]
        if not found:
            raise LookupError(f"the run has no {Artifact.TEST_SET} artifact")
        return run_name, found[0][0].load()
    except Exception as exc:  # the run or its artifact deleted, its files unreadable, ...
        raise LookupError(f"{Artifact.TEST_SET} of run {run_name} could not be loaded ({exc})") from exc


def champion_holdout(
    champion: Champion, test_set: pd.DataFrame, target: str, classes: list[Any] | None, models: dict[str, Any]
) -> tuple[ChampionHoldout | None, list[str]]:
    """The champion's own holdout scored for ``models`` (challenger and champion), and any warning.

    ``scored`` is None when it holds the same rows as ``test_set``: the numbers are this run's.
    """
    try:
        run, frame = load_test_set(champion)
        if same_rows(frame, test_set):
            return ChampionHoldout(run=run, rows=len(frame), scored=None), []
        try:
            scored = score_holdout(frame, target, classes, models)
        except Exception as exc:  # e.g. the challenger needs a feature the old holdout lacks
            raise LookupError(f"{Artifact.TEST_SET} of run {run} could not be scored ({exc})") from exc
    except LookupError as exc:
        warning = f"the champion's own holdout is not compared: {exc}; compared on this run's holdout only"
        logger.warning("Gate: %s", warning)
        return None, [warning]
    return ChampionHoldout(run=run, rows=len(frame), scored=scored), []
