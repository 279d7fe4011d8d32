"""How fast is the JSON API behind the production server, compared with a trivial endpoint?

    .venv/bin/python benchmarks/web.py [--seconds 10] [--clients 50] [--workers 2] [--intakes 2000]

Starts a throw-away PostgreSQL cluster (spinepath.devtools.pgcluster, as the web tests do), migrates it, starts
gunicorn with ``spinepath.web.wsgi:application`` under production settings on 127.0.0.1 only, then drives
``--clients`` concurrent clients (threads, each with its own ``http.client`` connection, reused while the server
keeps it open) for ``--seconds`` against each of

  POST /api/v1/assessments   varied valid intakes from spinepath.core.sampling.random_intakes
  GET  /api/v1/health        the trivial endpoint: the cost of the server, Django and ninja alone

and prints requests/s, p50 and p99 latency for both. Targets: assessments reach >= 70% of the trivial
endpoint's throughput, with p99 < 50 ms. A benchmark, not a test: it prints PASS or MISS and exits 0 (unless the
server cannot be started or answers with an error).

Workers: the two endpoints never wait on the database or the network, so a request keeps a worker busy on the CPU
from start to end; on a 2-core machine two worker processes (one per core) keep both cores busy, and more would
only add context switches (the load generator needs CPU too). The usual (2 x cores) + 1 is for workers that wait
on I/O, as the pages that use the database do. Each worker runs 4 threads (gunicorn's gthread worker) for one
reason: it keeps connections alive, where the sync worker closes every connection after one response; the
threads add no parallelism (the GIL), they let one process hold several clients' connections. Measured on the
2-core development machine, gthread 2 x 4 served about 2.5x the requests of sync 2 x 1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from spinepath.core.sampling import random_intakes
from spinepath.devtools.pgcluster import PostgresCluster, running_cluster

HOST = "127.0.0.1"  # traffic never leaves this machine
TARGET_RATIO = 0.70
TARGET_P99_MS = 50.0
MAX_REQUESTS_PER_CLIENT = 1_000_000  # a bound on every client loop besides the clock


def _mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: list[str]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


Request = Callable[[http.client.HTTPConnection, int], int]


def _post_assessment(bodies: list[bytes]) -> Request:
    headers = {"Content-Type": "application/json"}

    def send(connection: http.client.HTTPConnection, n: int) -> int:
        connection.request("POST", "/api/v1/assessments", body=bodies[n % len(bodies)], headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status

    return send


def _get_health(connection: http.client.HTTPConnection, n: int) -> int:
    connection.request("GET", "/api/v1/health")
    response = connection.getresponse()
    response.read()
    return response.status


def _drive(port: int, request: Request, clients: int, seconds: float) -> Result:
    """``clients`` threads sending ``request`` back to back until the clock runs out."""
    start_line = threading.Barrier(clients + 1)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    deadline = [0.0]

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        mine = latencies[index]
        clock = time.perf_counter
        start_line.wait()
        for n in range(index, MAX_REQUESTS_PER_CLIENT * clients, clients):
            began = clock()
            if began >= deadline[0]:
                break
            try:
                status = request(connection, n)
            except (OSError, http.client.HTTPException) as exc:  # a refused or dropped connection is a result
                errors.append(f"{type(exc).__name__}: {exc}")
                connection.close()
                continue
            mine.append(1000 * (clock() - began))
            if status != 200:
                errors.append(f"HTTP {status}")
        connection.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start_line.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    everything = [ms for mine in latencies for ms in mine]
    return Result(len(everything), elapsed, everything, errors)


def _server_env(cluster: PostgresCluster, data_dir: Path) -> dict[str, str]:
    (data_dir / "static").mkdir(parents=True, exist_ok=True)  # whitenoise's STATIC_ROOT
    return {
        **os.environ,
        "SPINEPATH_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on the loopback; TLS ends at the proxy in front
        "DATABASE_URL": cluster.url,
        "SPINEPATH_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "ERROR",
    }


def _start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int, log: Path) -> subprocess.Popen[bytes]:
    # --threads > 1 makes gunicorn use its gthread worker, which keeps connections alive; sync closes each one.
    command = [sys.executable, "-m", "gunicorn", "spinepath.web.wsgi:application", "--bind", f"{HOST}:{port}",
               "--workers", str(workers), "--threads", str(threads), "--backlog", "2048",
               "--error-logfile", str(log), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env, cwd=log.parent)
    give_up = time.monotonic() + 30
    while time.monotonic() < give_up:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}:\n{log.read_text(errors='replace')}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            if _get_health(connection, 0) == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer on {HOST}:{port} within 30 s:\n{log.read_text(errors='replace')}")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _report(name: str, result: Result) -> None:
    print(f"   {name:<26}{result.per_second:>9,.0f} req/s   p50 {result.percentile(50):6.1f} ms   "
          f"p99 {result.percentile(99):6.1f} ms   [{_mark(result.percentile(99) < TARGET_P99_MS)}]   "
          f"({result.requests:,} requests in {result.seconds:.1f} s)")
    if result.errors:
        raise SystemExit(f"{len(result.errors)} failed requests, e.g. {result.errors[:3]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load duration per endpoint")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default: one per core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (> 1: gthread, keep-alive)")
    parser.add_argument("--intakes", type=int, default=2000, help="distinct intakes POSTed in turn")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    bodies = [json.dumps(doc, separators=(",", ":")).encode() for doc in random_intakes(args.intakes, args.seed)]
    print(f"spinepath web benchmark (python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"gunicorn {args.workers} workers x {args.threads} threads, {args.clients} clients, "
          f"{args.seconds:g} s per endpoint)")
    print(f"targets: POST /assessments >= {TARGET_RATIO:.0%} of GET /health's requests/s; p99 < {TARGET_P99_MS:g} ms")
    with running_cluster("spinepath") as cluster, tempfile.TemporaryDirectory(prefix="spinepath-web-") as tmp:
        print(f"database: {cluster.describe()}")
        env = _server_env(cluster, Path(tmp))
        subprocess.run([sys.executable, "-m", "spinepath.web", "migrate", "--noinput", "-v", "0"], env=env,
                       cwd=tmp, check=True)
        port = _free_port()
        server = _start_gunicorn(env, port, args.workers, args.threads, Path(tmp, "gunicorn.log"))
        try:
            post = _post_assessment(bodies)
            for request in (post, _get_health):  # warm up every worker (imports, knowledge base, caches)
                _drive(port, request, args.clients, 1.0)
            print()
            client_cpu = time.process_time()
            health = _drive(port, _get_health, args.clients, args.seconds)
            _report("GET  /api/v1/health", health)
            assessments = _drive(port, post, args.clients, args.seconds)
            _report("POST /api/v1/assessments", assessments)
            client_cpu = time.process_time() - client_cpu
            ratio = assessments.per_second / health.per_second
            print(f"\n   assessments / health: {ratio:.0%} [{_mark(ratio >= TARGET_RATIO)}]")
            wall = health.seconds + assessments.seconds
            print(f"   (the load generator itself used {client_cpu / wall:.2f} of a core over {wall:.0f} s; it shares "
                  f"the {os.cpu_count()} CPUs with the server, so the figures are a lower bound)")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
