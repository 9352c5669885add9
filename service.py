"""Conveyor's BentoML service: the champion behind a request schema generated from its feature schema.

``bentoml serve`` from the project root serves the current champion (see conveyor/serving/settings.py for how
the model tag is chosen); the deployment pipeline builds a Bento that pins the exact version.

Endpoints (all POST with JSON, documented with examples on the OpenAPI page at /):
  /predict          one record -> prediction id, label, class probabilities, model version (a classifier), or
                    id, prediction (a number) and model version (a regressor); the stored schema's task says which
  /predict_batch    a list of records (at most ``max_batch_rows``) -> one prediction per record, each with its id
  /predict_batched  a list of records, merged with other requests by BentoML's adaptive batching
  /feedback         a list of ``{"id", "label"}`` (at most ``max_batch_rows``): ground truth for predictions by
                    id -> ``{"accepted": n}``, answered once the labels are on disk in the labels log
  /model_info       model name, version, metrics, model card, and the runtime that answers (``runtime``: onnx or
                    sklearn, ``runtime_reason``, and the ONNX parity report ``onnx``)
BentoML adds /healthz, /livez, /readyz (ready once the model is loaded) and /metrics (Prometheus).
With ``service.auth.token_env`` set, every endpoint but those (and the OpenAPI page) needs
``Authorization: Bearer <token>`` and answers 401 without it (conveyor/serving/auth.py).

The model call runs the champion's compiled ONNX graph when its parity check passed at registration, else the
scikit-learn Pipeline (``service.runtime``: auto | onnx | sklearn; conveyor/serving/runtime.py).
With the graph, concurrent /predict and /predict_batch requests share model calls of up to ``service.merge_rows``
rows (conveyor/serving/merged_calls.py); each still gets its own answers, ids and prediction-log line.

Every prediction gets a new id (a random UUID, 32 hex characters), in its answer and in the prediction log.
A label is a class of the model (a classifier's) or a finite number (a regressor's); an unknown class or a
wrong type is a 400 naming the record and field. Labels for ids this service never answered are accepted too
(another replica's, or ones whose predictions are logged later): the monitoring pipeline matches them.
"""

from __future__ import annotations

import gc
import logging
from datetime import UTC, datetime
from typing import Annotated, Any

import bentoml
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from starlette.datastructures import Headers

from conveyor.compat.bento_direct import request_model
from conveyor.compat.bento_io import speed_up_json_io
from conveyor.compat.bento_timeout import cancel_request_timers
from conveyor.features.requests import columns_of, record_type
from conveyor.features.schema import task_of
from conveyor.platform.env import configure_environment
from conveyor.prediction_log.format import new_ids, traffic_of
from conveyor.prediction_log.labels import LabelsLog, labels_path
from conveyor.prediction_log.writer import AsyncPredictionLog, PredictionLogWriter
from conveyor.serving.auth import BearerAuth, MetricsAuth, check_start
from conveyor.serving.bento_model import feature_schema_of, model_card_of
from conveyor.serving.direct import DirectEndpoints
from conveyor.serving.feedback import EXAMPLE_ID, feedback_type
from conveyor.serving.merged_calls import MergedCalls
from conveyor.serving.request_guard import RequestGuard
from conveyor.serving.runtime import load_runtime
from conveyor.serving.settings import model_tag, prediction_log_path, service_metrics, service_settings
from conveyor.serving.traffic_metrics import BoundedTrafficMetrics

configure_environment()
# `bentoml serve` puts the root logger at WARNING: Conveyor's own INFO lines (which model and runtime serve, and
# why) are shown too. Its handler is BentoML's, so they look like BentoML's lines.
logging.getLogger("conveyor").setLevel(logging.INFO)
# uvicorn formats an access line for every request whenever its access logger has a handler up the tree (the
# root's, under `bentoml serve`), and the root's WARNING level then drops it: BentoML's own access log
# (service.access_log) is the one that is shown.
logging.getLogger("uvicorn.access").propagate = False
logger = logging.getLogger("conveyor.service")

