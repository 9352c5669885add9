"""Soak: a bounded run of mixed valid and invalid traffic against ``bentoml serve`` of a trained champion.

The champion comes from the training pipeline (configs/training.yaml) in a state directory of its own; the service
is ``bentoml serve service:Conveyor`` on 127.0.0.1 with configs/deployment.yaml's settings except: a prediction log
of its own with a small ``max_bytes`` (it rotates many times) and ``backups`` high enough that no file rotates away
during the run (checked), and ``service.auth.token_env: CONVEYOR_API_TOKEN`` with a random token. The server runs on
core 0, the load client on core 1. ``--concurrency`` closed-loop aiohttp clients send, for ``--seconds``, a seeded
mix of: valid records to /predict, /predict_batch and /predict_batched; labels of answered ids to /feedback; records
with a wrong type or an unknown field; malformed JSON; an empty batch; a body over ``max_request_bytes``; requests
without the token or with a wrong one. Each kind has one expected status.

Reported (bench/results/soak.md): the RSS of the server's processes (the arbiter and its workers, psutil) after
``--warmup`` seconds and at the end, and the growth; 5xx answers (must be 0) and any status other than the kind's
expected one; and whether the prediction log, all rotated files read, holds every id the service answered 200 for
exactly once (and the labels log every accepted label).

Usage: python bench/soak.py [--seconds 180] [--warmup 30] [--concurrency 32] [--note "what else ran"]
Exits 1 when a 5xx was answered or the log misses or repeats an id. The training run before it takes a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import platform
import random
import secrets
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psutil
from serving import CLIENT_CORE, SERVER_CORE, free_port, stop  # bench/serving.py, beside this script

ROOT = Path(__file__).resolve().parent.parent

TOKEN_ENV = "CONVEYOR_API_TOKEN"
# kind -> (weight, expected status)
KINDS: dict[str, tuple[int, int]] = {
    "predict": (30, 200), "predict_batch": (14, 200), "predict_batched": (10, 200), "feedback": (10, 200),
    "wrong_type": (7, 400), "unknown_field": (7, 400), "malformed_json": (7, 400), "empty_batch": (3, 400),
    "oversized": (1, 413), "no_token": (6, 401), "wrong_token": (5, 401),
}


def use_state(state: Path) -> None:
    """This process's environment without ZenML, MLflow, BentoML and Conveyor settings, then ``state``'s, for it and
    its children (BENTOML_HOME included: the ``bentoml`` command reads it before service.py could set it)."""
    from conveyor.platform.env import state_environment

    kept = {k: v for k, v in os.environ.items() if not k.startswith(("ZENML_", "MLFLOW_", "BENTOML_", "CONVEYOR_"))}
    os.environ.clear()
    os.environ.update({**kept, "CONVEYOR_STATE_DIR": str(state), "BENTOML_DO_NOT_TRACK": "true"})
    os.environ.update(state_environment())


def train(state: Path) -> None:
    """The training pipeline in ``state`` (once: a marker file remembers it)."""
    marker = state / "soak-trained"
    if marker.exists():
        return
    command = [sys.executable, "run.py", "--stack", "configs/stacks/local.yaml", "--pipeline", "training"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"training failed:\n{result.stderr[-3000:]}")
    marker.touch()


def serve_settings(log: Path, max_bytes: int, backups: int) -> Any:
    from conveyor.serving.settings import service_settings

    settings = service_settings(None)
    prediction_log = settings.prediction_log.model_copy(update={"path": str(log), "max_bytes": max_bytes,
                                                                "backups": backups})
    auth = settings.auth.model_copy(update={"token_env": TOKEN_ENV})
    return settings.model_copy(update={"prediction_log": prediction_log, "auth": auth})


def start_server(state: Path, settings: Any, token: str, port: int) -> subprocess.Popen[bytes]:
    import httpx
    import yaml

    arg_file = state / "soak-args.yaml"
    arg_file.write_text(yaml.safe_dump({"settings": settings.model_dump_json()}))
    command = ["taskset", "-c", str(SERVER_CORE), str(Path(sys.executable).parent / "bentoml"), "serve",
               "service:Conveyor", "--host", "127.0.0.1", "--port", str(port), "--arg-file", str(arg_file)]
    with open(state / "soak-server.log", "wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, TOKEN_ENV: token}, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 300  # the first start imports the champion into BentoML's store
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"bentoml serve exited; see {state / 'soak-server.log'}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop(process)
    raise SystemExit(f"bentoml serve was not ready in 300 s; see {state / 'soak-server.log'}")


def rss(pid: int) -> dict[str, int]:
    """RSS in bytes of the server process and each of its descendants, by a label with the pid."""
    root = psutil.Process(pid)
    out = {f"arbiter {pid}": root.memory_info().rss}
    for child in root.children(recursive=True):
        try:
            kind = "worker" if "worker" in " ".join(child.cmdline()) else child.name()
            out[f"{kind} {child.pid}"] = child.memory_info().rss
        except psutil.Error:
            continue
    return out


class Sampler(threading.Thread):
    """RSS of the server's processes every ``every`` seconds, with the seconds since load began."""

    def __init__(self, pid: int, every: float = 5.0):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples = pid, every, []
        self.started, self.done = time.monotonic(), threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.samples.append((time.monotonic() - self.started, rss(self.pid)))
            self.done.wait(self.every)

    def at(self, seconds: float) -> tuple[float, dict[str, int]]:
        return min(self.samples, key=lambda s: abs(s[0] - seconds))


