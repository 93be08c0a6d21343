"""Measure training from a several-GB memory-mapped .npy: peak resident memory and time.

    python scripts/measure_large_data.py [--rows 20000000] [--cols 20] [--dir /tmp/adamlab-large]

Writes X.npy (rows × cols float64) and y.npy in --dir (in blocks, never whole in memory), then
runs, each in its own process, ``adamlab train --data X.npy --target y.npy`` for one epoch
(streamed: the file is larger than 256 MB, so adamlab memory-maps it and reads batches with
pread) and, for scale, the same command on a 100-row slice of the data (the fixed cost of
Python, NumPy and adamlab). Prints peak RSS (the kernel's ru_maxrss) of each and the file size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def write_data(d: Path, rows: int, cols: int) -> tuple[Path, Path]:
    X_path, y_path = d / "X.npy", d / "y.npy"
    if X_path.exists() and np.load(X_path, mmap_mode="r").shape == (rows, cols):
        return X_path, y_path
    rng = np.random.default_rng(0)
    w = rng.normal(size=cols)
    X = np.lib.format.open_memmap(X_path, mode="w+", dtype=np.float64, shape=(rows, cols))
    y = np.empty(rows, dtype=np.int64)
    block = 1_000_000
    for a in range(0, rows, block):
        b = min(rows, a + block)
        chunk = rng.normal(size=(b - a, cols))
        X[a:b] = chunk
        y[a:b] = (chunk @ w > 0).astype(np.int64)
    X.flush()
    del X
    np.save(y_path, y)
    return X_path, y_path


def run(args: list[str]) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "adamlab", *args], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return {"seconds": seconds, "peak_rss_mb": peak / 1024, "grew": peak > before,
            "summary": json.loads(proc.stdout)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000_000)
    ap.add_argument("--cols", type=int, default=20)
    ap.add_argument("--dir", default="/tmp/adamlab-large")
    args = ap.parse_args()
    d = Path(args.dir)
    d.mkdir(parents=True, exist_ok=True)
    X_path, y_path = write_data(d, args.rows, args.cols)
    small_X, small_y = d / "small_X.npy", d / "small_y.npy"
    np.save(small_X, np.load(X_path, mmap_mode="r")[:100])
    np.save(small_y, np.load(y_path)[:100])
    for old in ("run-small", "run-big"):  # this script's own output from an earlier run
        shutil.rmtree(d / old, ignore_errors=True)
    common = ["train", "--epochs", "1", "--hidden", "16", "--batch-size", "256", "--json",
              "--quiet", "--val-fraction", "0.01"]
    small = run([*common, "--data", str(small_X), "--target", str(small_y),
                 "--out", str(d / "run-small")])
    big = run([*common, "--data", str(X_path), "--target", str(y_path),
               "--out", str(d / "run-big")])
    size_gb = os.path.getsize(X_path) / 2**30
    print(json.dumps({"file_gb": round(size_gb, 2), "rows": args.rows, "cols": args.cols,
                      "small_peak_rss_mb": round(small["peak_rss_mb"], 1),
                      "big_peak_rss_mb": round(big["peak_rss_mb"], 1),
                      "big_seconds": round(big["seconds"], 1),
                      "big_final": big["summary"]["final"]}, indent=2))


if __name__ == "__main__":
    main()
