"""API latency under a bounded concurrent load on loopback: N clients for T seconds against a real
``fashion-pipeline serve`` (uvicorn) process on the embedded default (SQLite + local store) holding the
44,446 catalogue rows. Mix: filtered /products pages (limit 50), /products/{id}, /stats, POST /queries.

    python fashion_pipeline/benchmarks/bench_api.py [--clients 50] [--seconds 20]

Writes benchmarks/results/api.json and api.png. ``server_cpu_ms_per_request`` (CPU time of the
server process per request) bounds the throughput one core can sustain, independently of how loaded
the machine is.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from _common import DOCS, RESULTS, machine, table, write_json
from bench_query import catalogue_rows
from fashion_pipeline.config import Settings
from fashion_pipeline.db.session import dispose_engines, init_db, session_factory
from fashion_pipeline.ingest import upsert_products

GENDERS = ["Men", "Women", "Unisex", "Boys", "Girls"]
CATEGORIES = ["Apparel", "Accessories", "Footwear", "Personal Care"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc), 0.0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def request_for(rng: random.Random, ids: list[int]) -> tuple[str, str, dict[str, object]]:
    kind = rng.random()
    if kind < 0.55:
        params = {"gender": rng.choice(GENDERS), "masterCategory": rng.choice(CATEGORIES),
                  "year_min": rng.choice([2010, 2012, 2014]), "limit": 50, "offset": rng.choice([0, 50, 100])}
        return "products", "GET /products?...", params
    if kind < 0.80:
        return "detail", f"GET /products/{rng.choice(ids)}", {}
    if kind < 0.90:
        return "stats", "GET /stats", {"by": rng.choice(["masterCategory", "gender", "season"])}
    return "post", "POST /queries", {"text": rng.choice(["shirt", "watch", "shoe", "bag"]), "limit": 20}


async def client(base: str, ids: list[int], until: float, seed: int, out: list[tuple[str, float, int]]) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        while time.perf_counter() < until:
            kind, label, params = request_for(rng, ids)
            t0 = time.perf_counter()
            try:
                if kind == "post":
                    r = await http.post("/queries", json=params)
                elif kind == "detail":
                    r = await http.get(label.split(" ")[1])
                else:
                    r = await http.get("/" + kind if kind == "stats" else "/products", params=params)
                status = r.status_code
            except httpx.HTTPError:
                status = 0
            out.append((kind, (time.perf_counter() - t0) * 1000, status))


async def load(base: str, ids: list[int], clients: int, seconds: float) -> list[tuple[str, float, int]]:
    out: list[tuple[str, float, int]] = []
    until = time.perf_counter() + seconds
    await asyncio.gather(*(client(base, ids, until, i, out) for i in range(clients)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    base_settings = Settings()
    rows = catalogue_rows(base_settings.styles_path)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=tmp)
        init_db(settings)
        with session_factory(settings)() as session, session.begin():
            for start in range(0, len(rows), 2000):
                upsert_products(session, rows[start : start + 2000])
        dispose_engines()
        port = free_port()
        env = {**os.environ, "FASHION_DATA_DIR": tmp, "FASHION_STORAGE": "local"}
        env.pop("FASHION_DATABASE_URL", None)
        proc = subprocess.Popen([sys.executable, "-m", "fashion_pipeline.cli", "serve", "--port", str(port),
                                 "--log-level", "warning"], env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(base + "/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("server did not start")
                time.sleep(0.3)
            ids = [r["id"] for r in rows]
            cpu0 = server_cpu_seconds(proc.pid)
            t0 = time.perf_counter()
            samples = asyncio.run(load(base, ids, args.clients, args.seconds))
            elapsed = time.perf_counter() - t0
            server_cpu = server_cpu_seconds(proc.pid) - cpu0
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    lat = np.array([s[1] for s in samples])
    errors = sum(1 for s in samples if s[2] != 200)
    summary = {"clients": args.clients, "seconds": round(elapsed, 1), "requests": len(samples),
               "requests_per_s": round(len(samples) / elapsed, 1), "errors": errors,
               "p50_ms": round(float(np.percentile(lat, 50)), 1), "p95_ms": round(float(np.percentile(lat, 95)), 1),
               "p99_ms": round(float(np.percentile(lat, 99)), 1), "rows": len(rows),
               "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, len(samples)), 2)}
    per_kind = []
    for kind in ("products", "detail", "stats", "post"):
        k = np.array([s[1] for s in samples if s[0] == kind])
        if len(k):
            per_kind.append({"kind": kind, "n": len(k), "p50_ms": round(float(np.percentile(k, 50)), 1),
                             "p95_ms": round(float(np.percentile(k, 95)), 1),
                             "p99_ms": round(float(np.percentile(k, 99)), 1)})
    print(table(list(summary), [list(summary.values())]))
    print(table(list(per_kind[0]), [list(p.values()) for p in per_kind]))
    out = {"machine": machine(), "summary": summary, "per_kind": per_kind,
           "mean_ms": round(statistics.fmean(lat.tolist()), 1)}
    print("machine:", out["machine"])
    write_json("api", out)
    fig, ax = plt.subplots(figsize=(6, 3))
    for kind in ("products", "detail", "stats", "post"):
        k = np.sort([s[1] for s in samples if s[0] == kind])
        if len(k):
            ax.plot(k, np.linspace(0, 1, len(k)), label=kind)
    ax.set_xscale("log")
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("fraction of requests")
    ax.set_title(f"API: {args.clients} clients, {summary['requests_per_s']} req/s, {errors} errors")
    ax.legend(fontsize=8)
    fig.tight_layout()
    RESULTS.mkdir(parents=True, exist_ok=True)
    fig.savefig(RESULTS / "api.png", dpi=90)
    fig.savefig(DOCS / "bench_api.png", dpi=90)
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
