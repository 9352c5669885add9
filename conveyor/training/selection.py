"""The leaderboard and the choice of the best candidate."""

from __future__ import annotations

import pandas as pd

from conveyor.config import LOWER_IS_BETTER


def rank(leaderboard: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Sort candidates best first by ``cv_<metric>``; ties keep the config order."""
    ascending = metric in LOWER_IS_BETTER
    ranked = leaderboard.sort_values(f"cv_{metric}", ascending=ascending, kind="stable").reset_index(drop=True)
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    return ranked


def best_candidate(leaderboard: pd.DataFrame, metric: str) -> str:
    """The name of the best candidate by ``cv_<metric>`` in the metric's own direction."""
    return str(rank(leaderboard, metric).loc[0, "candidate"])