# BentoML needs the model and the request types when the class is defined, so they are resolved here.
_args = bentoml.use_arguments()
SETTINGS = service_settings(getattr(_args, "settings", None))
MODEL_TAG = model_tag(getattr(_args, "model_tag", None))
_STORED = bentoml.models.get(MODEL_TAG)
FEATURE_SCHEMA: dict[str, Any] = feature_schema_of(_STORED)
REGRESSION = task_of(FEATURE_SCHEMA) == "regression"
_CLASSES: list[str] = FEATURE_SCHEMA.get("classes") or ["no", "yes"]  # for the OpenAPI example
Record = record_type(FEATURE_SCHEMA)
Batch = Annotated[list[Record], Field(min_length=1, max_length=SETTINGS.max_batch_rows)]  # type: ignore[valid-type]
Feedback = feedback_type(FEATURE_SCHEMA, SETTINGS.max_batch_rows)

METRICS = service_metrics()
PREDICTION_ROUTES = ("/predict", "/predict_batch", "/predict_batched")
# Filled by the service once its model is loaded, when the compiled graph serves (conveyor/serving/direct.py).
DIRECT: dict[str, Any] = {}
ID_DESCRIPTION = "the prediction's id (32 hex characters): send it to /feedback with the true label"


class Prediction(BaseModel):
    """A classifier's answer for one record."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": EXAMPLE_ID,
                "label": _CLASSES[0],
                "probabilities": {c: round(1 / len(_CLASSES), 3) for c in _CLASSES},
                "model_version": "1",
            }
        }
    )

    id: str = Field(description=ID_DESCRIPTION)
    label: str = Field(description="the predicted class")
    probabilities: dict[str, float] = Field(description="probability of each class")
    model_version: str = Field(description="the MLflow registry version that made the prediction")


class ValuePrediction(BaseModel):
    """A regressor's answer for one record."""

    model_config = ConfigDict(
        json_schema_extra={"example": {"id": EXAMPLE_ID, "prediction": 151.5, "model_version": "1"}}
    )

    id: str = Field(description=ID_DESCRIPTION)
    prediction: float = Field(description=f"the predicted value of {FEATURE_SCHEMA.get('target')!r}")
    model_version: str = Field(description="the MLflow registry version that made the prediction")


# The answer's shape follows the task the model was trained for.
Answer = ValuePrediction if REGRESSION else Prediction


class FeedbackAnswer(BaseModel):
    """What /feedback took."""

    model_config = ConfigDict(json_schema_extra={"example": {"accepted": 1}})

    accepted: int = Field(description="labels appended to the labels log (all of the request's)")


class ModelInfo(BaseModel):
    name: str
    version: str
    bento_model_tag: str
    mlflow_run_id: str | None
    promoted_at: str | None
    candidate: str | None
    metrics: dict[str, float]
    feature_schema: dict[str, Any]
    model_card: str
    runtime: str = Field(description="what answers the model calls: onnx (the compiled graph) or sklearn")
    runtime_reason: str = Field(description="why that runtime: the parity result, or why ONNX is not used")
    onnx: dict[str, Any] | None = Field(description="the ONNX parity report from registration (null: none)")


