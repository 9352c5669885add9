"""Join the ground truth (the labels log and label files) to the window's predictions by id."""

import logging
from typing import Annotated

import pandas as pd
from zenml import log_metadata, step

from conveyor.config import CurrentData, GroundTruth
from conveyor.monitoring.data import ReferenceInfo, prediction_log_path
from conveyor.monitoring.ground_truth import LabelStats, join_labels, read_ground_truth
from conveyor.names import Artifact

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def load_labelled(
    source: CurrentData, labels: GroundTruth, reference_info: ReferenceInfo
) -> tuple[Annotated[pd.DataFrame, Artifact.LABELLED_SET], Annotated[LabelStats, Artifact.LABEL_STATS]]:
    """The champion's predictions of the window that have a label, and how the labels met the window.

    Only the prediction log gives predictions ids; other current sources have no labelled rows.
    """
    from conveyor.prediction_log.labels import labels_path
    from conveyor.prediction_log.reader import log_files, read_features

    schema = reference_info.feature_schema
    log = prediction_log_path(source.path if source.kind == "prediction_log" else None)
    truth, sources = read_ground_truth(labels, labels_path(log), schema["target"])
    window = pd.DataFrame()
    if source.kind == "prediction_log" and log_files(log)[1]:
        window = read_features(log, last=source.last)
    classes = [str(c) for c in schema.get("classes") or []]
    labelled, stats = join_labels(window, truth, sources, reference_info.version, reference_info.task, classes)
    log_metadata(metadata=stats.model_dump(), artifact_name=Artifact.LABEL_STATS, infer_artifact=True)
    logger.info(
        "Ground truth: %d label record(s) from %s; %d of the window's %d records labelled for version %s "
        "(%d duplicate label(s), %d unmatched, %d of other versions)",
        stats.labels_read, ", ".join(sources), stats.labelled_rows, stats.window_rows, reference_info.version,
        stats.duplicates, stats.unmatched, stats.other_versions,
    )
    return labelled, stats
