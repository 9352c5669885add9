"""Benchmark: the Conveyor BentoML service against a minimal FastAPI app, in-process scikit-learn and ONNX Runtime.

One run on 127.0.0.1 with a bounded load. Servers are pinned to core 0 and the load client to core 1
(taskset); candidates alternate A B A B within each repeat; medians over the repeats, and ratios to
FastAPI and to in-process. The model is the DESIGN.md reference: a 100-tree random forest behind the
ColumnTransformer that training builds, fitted on the seeded churn data, compiled to ONNX and checked for
parity as registration does, and saved as a BentoML model with its graph.

  in-process      (core 0, no HTTP), measured before each concurrency level of each repeat, on 1 row and on
                  1,000-row batches:
                    predict_proba   scikit-learn, the baseline of the FastAPI app
                    onnxruntime     ONNX Runtime's own time: session.run on input arrays built beforehand
                    model call      what the service calls per request: the validated records' columns
                                    (columns_of) to arrays to session.run (conveyor/serving/runtime.py)
  conveyor        bentoml serve service:Conveyor (1 worker, prediction log on, service.runtime auto: ONNX):
                    single   /predict with one record
                    batched  /predict_batched with one record (adaptive batching merges requests)
                    batch100 /predict_batch with 100 records
                    batched100 /predict_batched with 100 records (merged with other requests)
  fastapi         uvicorn bench.fastapi_app:app (1 worker, scikit-learn, the pickle): single, batch100
  bare            uvicorn bench.bare_app:app (1 worker): reads the body, answers a fixed prediction, no other
                  work. The floor of the server, the load client and this machine for any Python service.

Usage: python bench/serving.py [--repeats 3] [--seconds 3] [--concurrency 1 8 32]
Writes bench/results/serving.md and prints it. Needs 2 cores; takes about 7 minutes with the defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pickle
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVER_CORE, CLIENT_CORE = 0, 1
TAG = "bench-churn:v1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(state: Path) -> tuple[Any, list[dict[str, Any]]]:
    """Fit the reference model, save it as a BentoML model and a pickle; return it and sample records."""
    from conveyor.config import Features, OnnxSettings
    from conveyor.features.requests import sample_records
    from conveyor.features.schema import feature_schema
    from conveyor.serving.bento_model import save_served_model
    from conveyor.training.data import generate_churn
    from conveyor.training.models import ESTIMATOR_STEP, build_pipeline
    from conveyor.training.onnx_parity import compile_and_check

    features = Features(
        numeric=["tenure_months", "monthly_charges", "support_calls", "age"],
        categorical=["contract", "payment_method", "region"],
    )
    frame = generate_churn(4000, seed=42)
    pipeline = build_pipeline("random_forest", features, seed=42)
    pipeline.set_params(**{f"{ESTIMATOR_STEP}__n_estimators": 100, f"{ESTIMATOR_STEP}__max_depth": 10})
    pipeline.fit(frame[features.all], frame["churned"])
    schema = feature_schema(frame, features, "churned")
    holdout = generate_churn(1000, seed=43)[features.all]
    graph, parity = compile_and_check(pipeline, schema, holdout, OnnxSettings(), seed=42)
    if graph is None:
        raise SystemExit(f"the reference model did not compile: {parity['reason']}")
    sys.stderr.write(f"compiled in {parity['seconds']:.1f} s, parity max difference {parity['max_diff']:.3g}\n")
    metadata = {"registry_model": "bench-churn", "registry_version": "1"}
    save_served_model(TAG, pipeline, schema, "", metadata, graph, parity)
    (state / "model.pkl").write_bytes(pickle.dumps(pipeline))
    return pipeline, sample_records(schema, 1000, seed=1)


def start(command: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as output:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            ["taskset", "-c", str(SERVER_CORE), *command], cwd=ROOT, env=env,
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/docs", timeout=2).status_code < 500:
                return process
        except httpx.HTTPError:
            time.sleep(0.5)
    raise SystemExit(f"server did not start; see {log}")


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, 15)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)


async def load(url: str, body: bytes, concurrency: int, seconds: float) -> tuple[int, list[float]]:
    """Closed-loop load: ``concurrency`` clients post ``body`` back to back for ``seconds``."""
    import aiohttp

    latencies: list[float] = []
    errors = 0
    failure = ""
    headers = {"content-type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client(until: float, record: bool) -> None:
            nonlocal errors, failure
            while time.perf_counter() < until:
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    text = await response.read()
                    ok = response.status == 200
                    if not ok:
                        failure = f"{response.status} {text[:300]!r}"
                if record:
                    latencies.append(time.perf_counter() - started)
                    errors += not ok

        warm = time.perf_counter() + 0.5
        await asyncio.gather(*(client(warm, False) for _ in range(concurrency)))
        until = time.perf_counter() + seconds
        await asyncio.gather(*(client(until, True) for _ in range(concurrency)))
    if errors:
        raise SystemExit(f"{errors} failed requests to {url}; the last: {failure}")
    return len(latencies), latencies


def _timed(call: Any, seconds: float, rows: int) -> dict[str, float]:
    call()
    latencies: list[float] = []
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        started = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - started)
    return summarize(len(latencies), latencies, seconds, rows)


def in_process(model: Any, runtime: Any, records: list[dict[str, Any]], seconds: float) -> dict[str, dict[str, float]]:
    """scikit-learn, ONNX Runtime alone, and the service's model call, on 1 row and on 1,000 rows (core 0)."""
    import pandas as pd

    from conveyor.features.requests import columns_of

    os.sched_setaffinity(0, {SERVER_CORE})
    results = {}
    try:
        for size, chosen in {"single": records[:1], "batch1000": records}.items():
            frame = pd.DataFrame(chosen)
            results[f"sklearn {size}"] = _timed(lambda f=frame: model.predict_proba(f), seconds, len(chosen))
            feeds = runtime.predictor.feeds(columns_of(chosen, runtime.schema))
            run, output = runtime.predictor.session.run, [runtime.predictor.output]
            results[f"onnxruntime {size}"] = _timed(lambda f=feeds, r=run, o=output: r(o, f), seconds, len(chosen))
            results[f"model call {size}"] = _timed(
                lambda c=chosen: runtime.call(columns_of(c, runtime.schema)), seconds, len(chosen)
            )
    finally:
        os.sched_setaffinity(0, {CLIENT_CORE})
    return results