class Traffic:
    """What the clients send and what came back."""

    def __init__(self, url: str, token: str, schema: dict[str, Any], records: list[dict[str, Any]], max_bytes: int):
        self.url, self.records, self.classes = url, records, schema.get("classes") or ["no", "yes"]
        self.auth = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
        self.numeric = next(f["name"] for f in schema["features"] if f["kind"] == "numeric")
        big = json.dumps(records).encode()
        self.oversized = b"[" + b",".join([big[1:-1]] * (max_bytes // len(big) + 1)) + b"]"
        self.statuses: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
        self.answered: list[str] = []
        self.recent: collections.deque[str] = collections.deque(maxlen=2000)
        self.accepted_labels = 0
        self.transport_errors: collections.Counter[str] = collections.Counter()

    def request(self, kind: str, rng: random.Random) -> tuple[str, bytes, dict[str, str]]:
        """Path, body and headers of one request of ``kind``."""
        one = rng.choice(self.records)
        dump = lambda value: json.dumps(value).encode()  # noqa: E731
        some = [rng.choice(self.records) for _ in range(rng.randint(1, 20))]
        bodies = {
            "predict": ("/predict", dump(one)),
            "predict_batch": ("/predict_batch", dump(some)),
            "predict_batched": ("/predict_batched", dump(some[:4])),
            "feedback": ("/feedback", dump([{"id": rng.choice(self.recent) if self.recent else secrets.token_hex(16),
                                             "label": rng.choice(self.classes)} for _ in range(rng.randint(1, 5))])),
            "wrong_type": (rng.choice(["/predict", "/predict_batch"]), b""),
            "unknown_field": ("/predict", dump({**one, "coupon": 1})),
            "malformed_json": (rng.choice(["/predict", "/predict_batch", "/feedback"]), dump(one)[:-3] + b",,"),
            "empty_batch": (rng.choice(["/predict_batch", "/predict_batched", "/feedback"]), b"[]"),
            "oversized": ("/predict_batch", self.oversized),
            "no_token": (rng.choice(["/predict", "/model_info"]), dump(one)),
            "wrong_token": ("/predict_batch", dump(some)),
        }
        path, body = bodies[kind]
        if kind == "wrong_type":
            bad = {**one, self.numeric: "cheap"}
            body = dump(bad if path == "/predict" else [one, bad])
        headers = dict(self.auth)
        if kind == "no_token":
            headers.pop("Authorization")
        elif kind == "wrong_token":
            headers["Authorization"] = "Bearer " + secrets.token_urlsafe(24)
        return path, body, headers

    async def client(self, session: Any, rng: random.Random, until: float) -> None:
        kinds, weights = list(KINDS), [weight for weight, _ in KINDS.values()]
        while time.monotonic() < until:
            kind = rng.choices(kinds, weights)[0]
            path, body, headers = self.request(kind, rng)
            try:
                async with session.post(self.url + path, data=body, headers=headers) as response:
                    answer = await response.read()
                    status = response.status
            except Exception as error:  # noqa: BLE001 - counted and reported
                self.transport_errors[f"{kind}: {type(error).__name__}"] += 1
                continue
            self.statuses[kind][status] += 1
            if status == 200 and kind in ("predict", "predict_batch", "predict_batched"):
                parsed = json.loads(answer)
                ids = [parsed["id"]] if kind == "predict" else [p["id"] for p in parsed]
                self.answered += ids
                self.recent.extend(ids)
            elif status == 200 and kind == "feedback":
                self.accepted_labels += json.loads(answer)["accepted"]


async def run_load(traffic: Traffic, concurrency: int, seconds: float, seed: int) -> float:
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency), timeout=timeout) as session:
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(*(traffic.client(session, random.Random(seed + i), until) for i in range(concurrency)))
        return time.monotonic() - started


