"""The leaderboard, the choice of the best candidate, and the class balance it is shown with."""

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


def class_balance(y: pd.Series) -> str:
    """Each class's share of ``y``, as the leaderboard and the card show it: ``no 73.5%, yes 26.5%``."""
    shares = y.astype(str).value_counts(normalize=True).sort_index()
    return ", ".join(f"{label} {share:.1%}" for label, share in shares.items())
