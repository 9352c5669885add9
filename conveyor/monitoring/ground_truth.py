"""Ground truth for live predictions: labels from the labels log and from files, joined to the window by id.

Labels arrive in any order and any number of times. The last label of an id wins (``duplicates`` counts the
ones it replaced); a label whose prediction is not in the window is kept where it is (its log or file) and
counted as ``unmatched``: its prediction may not have been shipped yet, or be older than the window.
Only the champion version's predictions are scored; labelled rows of other versions are counted apart.

The labelled window is a frame of the window's rows that have a label: the feature columns, ``_id``,
``_ts``, ``_version``, ``_prediction``, ``_label`` and, for a classifier, one ``_proba:<class>`` column per
class, which is what the performance step scores and what retraining appends to the training data.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from conveyor.config import GroundTruth
from conveyor.errors import DataSourceError
from conveyor.platform import storage

LABEL = "_label"
PROBA = "_proba:"  # prefix of a class's probability column


class LabelStats(BaseModel):
    """How the labels met the window: what was read, replaced, matched and left unmatched."""

    model_config = ConfigDict(frozen=True)

    labels_read: int  # label records, every source, duplicates included
    duplicates: int  # records replaced by a later label of the same id
    window_rows: int  # records in the monitored window
    window_rows_with_ids: int  # of those, records with a prediction id (logged by a service that gives ids)
    labelled_rows: int  # the champion's records in the window that have a label: what is scored
    other_versions: int  # labelled records of the window predicted by another model version (not scored)
    unmatched: int  # distinct labelled ids with no record in the window
    sources: list[str]


def _as_class(value: Any) -> str | None:
    """A label as the service names classes (``str`` of the training label; 1.0 read from a file is "1")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def normalized(labels: pd.Series, task: str) -> pd.Series:
    """Labels as the prediction log holds predictions: numbers for regression, text for classification."""
    if task == "regression":
        return pd.to_numeric(labels, errors="coerce").astype("float64")
    return labels.map(_as_class).astype(object)


def read_ground_truth(truth: GroundTruth, default_log: str, target: str) -> tuple[pd.DataFrame, list[str]]:
    """Every label record (columns ``id``, ``label``), the labels log's first in arrival order, then each file's.

    ``default_log`` is the labels log beside the monitored prediction log, used when ``labels.log`` is not set.
    A file without an ``id`` or label column is an error naming its key.
    """
    from conveyor.prediction_log.labels import read_labels

    log = storage.locate(truth.log) if truth.log is not None else default_log
    frames = [read_labels(log, key="labels.log")[["id", "label"]]]
    sources = [log]
    for index, file in enumerate(truth.files):
        key = f"labels.files[{index}]"
        path = storage.locate(file.path)
        table = storage.read_table(path, file.kind, f"{key}.path")
        column = file.column or target
        missing = [c for c in ("id", column) if c not in table.columns]
        if missing:
            raise DataSourceError(
                f"label file {path} ({key}) lacks column(s) {missing}: it needs `id` (the predictions' ids) and the "
                f"label column (`{key}.column`, by default the target '{target}')"
            )
        frames.append(pd.DataFrame({"id": table["id"].astype(str), "label": table[column]}))
        sources.append(path)
    return pd.concat(frames, ignore_index=True), sources


def _expanded(frame: pd.DataFrame, classes: list[str]) -> pd.DataFrame:
    """``_probabilities`` dicts as one ``_proba:<class>`` column per class (a frame any materializer stores)."""
    if "_probabilities" not in frame.columns:
        return frame
    probabilities = frame.pop("_probabilities")
    for cls in classes:
        frame[PROBA + cls] = [p.get(cls) if isinstance(p, dict) else None for p in probabilities]
    return frame


def join_labels(
    window: pd.DataFrame, labels: pd.DataFrame, sources: list[str], version: str, task: str, classes: list[str]
) -> tuple[pd.DataFrame, LabelStats]:
    """The champion ``version``'s rows of ``window`` (a prediction log frame) that have a label, and the counts."""
    ids = labels["id"].astype(str)
    latest = labels.assign(id=ids).drop_duplicates("id", keep="last")
    mapping: dict[str, Any] = dict(zip(latest["id"], normalized(latest["label"], task), strict=True))
    window_ids = window["_id"].astype("string") if "_id" in window.columns else pd.Series(pd.NA, index=window.index)
    has_label = window_ids.isin(list(mapping)).fillna(False).astype(bool)
    champion = window["_version"].astype(str) == str(version) if "_version" in window.columns else has_label
    labelled = window[has_label & champion].copy()
    labelled[LABEL] = window_ids[has_label & champion].map(mapping).to_numpy()
    labelled = _expanded(labelled.reset_index(drop=True), classes)
    stats = LabelStats(
        labels_read=len(labels),
        duplicates=len(labels) - len(latest),
        window_rows=len(window),
        window_rows_with_ids=int(window_ids.notna().sum()),
        labelled_rows=len(labelled),
        other_versions=int((has_label & ~champion).sum()),
        unmatched=len(set(mapping) - set(window_ids.dropna())),
        sources=sources,
    )
    return labelled, stats


def proba_matrix(labelled: pd.DataFrame, classes: list[str]) -> Any:
    """The class probabilities of the labelled rows, one column per class of ``classes``."""
    return labelled[[PROBA + c for c in classes]].to_numpy(dtype="float64")


def as_training_rows(labelled: pd.DataFrame, features: list[str], target: str) -> pd.DataFrame:
    """The labelled live rows as training data: the feature columns and the label as ``target``."""
    if not len(labelled):
        return pd.DataFrame(columns=[*features, target])
    return labelled[features].assign(**{target: labelled[LABEL].to_numpy()})
