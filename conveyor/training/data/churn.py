"""A seeded generator of a realistic customer-churn table.

Numeric and categorical columns, a few missing values, and a target that depends on the features
through a noisy logistic model, so it is learnable but not trivially so. ``drift`` shifts the
distribution of several columns (for monitoring demos); 0 means the training distribution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CONTRACTS = ["month-to-month", "one-year", "two-year"]
PAYMENTS = ["card", "bank-transfer", "electronic-check", "mailed-check"]
REGIONS = ["north", "south", "east", "west"]


def generate_churn(rows: int, seed: int, drift: float = 0.0) -> pd.DataFrame:
    """Generate ``rows`` customers; the same ``seed`` and ``drift`` give the same table."""
    rng = np.random.default_rng(seed)
    tenure = rng.gamma(shape=2.0, scale=12.0 * (1.0 - 0.5 * min(drift, 1.0)), size=rows).clip(0, 72)
    monthly = rng.normal(65.0 + 25.0 * drift, 20.0, size=rows).clip(18, 150)
    support_calls = rng.poisson(1.2 + 2.0 * drift, size=rows)
    age = rng.normal(44.0, 14.0, size=rows).clip(18, 90)
    contract_p = np.array([0.5 + 0.3 * min(drift, 1.0), 0.3, 0.2 - 0.2 * min(drift, 1.0)])
    contract = rng.choice(CONTRACTS, size=rows, p=contract_p / contract_p.sum())
    payment = rng.choice(PAYMENTS, size=rows, p=[0.35, 0.25, 0.25, 0.15])
    region = rng.choice(REGIONS, size=rows)

    logit = (
        -1.0
        - 0.06 * tenure
        + 0.025 * (monthly - 65.0)
        + 0.45 * support_calls
        + np.select([contract == "month-to-month", contract == "one-year"], [1.2, 0.0], -1.2)
        + np.where(payment == "electronic-check", 0.6, 0.0)
        + rng.normal(0.0, 0.8, size=rows)
    )
    churned = rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))

    frame = pd.DataFrame(
        {
            "tenure_months": tenure.round(1),
            "monthly_charges": monthly.round(2),
            "support_calls": support_calls.astype("int64"),
            "age": age.round(0),
            "contract": contract,
            "payment_method": payment,
            "region": region,
            "churned": np.where(churned, "yes", "no"),
        }
    )
    # A few missing values, where real churn tables have them.
    for column, share in (("monthly_charges", 0.02), ("age", 0.03), ("payment_method", 0.01)):
        frame.loc[rng.random(rows) < share, column] = np.nan
    return frame