@bentoml.service(
    name="conveyor",
    workers=SETTINGS.workers,
    http={"host": SETTINGS.host, "port": SETTINGS.port},
    traffic={"timeout": 30},
    logging={"access": {"enabled": SETTINGS.access_log}},
    metrics={"enabled": False},  # replaced by BoundedTrafficMetrics below: BentoML's labels unknown paths
    tracing={} if SETTINGS.trace_predictions else {"excluded_urls": list(PREDICTION_ROUTES)},
)
class Conveyor:
    """The champion model, loaded once per worker."""

    bento_model = bentoml.models.BentoModel(MODEL_TAG)

    def __init__(self) -> None:
        self.stored = bentoml.models.get(MODEL_TAG)
        # The compiled graph, or the skops file for the fallback: only what runs is loaded.
        self.runtime = load_runtime(self.stored, SETTINGS.runtime, SETTINGS.onnx_threads, FEATURE_SCHEMA)
        self.card = model_card_of(self.stored)
        self.meta = dict(self.stored.info.metadata)
        self.version = str(self.meta["registry_version"])
        self.name = str(self.meta["registry_model"])
        self.classes = self.runtime.classes
        log = SETTINGS.prediction_log
        self.log = AsyncPredictionLog(
            PredictionLogWriter(prediction_log_path(SETTINGS), log.max_bytes, log.backups),
            capacity=log.queue_size,
            on_drop=METRICS.log_dropped.inc,
            on_error=METRICS.log_failed.inc,
        )
        self.labels = LabelsLog(labels_path(prediction_log_path(SETTINGS)), log.max_bytes, log.backups)
        self.merged: MergedCalls | None = None
        if self.runtime.name == "onnx":
            self._answer_directly()
        # Everything loaded so far (BentoML, pydantic, scikit-learn, the model) lives as long as the worker:
        # moved out of the garbage collector's sight, it is not rescanned each time requests allocate.
        gc.freeze()
        fell_back = self.runtime.name == "sklearn" and SETTINGS.runtime != "sklearn"
        logger.log(
            logging.WARNING if fell_back else logging.INFO,
            "Serving %s version %s (BentoML model %s) with runtime %s: %s",
            self.name, self.version, MODEL_TAG, self.runtime.name, self.runtime.reason,
        )

    def _answer_directly(self) -> None:
        """/predict and /predict_batch beside BentoML's routing (the same answers, without its per-request cost).

        Concurrent requests share model calls (``service.merge_rows``; conveyor/serving/merged_calls.py).
        """
        single, batch = request_model(Conveyor, "predict"), request_model(Conveyor, "predict_batch")
        if single is None or batch is None:
            return
        if SETTINGS.merge_rows:
            self.merged = MergedCalls(self.runtime.call, SETTINGS.merge_rows, METRICS.call_rows.observe)

        async def one(record: dict[str, Any], headers: Headers) -> dict[str, Any]:
            return (await self._predict_merged([record], "predict", traffic_of(headers)))[0]

        async def many(records: list[dict[str, Any]], headers: Headers) -> list[dict[str, Any]]:
            return await self._predict_merged(records, "predict_batch", traffic_of(headers))

        DIRECT["/predict"] = (single, TypeAdapter(Record), one)
        DIRECT["/predict_batch"] = (batch, TypeAdapter(Batch), many)

    @bentoml.on_deployment
    def check_auth() -> None:  # type: ignore[misc]
        """Once, before any worker starts: no serving with auth on and no token; a warning for an open door."""
        check_start(SETTINGS)

    def __is_ready__(self) -> bool:
        return self.runtime is not None

    @bentoml.on_shutdown
    def close_log(self) -> None:
        self.log.close()
        self.labels.close()

    def _predict(
        self, records: list[dict[str, Any]], endpoint: str, traffic: str | None = None
    ) -> list[dict[str, Any]]:
        """Predictions as plain dicts in the shape of ``Answer``, from a model call of their own."""
        if not records:
            return []
        columns = columns_of(records, FEATURE_SCHEMA)
        return self._answers(columns, len(records), self.runtime.call(columns), endpoint, traffic)

    async def _predict_merged(
        self, records: list[dict[str, Any]], endpoint: str, traffic: str | None
    ) -> list[dict[str, Any]]:
        """``_predict`` on the event loop, its model call merged with concurrent requests' (unless merging is off)."""
        columns = columns_of(records, FEATURE_SCHEMA)
        rows = len(records)
        answers = await self.merged(columns, rows) if self.merged is not None else self.runtime.call(columns)
        return self._answers(columns, rows, answers, endpoint, traffic)

    def _answers(
        self, columns: dict[str, list[Any]], rows: int, answers: Any, endpoint: str, traffic: str | None
    ) -> list[dict[str, Any]]:
        """The answers for one request from its rows of a model call; one log line for the request."""
        classes, version = self.classes, self.version
        ids = new_ids(rows)
        entry: dict[str, Any] = {
            "ts": datetime.now(UTC).isoformat(), "model": self.name, "version": version, "rows": rows,
            "id": ids, "features": columns,
        }
        out: list[dict[str, Any]]
        if REGRESSION:
            values = np.asarray(answers, dtype="float64").tolist()
            out = [
                {"id": i, "prediction": value, "model_version": version} for i, value in zip(ids, values, strict=True)
            ]
            entry["prediction"] = values
        else:
            probabilities = np.asarray(answers, dtype="float64")
            labels = np.asarray(classes)[probabilities.argmax(axis=1)].tolist()
            out = [
                {
                    "id": i, "label": label, "probabilities": dict(zip(classes, row, strict=True)),
                    "model_version": version,
                }
                for i, label, row in zip(ids, labels, probabilities.tolist(), strict=True)
            ]
            entry["prediction"] = labels
            entry["probabilities"] = dict(zip(classes, probabilities.T.tolist(), strict=True))
        if traffic is not None:
            entry["traffic"] = traffic
        self.log.submit([entry])
        METRICS.predicted.labels(endpoint=endpoint).inc(len(out))
        return out

    @bentoml.api(route="/predict")
    def predict(self, record: Record, /, ctx: bentoml.Context) -> Answer:  # type: ignore[valid-type]
        """Predict one record: its class and the class probabilities, or a regressor's number."""
        return Answer.model_validate(self._predict([record], "predict", traffic_of(ctx.request.headers))[0])

    @bentoml.api(route="/predict_batch")
    def predict_batch(self, records: Batch, /, ctx: bentoml.Context) -> list[Answer]:  # type: ignore[valid-type]
        """Predict a list of records in one model call."""
        return self._predict(records, "predict_batch", traffic_of(ctx.request.headers))  # type: ignore[return-value]

    @bentoml.api(
        route="/predict_batched",
        batchable=True,
        max_batch_size=SETTINGS.batching.max_batch_size,
        max_latency_ms=SETTINGS.batching.max_latency_ms,
    )
    def predict_batched(self, records: Batch, /) -> list[Answer]:  # type: ignore[valid-type]
        """Predict a list of records, merged with concurrent requests into one model call (adaptive batching)."""
        return self._predict(records, "predict_batched")  # type: ignore[return-value]

    @bentoml.api(route="/feedback")
    def feedback(self, labels: Feedback, /) -> FeedbackAnswer:  # type: ignore[valid-type]
        """Take true labels of predictions by id; the answer comes once they are on disk in the labels log."""
        try:
            accepted = self.labels.append(labels, self.name, self.version)
        except OSError as error:
            logger.error(
                "Labels log %s is not writable (%s): %d labels refused with 503, none taken; free space or fix the "
                "path (service.prediction_log.path: the labels log is beside it)", self.labels.path, error, len(labels),
            )
            raise bentoml.exceptions.ServiceUnavailable("labels log not writable; send again later") from error
        return FeedbackAnswer(accepted=accepted)

    @bentoml.api(route="/model_info")
    def model_info(self) -> ModelInfo:
        """The served model: registry name and version, holdout metrics, feature schema and model card."""
        return ModelInfo(
            name=self.name,
            version=self.version,
            bento_model_tag=MODEL_TAG,
            mlflow_run_id=self.meta.get("mlflow_run_id"),
            promoted_at=self.meta.get("promoted_at"),
            candidate=self.meta.get("candidate"),
            metrics=self.meta.get("metrics") or {},
            feature_schema=FEATURE_SCHEMA,
            model_card=self.card,
            runtime=self.runtime.name,
            runtime_reason=self.runtime.reason,
            onnx=self.runtime.parity,
        )


# The first added runs first: the token for /metrics if it is protected (BoundedTrafficMetrics answers /metrics
# itself), count every request (401s and 413s included), check the bearer token before any body is read, guard
# the body (size, JSON), then answer /predict and /predict_batch directly when the compiled graph serves.
if SETTINGS.auth.protect_metrics:
    Conveyor.add_asgi_middleware(MetricsAuth, token_env=SETTINGS.auth.token_env)
Conveyor.add_asgi_middleware(BoundedTrafficMetrics)
Conveyor.add_asgi_middleware(BearerAuth, token_env=SETTINGS.auth.token_env)
Conveyor.add_asgi_middleware(RequestGuard, max_bytes=SETTINGS.max_request_bytes)
Conveyor.add_asgi_middleware(DirectEndpoints, endpoints=DIRECT, service_name=Conveyor.name)
speed_up_json_io(Conveyor)
cancel_request_timers()
