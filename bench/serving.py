"""Benchmark: the Conveyor BentoML service against a minimal FastAPI app and in-process predict_proba.

One run on 127.0.0.1 with a bounded load. Servers are pinned to core 0 and the load client to core 1
(taskset); candidates alternate A B A B within each repeat; medians over the repeats, and ratios to
FastAPI and to in-process. The model is the DESIGN.md reference: a 100-tree random forest behind the
ColumnTransformer that training builds, fitted on the seeded churn data and saved as a BentoML model.

  in-process      predict_proba on one row, and on 1,000-row batches (core 0, no HTTP), measured
                  before each concurrency level of each repeat
  conveyor        bentoml serve service:Conveyor (1 worker, prediction log on):
                    single   /predict with one record
                    batched  /predict_batched with one record (adaptive batching merges requests)
                    batch100 /predict_batch with 100 records
                    batched100 /predict_batched with 100 records (merged with other requests)
  fastapi         uvicorn bench.fastapi_app:app (1 worker): single, batch100

Usage: python bench/serving.py [--repeats 3] [--seconds 3] [--concurrency 1 8 32]
Writes bench/results/serving.md and prints it. Needs 2 cores; takes about 5 minutes with the defaults.
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
    from conveyor.config import Features
    from conveyor.features.requests import sample_records
    from conveyor.features.schema import feature_schema
    from conveyor.serving.bento_model import save_served_model
    from conveyor.training.data import generate_churn
    from conveyor.training.models import ESTIMATOR_STEP, build_pipeline

    features = Features(
        numeric=["tenure_months", "monthly_charges", "support_calls", "age"],
        categorical=["contract", "payment_method", "region"],
    )
    frame = generate_churn(4000, seed=42)
    pipeline = build_pipeline("random_forest", features, seed=42)
    pipeline.set_params(**{f"{ESTIMATOR_STEP}__n_estimators": 100, f"{ESTIMATOR_STEP}__max_depth": 10})
    pipeline.fit(frame[features.all], frame["churned"])
    schema = feature_schema(frame, features, "churned")
    save_served_model(TAG, pipeline, schema, "", {"registry_model": "bench-churn", "registry_version": "1"})
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


def in_process(model: Any, records: list[dict[str, Any]], seconds: float) -> dict[str, dict[str, float]]:
    import pandas as pd

    os.sched_setaffinity(0, {SERVER_CORE})
    results = {}
    try:
        for name, frame in {"single": pd.DataFrame(records[:1]), "batch1000": pd.DataFrame(records)}.items():
            model.predict_proba(frame)
            latencies: list[float] = []
            until = time.perf_counter() + seconds
            while time.perf_counter() < until:
                started = time.perf_counter()
                model.predict_proba(frame)
                latencies.append(time.perf_counter() - started)
            results[name] = summarize(len(latencies), latencies, seconds, len(frame))
    finally:
        os.sched_setaffinity(0, {CLIENT_CORE})
    return results


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

    bin_dir = Path(sys.executable).parent
    conveyor_port, fastapi_port = free_port(), free_port()
    servers = [
        start([str(bin_dir / "bentoml"), "serve", "service:Conveyor", "--port", str(conveyor_port)],
              env, conveyor_port, state / "conveyor.log"),
        start([sys.executable, "-m", "uvicorn", "bench.fastapi_app:app", "--port", str(fastapi_port),
               "--log-level", "warning"], env, fastapi_port, state / "fastapi.log"),
    ]
    one, hundred = json.dumps(records[0]).encode(), json.dumps(records[:100]).encode()
    candidates = {  # name -> (url, body, rows per request); alternated in this order
        "conveyor single": (f"http://127.0.0.1:{conveyor_port}/predict", one, 1),
        "fastapi single": (f"http://127.0.0.1:{fastapi_port}/predict", one, 1),
        "conveyor batched (1 record)": (f"http://127.0.0.1:{conveyor_port}/predict_batched",
                                        json.dumps(records[:1]).encode(), 1),
        "conveyor batch100": (f"http://127.0.0.1:{conveyor_port}/predict_batch", hundred, 100),
        "conveyor batched100": (f"http://127.0.0.1:{conveyor_port}/predict_batched", hundred, 100),
        "fastapi batch100": (f"http://127.0.0.1:{fastapi_port}/predict_batch", hundred, 100),
    }
    runs: dict[tuple[str, int], list[dict[str, float]]] = {}
    local: dict[str, list[dict[str, float]]] = {"single": [], "batch1000": []}
    try:
        for repeat in range(args.repeats):
            for concurrency in args.concurrency:
                # the baseline is taken beside every concurrency level, so a busy spell on a shared
                # machine weighs on it as on the servers
                for name, result in in_process(model, records, args.seconds).items():
                    local[name].append(result)
                for name, (url, body, rows) in candidates.items():
                    count, latencies = asyncio.run(load(url, body, concurrency, args.seconds))
                    runs.setdefault((name, concurrency), []).append(summarize(count, latencies, args.seconds, rows))
            sys.stderr.write(f"repeat {repeat + 1}/{args.repeats} done\n")
    finally:
        for server in servers:
            stop(server)

    table = report({k: median_of(v) for k, v in runs.items()}, {k: median_of(v) for k, v in local.items()}, args)
    out = ROOT / "bench/results/serving.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table)
    sys.stdout.write(table)


def report(http: dict[tuple[str, int], dict[str, float]], local: dict[str, dict[str, float]], args: Any) -> str:
    versions = ", ".join(f"{p} {version(p)}" for p in ("bentoml", "fastapi", "uvicorn", "scikit-learn", "aiohttp"))
    lines = [
        f"Median of {args.repeats} alternating repeats, {args.seconds:g} s per cell after 0.5 s warm-up; in-process "
        f"measured before each concurrency level ({args.repeats * len(args.concurrency)} times); "
        f"servers on core {SERVER_CORE}, load client on core {CLIENT_CORE}; 1 worker each. "
        f"Python {platform.python_version()}, {versions}, {os.cpu_count()} cores.",
        "",
        "| candidate | clients | req/s | rows/s | p50 ms | p99 ms | x FastAPI | x in-process rows/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, key in (("in-process predict_proba, 1 row", "single"), ("in-process predict_proba, 1,000 rows",
                                                                       "batch1000")):
        r = local[key]
        lines.append(f"| {name} | - | {r['req_s']:.0f} | {r['rows_s']:.0f} | {r['p50_ms']:.2f} | "
                     f"{r['p99_ms']:.2f} | - | 1.00 |")
    for concurrency in args.concurrency:
        for name in ("conveyor single", "conveyor batched (1 record)", "fastapi single", "conveyor batch100",
                     "conveyor batched100", "fastapi batch100"):
            r = http[(name, concurrency)]
            base = http[("fastapi batch100" if "100" in name else "fastapi single", concurrency)]
            ref = local["batch1000" if "100" in name else "single"]
            lines.append(
                f"| {name} | {concurrency} | {r['req_s']:.0f} | {r['rows_s']:.0f} | {r['p50_ms']:.1f} | "
                f"{r['p99_ms']:.1f} | {r['rows_s'] / base['rows_s']:.2f} | {r['rows_s'] / ref['rows_s']:.2f} |"
            )
    top = max(args.concurrency)
    single = http[("conveyor batched (1 record)", top)]["rows_s"] / http[("fastapi single", top)]["rows_s"]
    batch = http[("conveyor batch100", top)]["rows_s"] / local["batch1000"]["rows_s"]
    batched = http[("conveyor batched100", top)]["rows_s"] / local["batch1000"]["rows_s"]
    lines += [
        "",
        f"Targets at {top} clients: single records through the batchable endpoint at {single:.2f}x FastAPI "
        f"(target >= 4x); 100-row batches at {batch:.2f}x in-process 1,000-row rows/s through /predict_batch and "
        f"{batched:.2f}x through /predict_batched (target >= 0.5x).",
        "",
        f"Command: `python bench/serving.py --repeats {args.repeats} --seconds {args.seconds:g} "
        f"--concurrency {' '.join(map(str, args.concurrency))}`",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