def metric(text: str, name: str) -> float:
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith((name + " ", name + "{")))


def check_logs(log: Path, traffic: Traffic, backups: int) -> dict[str, Any]:
    from conveyor.prediction_log.labels import labels_path, read_labels
    from conveyor.prediction_log.reader import iter_records

    logged = collections.Counter(str(r.get("id")) for r in iter_records(log))
    answered = collections.Counter(traffic.answered)
    files = sorted(log.parent.glob(log.name + "*"))
    indexes = [int(f.name.rsplit(".", 1)[1]) for f in files if f.name.rsplit(".", 1)[1].isdigit()]
    return {
        "answered": len(answered), "answered_twice": sum(1 for c in answered.values() if c > 1),
        "logged": sum(logged.values()), "missing": len(set(answered) - set(logged)),
        "logged_twice": sum(1 for c in logged.values() if c > 1), "not_answered": len(set(logged) - set(answered)),
        "files": len(files), "oldest_backup": max(indexes, default=0), "backups": backups,
        "bytes": sum(f.stat().st_size for f in files),
        "labels_logged": len(read_labels(labels_path(log))), "labels_accepted": traffic.accepted_labels,
    }


def mb(value: float) -> str:
    return f"{value / 2**20:.1f}"


def report(args: Any, traffic: Traffic, elapsed: float, warm: Any, end: Any, series: list[Any], logs: dict[str, Any],
           metrics: dict[str, float], model: dict[str, Any], loads: tuple[Any, Any]) -> tuple[str, bool]:
    total = sum(sum(c.values()) for c in traffic.statuses.values())
    server_errors = sum(n for c in traffic.statuses.values() for s, n in c.items() if s >= 500)
    unexpected = sum(n for k, c in traffic.statuses.items() for s, n in c.items() if s != KINDS[k][1])
    (warm_at, warm_rss), (end_at, end_rss) = warm, end
    growth = sum(end_rss.values()) - sum(warm_rss.values())
    kept = logs["oldest_backup"] < logs["backups"]  # the last allowed backup unused: nothing was deleted
    ok = (server_errors == 0 and logs["missing"] == 0 and logs["logged_twice"] == 0 and logs["answered_twice"] == 0
          and kept)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    versions = ", ".join(f"{p} {version(p)}" for p in ("bentoml", "scikit-learn", "aiohttp", "psutil"))
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    changed = subprocess.run([*git, "status", "--porcelain", "service.py", "conveyor"], capture_output=True,
                             text=True).stdout.split("\n")
    changed = [line[3:] for line in changed if line.strip()]
    lines = [
        f"Command: `{'nice -n 10 ' if os.nice(0) >= 10 else ''}python bench/soak.py {shlex.join(sys.argv[1:])}`"
        f" ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}).",
        f"Machine: {cpu}, {os.cpu_count()} cores, {mb(psutil.virtual_memory().total)} MB RAM; Python "
        f"{platform.python_version()}, {versions}. Server on core {SERVER_CORE}, client on core {CLIENT_CORE}; load "
        f"average (1 min) {loads[0]:.2f} before, {loads[1]:.2f} after. {args.note}".rstrip(),
        f"Model: {model['name']} version {model['version']} ({model['candidate']}, runtime {model.get('runtime')}), "
        "trained by the training pipeline; "
        f"1 worker; auth on; prediction log max_bytes {args.log_max_bytes}, backups {logs['backups']}. Code: commit "
        f"{commit}" + (f", with uncommitted changes in {', '.join(changed)}." if changed else ", clean tree."), "",
        f"**{total} requests in {elapsed:.0f} s ({total / elapsed:.0f} req/s) from {args.concurrency} clients: "
        f"{server_errors} answered 5xx, {unexpected} with another status than expected, "
        f"{sum(traffic.transport_errors.values())} transport errors.**", "",
        "| kind | requests | expected | statuses |", "|---|---:|---:|---|",
    ]
    for kind, (_, expected) in KINDS.items():
        counts = traffic.statuses.get(kind, collections.Counter())
        got = ", ".join(f"{s}: {n}" for s, n in sorted(counts.items()))
        lines.append(f"| {kind} | {sum(counts.values())} | {expected} | {got} |")
    if traffic.transport_errors:
        lines += ["", "Transport errors: " + ", ".join(f"{k} x{n}" for k, n in traffic.transport_errors.items())]
    lines += ["", f"RSS of the server's processes (MB), after warm-up ({warm_at:.0f} s) and at the end "
              f"({end_at:.0f} s):", "", "| process | after warm-up | end | growth |", "|---|---:|---:|---:|"]
    for name in sorted(set(warm_rss) | set(end_rss)):
        before, after = warm_rss.get(name), end_rss.get(name)
        change = mb(after - before) if before is not None and after is not None else "(not in both)"
        lines.append(f"| {name} | {mb(before) if before else '-'} | {mb(after) if after else '-'} | {change} |")
    lines += [f"| **all** | {mb(sum(warm_rss.values()))} | {mb(sum(end_rss.values()))} | **{mb(growth)} "
              f"({100 * growth / sum(warm_rss.values()):+.1f}%)** |", "",
              "Total RSS every 30 s (MB): " + ", ".join(f"{at:.0f} s {mb(sum(r.values()))}" for at, r in series), "",
              f"Prediction log: {logs['answered']} ids answered 200 ({logs['answered_twice']} answered twice); "
              f"{logs['logged']} records in {logs['files']} files ({logs['files'] - 1} rotations, oldest backup "
              f".{logs['oldest_backup']} of {logs['backups']} allowed: "
              f"{'none rotated away' if kept else 'files may have rotated away: raise --log-backups'}), "
              f"{mb(logs['bytes'])} MB; "
              f"**{logs['missing']} answered ids missing, {logs['logged_twice']} logged twice**, "
              f"{logs['not_answered']} logged but not seen answered by the client. Queue drops "
              f"{metrics['dropped']:.0f}, failed writes {metrics['failed']:.0f}. Labels: {logs['labels_accepted']} "
              f"accepted, {logs['labels_logged']} in the labels log.", "",
              f"Verdict: {'pass' if ok else 'FAIL'} (no 5xx, every answered id logged exactly once).", ""]
    return "\n".join(lines), ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds of load before the first RSS figure")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--log-max-bytes", type=int, default=64_000)
    parser.add_argument("--log-backups", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--state", type=Path, help="state directory to reuse (trained once); default: a new one")
    parser.add_argument("--note", default="", help="a sentence for the report: what else ran on the machine")
    args = parser.parse_args()
    if len(os.sched_getaffinity(0)) < 2:
        raise SystemExit("needs two cores: one for the server, one for the load client")
    state = (args.state or Path(tempfile.mkdtemp(prefix="conveyor-soak-"))).resolve()
    state.mkdir(parents=True, exist_ok=True)
    use_state(state)
    train(state)
    log = state / f"soak-log-{int(time.time())}" / "predictions.jsonl"
    settings = serve_settings(log, args.log_max_bytes, args.log_backups)
    token, port = secrets.token_urlsafe(32), free_port()
    server = start_server(state, settings, token, port)
    try:
        import httpx

        url = f"http://127.0.0.1:{port}"
        answer = httpx.post(f"{url}/model_info", json={}, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        model = answer.json()
        from conveyor.features.requests import sample_records

        schema = model["feature_schema"]
        traffic = Traffic(url, token, schema, sample_records(schema, 2000, args.seed), settings.max_request_bytes)
        os.sched_setaffinity(0, {CLIENT_CORE})
        loads = [os.getloadavg()[0]]
        sampler = Sampler(server.pid)
        sampler.start()
        elapsed = asyncio.run(run_load(traffic, args.concurrency, args.seconds, args.seed))
        sampler.done.set()
        sampler.join()
        loads.append(os.getloadavg()[0])
        text = httpx.get(f"{url}/metrics", timeout=60).text
        metrics = {"dropped": metric(text, "conveyor_prediction_log_dropped_records_total"),
                   "failed": metric(text, "conveyor_prediction_log_failed_records_total")}
        warm, end = sampler.at(args.warmup), sampler.samples[-1]
        series = [sampler.at(t) for t in range(0, int(args.seconds) + 1, 30)]
    finally:
        stop(server)  # SIGTERM: the service closes its log, writing what is queued
    logs = check_logs(log, traffic, args.log_backups)
    text, ok = report(args, traffic, elapsed, warm, end, series, logs, metrics, model, (loads[0], loads[1]))
    out = ROOT / "bench/results/soak.md"
    out.write_text(text)
    sys.stdout.write(text)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
