"""The deployment pipeline's run-config schema (``configs/deployment.yaml``), including the service settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from conveyor.config.loader import RunConfig, Strict


class PredictionLogSettings(Strict):
    path: str | None = Field(None, description="JSONL file; null = <state dir>/predictions/predictions.jsonl")
    max_bytes: int = Field(gt=0, description="rotate the file when it passes this size")
    backups: int = Field(ge=0, description="rotated files to keep")
    queue_size: int = Field(gt=0, description="requests waiting for the writer thread; more are dropped and counted")


class Batching(Strict):
    max_batch_size: int = Field(gt=0, description="adaptive batching: most records in one model call")
    max_latency_ms: int = Field(gt=0, description="adaptive batching: longest a request may wait for its batch")


class AuthSettings(Strict):
    """Bearer-token authentication of the service (docs/serving.md#authentication)."""

    token_env: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="environment variable that holds the bearer token; when set, every endpoint but the health "
        "probes, the OpenAPI page and /metrics (unless protect_metrics) needs `Authorization: Bearer <token>` (401 "
        "without it), and the service refuses to start if the variable is empty or unset; null = no authentication",
    )
    protect_metrics: bool = Field(False, description="/metrics needs the token too (false: open to scrapers)")


Runtime = Literal["auto", "onnx", "sklearn"]


class ServiceSettings(Strict):
    """How the BentoML service runs; the deployment pipeline bakes these into the Bento."""

    host: str = Field(description="bind address; 127.0.0.1 keeps the service on this machine")
    port: int = Field(gt=0, lt=65536)
    workers: int = Field(gt=0)
    max_request_bytes: int = Field(gt=0, description="larger request bodies get 413")
    max_batch_rows: int = Field(gt=0, description="most records in one /predict_batch request")
    access_log: bool = Field(description="BentoML's per-request access log (costs throughput; /metrics counts anyway)")
    batching: Batching
    prediction_log: PredictionLogSettings
    auth: AuthSettings = Field(default_factory=AuthSettings, description="bearer-token authentication; left out = none")
    runtime: Runtime = Field(
        "auto",
        description="auto: the ONNX graph when the model's parity check passed at registration, else scikit-learn; "
        "onnx: the graph or no start (the service refuses a model without a passing one); sklearn: never the graph",
    )
    onnx_threads: int = Field(1, gt=0, description="ONNX Runtime's intra-op threads per worker")
    merge_rows: int = Field(
        2000,
        ge=0,
        description="most rows in one model call that merges concurrent /predict and /predict_batch requests "
        "(the compiled graph only: conveyor/serving/merged_calls.py); 0: every request its own call",
    )
    trace_predictions: bool = Field(
        False,
        description="BentoML's OpenTelemetry spans (and X-BentoML-Request-ID) for /predict, /predict_batch and "
        "/predict_batched; off, they are not traced (spans cost about half of a compiled model's request); "
        "turn on with a tracing exporter configured",
    )


DeploymentMode = Literal["auto", "local", "container"]


class DeploymentParams(Strict):
    service: ServiceSettings
    deployment: DeploymentMode = Field(
        description="auto: a local process on the local orchestrator, a container on any other (serving/modes.py)"
    )
    parity_rows: int = Field(gt=0, description="records in the fixed sample of the HTTP parity check")
    parity_seed: int
    parity_tolerance: float = Field(
        ge=0.0,
        description="classification: largest allowed difference of a class probability (labels must be equal); "
        "regression: a served prediction may differ by at most parity_tolerance * max(1, |expected|)",
    )
    timeout: int = Field(gt=0, description="seconds to wait for the service to start or stop")


class DeploymentConfig(RunConfig):
    parameters: DeploymentParams

