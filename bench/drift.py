"""Benchmark: the monitoring pipeline's drift step against a plain SciPy per-column loop, same data, same run.

Candidates, each measured in a fresh child process (so peak memory is its own), alternating per repeat:

- scipy:            normed Wasserstein per numeric column and Jensen-Shannon distance per categorical column
                    (the statistics the step's default config asks Evidently for), on all rows
- evidently, all:   monitoring.drift.run_drift (the body of the drift_report step: drift + data-summary reports,
                    HTML and JSON rendered) with no sample bound ("before")
- evidently, sampled: the same with the bounded, seeded sample of configs/monitoring.yaml ("after")

Both sides have N rows (reference: the churn generator, seed 1; current: drift 0.5, seed 2). Each row of the
table gives the median seconds, the ratio to SciPy, the median peak memory above the process's RSS just before
the call (sampled every 5 ms), and the largest difference of any column's score from SciPy's on all rows.
Each child first runs its candidate once on 500 rows, so imports and first-call set-up (reported separately
as "first call") are not counted in the seconds column.

Usage: python bench/drift.py [--sizes 10000 100000 1000000] [--repeats 3] [--max-rows 20000]
Writes bench/results/drift.md and drift.json and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NUMERIC = ["tenure_months", "monthly_charges", "support_calls", "age"]
CATEGORICAL = ["contract", "payment_method", "region"]
CANDIDATES = ("scipy", "evidently, all rows", "evidently, sampled")


def scipy_scores(reference: Any, current: Any) -> dict[str, float]:
    """The same statistics Evidently computes, column by column, with SciPy and pandas only."""
    import numpy as np
    from scipy import stats
    from scipy.spatial import distance

    scores: dict[str, float] = {}
    for column in NUMERIC:
        ref, cur = reference[column].dropna().to_numpy(float), current[column].dropna().to_numpy(float)
        scores[column] = float(stats.wasserstein_distance(ref, cur) / max(float(np.std(ref)), 0.001))
    for column in CATEGORICAL:
        ref, cur = reference[column].dropna(), current[column].dropna()
        keys = sorted(set(ref.unique()) | set(cur.unique()))
        p = ref.value_counts().reindex(keys, fill_value=0).to_numpy(float) / len(ref)
        q = cur.value_counts().reindex(keys, fill_value=0).to_numpy(float) / len(cur)
        scores[column] = float(distance.jensenshannon(p, q))
    return scores


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def child(candidate: str, data_dir: Path, max_rows: int) -> dict[str, Any]:
    """One measurement, in this (fresh) process."""
    import pandas as pd

    from conveyor.monitoring.drift import DriftSpec, run_drift

    reference = pd.read_parquet(data_dir / "reference.parquet")
    current = pd.read_parquet(data_dir / "current.parquet")
    bound = None if candidate == "evidently, all rows" else max_rows
    spec = DriftSpec("wasserstein", "jensenshannon", 0.1, {}, max_rows=bound, seed=42)

    def measured(ref: Any, cur: Any) -> dict[str, float]:
        if candidate == "scipy":
            return scipy_scores(ref, cur)
        return {c.column: c.score for c in run_drift(ref, cur, NUMERIC, CATEGORICAL, spec).result.columns}

    warm_started = time.perf_counter()
    measured(reference.head(500), current.head(500))  # imports and first-call set-up, paid once per process
    first_call = time.perf_counter() - warm_started
    peak, before, done = [0], _rss_bytes(), threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_bytes())
            time.sleep(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.perf_counter()
    scores = measured(reference, current)
    seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    peak[0] = max(peak[0], _rss_bytes())
    return {"seconds": seconds, "peak_mb": (peak[0] - before) / 2**20, "scores": scores, "first_call": first_call}


def _measure(candidate: str, data_dir: Path, max_rows: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", candidate, "--data", str(data_dir), "--max-rows", str(max_rows)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-3000:])
        raise SystemExit(f"benchmark child failed: {candidate} on {data_dir}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-rows", type=int, default=20_000, help="the sample bound of the sampled candidate")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.stdout.write(json.dumps(child(args.child, args.data, args.max_rows)) + "\n")
        return

    from conveyor.training.data import generate_churn

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="conveyor-bench-drift-") as tmp:
        for size in args.sizes:
            data_dir = Path(tmp) / str(size)
            data_dir.mkdir()
            generate_churn(size, seed=1).drop(columns=["churned"]).to_parquet(data_dir / "reference.parquet")
            generate_churn(size, seed=2, drift=0.5).drop(columns=["churned"]).to_parquet(data_dir / "current.parquet")
            runs: dict[str, list[dict[str, Any]]] = {c: [] for c in CANDIDATES}
            for repeat in range(args.repeats):
                for candidate in CANDIDATES:  # alternate: A B C A B C ...
                    runs[candidate].append(_measure(candidate, data_dir, args.max_rows))
                    sys.stderr.write(
                        f"{size} rows, repeat {repeat + 1}: {candidate} {runs[candidate][-1]['seconds']:.2f}s\n"
                    )
            base = statistics.median(r["seconds"] for r in runs["scipy"])
            truth = runs["scipy"][0]["scores"]
            for candidate in CANDIDATES:
                seconds = statistics.median(r["seconds"] for r in runs[candidate])
                scores = runs[candidate][0]["scores"]
                rows.append(
                    {
                        "rows": size,
                        "candidate": candidate,
                        "seconds": seconds,
                        "ratio_to_scipy": seconds / base,
                        "peak_mb": statistics.median(r["peak_mb"] for r in runs[candidate]),
                        "first_call": statistics.median(r["first_call"] for r in runs[candidate]),
                        "max_score_diff": max(abs(scores[c] - truth[c]) for c in truth),
                        "all_seconds": [r["seconds"] for r in runs[candidate]],
                    }
                )

    import evidently
    import scipy

    header = (
        f"python {platform.python_version()}, evidently {evidently.__version__}, scipy {scipy.__version__}, "
        f"{os.cpu_count()} cores; {args.repeats} repeats, medians; sample bound {args.max_rows} rows per side\n\n"
        "| rows per side | candidate | seconds | x SciPy | peak MB | max score diff. vs SciPy | first call (s) |\n"
        "|---:|---|---:|---:|---:|---:|---:|\n"
    )
    table = header + "".join(
        f"| {r['rows']:,} | {r['candidate']} | {r['seconds']:.2f} | {r['ratio_to_scipy']:.1f} | "
        f"{r['peak_mb']:.0f} | {r['max_score_diff']:.4f} | {r['first_call']:.1f} |\n"
        for r in rows
    )
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "drift.md").write_text(table)
    (results / "drift.json").write_text(json.dumps(rows, indent=2))
    sys.stdout.write(table)


if __name__ == "__main__":
    main()