def served_runtime(schema: dict[str, Any]) -> Any:
    """The service's runtime for TAG, as service.py loads it, with its predictor and schema at hand."""
    from types import SimpleNamespace

    import bentoml

    from conveyor.platform.onnx_runtime import OnnxPredictor
    from conveyor.serving.bento_model import onnx_graph_of
    from conveyor.serving.runtime import load_runtime

    stored = bentoml.models.get(TAG)
    runtime = load_runtime(stored, "auto", 1, schema)
    if runtime.name != "onnx":
        raise SystemExit(f"the service would run {runtime.name}: {runtime.reason}")
    predictor = OnnxPredictor(onnx_graph_of(stored) or "", schema["features"], 1)
    return SimpleNamespace(call=runtime.call, predictor=predictor, schema=schema)


def summarize(count: int, latencies: list[float], seconds: float, rows: int) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "req_s": count / seconds,
        "rows_s": count * rows / seconds,
        "p50_ms": 1000 * ordered[len(ordered) // 2],
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
    }


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    args = parser.parse_args()
    if len(os.sched_getaffinity(0)) < 2:
        raise SystemExit("needs two cores: one for the servers, one for the load client")

    state = Path(tempfile.mkdtemp(prefix="conveyor-bench-serving-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENML_", "MLFLOW_", "BENTOML_", "CONVEYOR_"))}
    env.update(CONVEYOR_STATE_DIR=str(state), BENTOML_HOME=str(state / "bentoml"), CONVEYOR_MODEL_TAG=TAG,
               BENCH_MODEL_PATH=str(state / "model.pkl"), BENTOML_DO_NOT_TRACK="true")
    os.environ.update({k: env[k] for k in ("CONVEYOR_STATE_DIR", "BENTOML_HOME")})
    os.sched_setaffinity(0, {CLIENT_CORE})
    model, records = prepare(state)
    import bentoml

    from conveyor.serving.bento_model import feature_schema_of

    runtime = served_runtime(feature_schema_of(bentoml.models.get(TAG)))

    bin_dir = Path(sys.executable).parent
    conveyor_port, fastapi_port, bare_port = free_port(), free_port(), free_port()
    servers = [
        start([str(bin_dir / "bentoml"), "serve", "service:Conveyor", "--port", str(conveyor_port)],
              env, conveyor_port, state / "conveyor.log"),
        start([sys.executable, "-m", "uvicorn", "bench.fastapi_app:app", "--port", str(fastapi_port),
               "--log-level", "warning"], env, fastapi_port, state / "fastapi.log"),
        start([sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(bare_port),
               "--log-level", "warning", "--no-access-log"], env, bare_port, state / "bare.log"),
    ]
    one, hundred = json.dumps(records[0]).encode(), json.dumps(records[:100]).encode()
    candidates = {  # name -> (url, body, rows per request); alternated in this order
        "conveyor single": (f"http://127.0.0.1:{conveyor_port}/predict", one, 1),
        "fastapi single": (f"http://127.0.0.1:{fastapi_port}/predict", one, 1),
        "bare single": (f"http://127.0.0.1:{bare_port}/predict", one, 1),
        "conveyor batched (1 record)": (f"http://127.0.0.1:{conveyor_port}/predict_batched",
                                        json.dumps(records[:1]).encode(), 1),
        "conveyor batch100": (f"http://127.0.0.1:{conveyor_port}/predict_batch", hundred, 100),
        "conveyor batched100": (f"http://127.0.0.1:{conveyor_port}/predict_batched", hundred, 100),
        "fastapi batch100": (f"http://127.0.0.1:{fastapi_port}/predict_batch", hundred, 100),
    }
    runs: dict[tuple[str, int], list[dict[str, float]]] = {}
    local: dict[str, list[dict[str, float]]] = {}
    try:
        for repeat in range(args.repeats):
            for concurrency in args.concurrency:
                # the baseline is taken beside every concurrency level, so a busy spell on a shared
                # machine weighs on it as on the servers
                for name, result in in_process(model, runtime, records, args.seconds).items():
                    local.setdefault(name, []).append(result)
                for name, (url, body, rows) in candidates.items():
                    count, latencies = asyncio.run(load(url, body, concurrency, args.seconds))
                    runs.setdefault((name, concurrency), []).append(summarize(count, latencies, args.seconds, rows))
            sys.stderr.write(f"repeat {repeat + 1}/{args.repeats} done\n")
    finally:
        for server in servers:
            stop(server)

    table = report(runs, local, args)
    out = ROOT / "bench/results/serving.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table)
    sys.stdout.write(table)


