"""Data validation against the rules of a run config: every violation is collected, none is fatal alone."""

from __future__ import annotations

import pandas as pd
from pandas.api import types as ptypes

from conveyor.config import ColumnRule, Features, Validation


def _check_column(
    frame: pd.DataFrame, column: str, numeric: bool, rule: ColumnRule, default_missing: float
) -> list[str]:
    values = frame[column]
    found: list[str] = []
    missing = float(values.isna().mean()) if len(values) else 0.0
    limit = rule.max_missing if rule.max_missing is not None else default_missing
    if missing > limit:
        found.append(f"column '{column}': {missing:.1%} missing values, more than the allowed {limit:.1%}")
    present = values.dropna()
    if numeric:
        if not ptypes.is_numeric_dtype(values) or ptypes.is_bool_dtype(values):
            found.append(f"column '{column}': expected a numeric dtype, got {values.dtype}")
            return found
        if rule.min is not None and (present < rule.min).any():
            found.append(f"column '{column}': {(present < rule.min).sum()} value(s) below the minimum {rule.min}")
        if rule.max is not None and (present > rule.max).any():
            found.append(f"column '{column}': {(present > rule.max).sum()} value(s) above the maximum {rule.max}")
    if rule.allowed is not None:
        allowed = {str(a) for a in rule.allowed}
        unknown = sorted({str(v) for v in present} - allowed)
        if unknown:
            shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
            found.append(f"column '{column}': {len(unknown)} value(s) not in the allowed categories: {shown}")
    return found


def find_violations(frame: pd.DataFrame, target: str, features: Features, rules: Validation) -> list[str]:
    """Return every rule ``frame`` breaks, as human-readable lines (empty when the data is valid)."""
    violations: list[str] = []
    if len(frame) < rules.min_rows:
        violations.append(f"{len(frame)} rows, fewer than the minimum {rules.min_rows}")
    expected = [*features.all, target]
    absent = [c for c in expected if c not in frame.columns]
    if absent:
        violations.append(f"missing column(s): {', '.join(absent)}")
    for column in features.all:
        if column in frame.columns:
            rule = rules.columns.get(column, ColumnRule())
            violations += _check_column(frame, column, column in features.numeric, rule, rules.max_missing)
    if target in frame.columns:
        labels = frame[target]
        if labels.isna().any():
            violations.append(f"target '{target}': {int(labels.isna().sum())} missing label(s)")
        if labels.nunique(dropna=True) < 2:
            violations.append(f"target '{target}': needs at least two classes, found {labels.nunique(dropna=True)}")
        if target in rules.columns:
            violations += _check_column(frame, target, False, rules.columns[target], 0.0)
    return violations
