"""The drift page: the dashboard's view of a drift report, so it must work without scripts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from conveyor.monitoring.drift import ColumnDrift, DriftResult
from conveyor.monitoring.drift_page import drift_page


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    categories = [f"c{i}" for i in range(20)]  # more than the page draws
    reference = pd.DataFrame({"x<1>": rng.normal(0, 1, 500), "plan": rng.choice(categories, 500)})
    current = pd.DataFrame({"x<1>": rng.normal(2, 1, 300), "plan": rng.choice(categories[:5], 300)})
    current.loc[:9, "plan"] = None
    return reference, current


def test_the_page_has_every_column_its_verdict_and_a_chart_and_no_script() -> None:
    reference, current = _frames()
    result = DriftResult(
        columns=[
            ColumnDrift("x<1>", "numeric", "wasserstein", 1.9, 0.1, True, 0.0, 0.0),
            ColumnDrift("plan", "categorical", "jensenshannon", 0.05, 0.1, False, 0.0, 10 / 300),
        ],
        reference_rows=500,
        current_rows=300,
        sampled_reference_rows=500,
        sampled_current_rows=300,
    )
    page = drift_page(result, reference, current, "Drift <of> churn")
    assert "<script" not in page.lower()
    assert "1 of 2 columns drifted (share 0.50)" in page
    assert "Drift &lt;of&gt; churn" in page and "x&lt;1&gt;" in page  # names are escaped
    assert page.count("data:image/png;base64,") == 2
    assert page.index("x&lt;1&gt; (drifted") < page.index("plan (ok")  # drifted columns first
    assert "3.3%" in page  # missing share of the current window
