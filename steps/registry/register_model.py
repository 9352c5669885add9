"""Register the winner: an MLflow model version and a ZenML model version, linked both ways."""

import json
import logging
from typing import Annotated, Any

import mlflow
import numpy as np
import pandas as pd
import sklearn
import skops
from mlflow.models import infer_signature
from sklearn.pipeline import Pipeline
from zenml import add_tags, get_step_context, link_artifact_to_model, log_metadata, step

from conveyor.compat.zenml_model import model_version_of
from conveyor.config import DataSource, Features
from conveyor.features.schema import feature_schema
from conveyor.names import Artifact, MlflowTag
from conveyor.platform.model_format import SKOPS, trusted_types_of
from conveyor.platform.paths import project_root
from conveyor.platform.versions import RegisteredVersion
from conveyor.training.models import requirements_of

logger = logging.getLogger(__name__)

PIP_REQUIREMENTS = [
    f"scikit-learn=={sklearn.__version__}",
    f"pandas=={pd.__version__}",
    f"numpy=={np.__version__}",
    f"skops=={skops.__version__}",
]


# Never cached: every run that gets here registers its own version, so a ZenML model version and an
# MLflow model version always come in pairs.
@step(experiment_tracker=True, enable_cache=False)
def register_model(
    model: Pipeline,
    best_candidate: str,
    metrics: dict[str, Any],
    train_set: pd.DataFrame,
    target: str,
    features: Features,
    source: DataSource,
    task: str,
    seed: int,
) -> tuple[
    Annotated[RegisteredVersion, Artifact.REGISTERED_VERSION], Annotated[dict[str, Any], Artifact.FEATURE_SCHEMA]
]:
    """Log the sklearn Pipeline with signature and input example, register it, and cross-link ZenML."""
    context = get_step_context()
    zen_version = model_version_of(context)
    schema = feature_schema(train_set, features, target, task)
    x = train_set[features.all]
    # Integers go into the signature as floats: serving may send a missing value for any numeric feature.
    x_signature = x.astype({c: "float64" for c in features.numeric})
    example = x.dropna().head(3)
    # skops, never a pickle: the types the Pipeline holds beyond skops' defaults, each checked against the
    # allow-list (platform/model_format.py); MLflow records them in the MLmodel and Conveyor loads with them.
    trusted = trusted_types_of(model, f"the {best_candidate} Pipeline of {context.model.name}")
    info = mlflow.sklearn.log_model(
        sk_model=model,
        name="model",
        signature=infer_signature(x_signature, model.predict(x)),
        input_example=example,
        registered_model_name=context.model.name,
        serialization_format=SKOPS,
        skops_trusted_types=trusted,
        pip_requirements=[*PIP_REQUIREMENTS, *requirements_of(model)],
        code_paths=[str(project_root() / "conveyor")],  # the skops file names Conveyor's model code by import path
    )
    version = str(info.registered_model_version)
    run_id = mlflow.active_run().info.run_id
    client = mlflow.MlflowClient()
    mlflow.log_dict(schema, "feature_schema.json")
    for key, value in {
        MlflowTag.METRICS: json.dumps(metrics),
        MlflowTag.ZENML_MODEL_VERSION: f"{zen_version.model.name}:{zen_version.number} ({zen_version.id})",
        MlflowTag.CANDIDATE: best_candidate,
        MlflowTag.PIPELINE_RUN: context.pipeline_run.name,
    }.items():
        client.set_model_version_tag(context.model.name, version, key, value)

    data_ref = {"source": source.model_dump(exclude_none=True), "seed": seed, "rows": len(train_set)}
    for train_input in context.inputs.get("train_set", []):
        link_artifact_to_model(artifact_version=train_input, model=context.model)
        data_ref["train_set_artifact_id"] = str(train_input.id)
    registered = RegisteredVersion(
        name=context.model.name,
        version=version,
        run_id=run_id,
        model_uri=f"models:/{context.model.name}/{version}",
        candidate=best_candidate,
        zenml_model_version=zen_version.number,
        zenml_model_version_id=str(zen_version.id),
    )
    log_metadata(
        metadata={
            "mlflow": registered.model_dump(),
            "metrics": metrics,
            "feature_schema": schema,
            "training_data": data_ref,
        },
        infer_model=True,
    )
    add_tags(tags=[f"model_version:{context.model.name}:{version}"])  # on this run, for the dashboard
    logger.info("Registered %s version %s (ZenML model version %s)", context.model.name, version, zen_version.number)
    return registered, schema