LOCAL_ROWS = (
    ("in-process scikit-learn predict_proba, 1 row", "sklearn single"),
    ("in-process scikit-learn predict_proba, 1,000 rows", "sklearn batch1000"),
    ("in-process ONNX Runtime session.run, 1 row", "onnxruntime single"),
    ("in-process ONNX Runtime session.run, 1,000 rows", "onnxruntime batch1000"),
    ("the service's model call (columns to arrays to run), 1 row", "model call single"),
    ("the service's model call (columns to arrays to run), 1,000 rows", "model call batch1000"),
)
HTTP_ROWS = ("conveyor single", "conveyor batched (1 record)", "fastapi single", "bare single", "conveyor batch100",
             "conveyor batched100", "fastapi batch100")


def _verdict(value: float, target: float, higher: bool = True) -> str:
    return "met" if (value >= target if higher else value <= target) else "**not met**"


def report(runs: dict[tuple[str, int], list[dict[str, float]]], local_runs: dict[str, list[dict[str, float]]],
           args: Any) -> str:
    """The table, the targets and the floor, from every repeat of each HTTP cell and in-process measurement."""
    http = {key: median_of(values) for key, values in runs.items()}
    local = {key: median_of(values) for key, values in local_runs.items()}
    packages = ("bentoml", "fastapi", "uvicorn", "scikit-learn", "onnxruntime", "skl2onnx", "aiohttp")
    versions = ", ".join(f"{p} {version(p)}" for p in packages)
    lines = [
        f"Median of {args.repeats} alternating repeats, {args.seconds:g} s per cell after 0.5 s warm-up; in-process "
        f"measured before each concurrency level ({args.repeats * len(args.concurrency)} times); "
        f"servers on core {SERVER_CORE}, load client on core {CLIENT_CORE}; 1 worker each; the service runs the "
        f"compiled graph (service.runtime auto), the FastAPI app scikit-learn. "
        f"Python {platform.python_version()}, {versions}, {os.cpu_count()} cores.",
        "",
        "| candidate | clients | req/s | rows/s | p50 ms | p99 ms | x FastAPI | x in-process sklearn rows/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, key in LOCAL_ROWS:
        r = local[key]
        ref = local["sklearn batch1000" if "1000" in key else "sklearn single"]
        lines.append(f"| {name} | - | {r['req_s']:.0f} | {r['rows_s']:.0f} | {r['p50_ms']:.3f} | "
                     f"{r['p99_ms']:.3f} | - | {r['rows_s'] / ref['rows_s']:.2f} |")
    for concurrency in args.concurrency:
        for name in HTTP_ROWS:
            r = http[(name, concurrency)]
            base = http[("fastapi batch100" if "100" in name else "fastapi single", concurrency)]
            ref = local["sklearn batch1000" if "100" in name else "sklearn single"]
            lines.append(
                f"| {name} | {concurrency} | {r['req_s']:.0f} | {r['rows_s']:.0f} | {r['p50_ms']:.2f} | "
                f"{r['p99_ms']:.1f} | {r['rows_s'] / base['rows_s']:.2f} | {r['rows_s'] / ref['rows_s']:.2f} |"
            )
    top, low = max(args.concurrency), min(args.concurrency)
    single = http[("conveyor single", top)]
    single_x = single["rows_s"] / http[("fastapi single", top)]["rows_s"]
    one_client = http[("conveyor single", low)]["p50_ms"]
    batch = http[("conveyor batch100", top)]["rows_s"] / local["sklearn batch1000"]["rows_s"]
    bare = http[("bare single", top)]
    p99_runs = [r["p99_ms"] for r in runs[("conveyor single", top)]]
    bare_runs = [r["p99_ms"] for r in runs[("bare single", top)]]
    call_1 = local["model call single"]["p50_ms"] / local["onnxruntime single"]["p50_ms"]
    call_1000 = local["model call batch1000"]["p50_ms"] / local["onnxruntime batch1000"]["p50_ms"]
    lines += [
        "",
        "Targets (issue 12):",
        "",
        f"- `/predict`, single records at {top} clients: {single_x:.1f}x the FastAPI app (target >= 10x), "
        f"{_verdict(single_x, 10)}; p99 {single['p99_ms']:.1f} ms (target <= 25 ms), "
        f"{_verdict(single['p99_ms'], 25, higher=False)} (at or under 25 ms in {sum(p <= 25 for p in p99_runs)} of "
        f"{len(p99_runs)} repeats: {', '.join(f'{p:.1f}' for p in p99_runs)} ms).",
        f"- `/predict` at {low} client: p50 {one_client:.2f} ms (target <= 2 ms), "
        f"{_verdict(one_client, 2, higher=False)}.",
        f"- `/predict_batch` with 100 rows at {top} clients: {batch:.2f}x in-process scikit-learn rows/s on "
        f"1,000-row calls (target >= 1.0x), {_verdict(batch, 1.0)}.",
        f"- The service's model call per row against ONNX Runtime's own time (p50): {call_1:.2f}x at 1 row, "
        f"{call_1000:.2f}x at 1,000 rows (target within 5x), {_verdict(5, max(call_1, call_1000))}.",
        "",
        f"The floor, for the latency targets: the bare ASGI app at {top} clients answers {bare['req_s']:.0f} req/s "
        f"with p99 {bare['p99_ms']:.1f} ms (repeats: {', '.join(f'{p:.1f}' for p in bare_runs)} ms); at {low} client, "
        f"p50 {http[('bare single', low)]['p50_ms']:.2f} ms.",
        "",
        f"Command: `python bench/serving.py --repeats {args.repeats} --seconds {args.seconds:g} "
        f"--concurrency {' '.join(map(str, args.concurrency))}`",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
