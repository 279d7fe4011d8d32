"""How fast is the engine, and does its memory stay flat as the batch grows?

    .venv/bin/python benchmarks/engine.py [--count 100000] [--seed 0]

1. End to end: ``spinepath assess-batch IN OUT`` on NDJSON files of N/10 and N generated intakes, run as a
   child process with this interpreter; wall time and the child's peak RSS.
2. In process: parse + assess_json per line (what ``assess-batch`` does), without the CLI, to show where the time
   goes.

Targets: >= 10,000 assessments/s on one core; peak memory flat in N. A benchmark, not a test: it prints PASS
or MISS next to each figure and always exits 0 (unless the CLI itself fails).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from spinepath.core.engine import assess_json
from spinepath.core.intake import parse_intake
from spinepath.core.sampling import random_intakes

TARGET_PER_SECOND = 10_000
FLAT_MEMORY_RATIO = 1.25  # peak RSS at N may be at most this much above the peak at N/10


def _mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _write_intakes(path: Path, count: int, seed: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for document in random_intakes(count, seed=seed):
            out.write(json.dumps(document, separators=(",", ":")))
            out.write("\n")


def _run_batch(source: Path, target: Path) -> tuple[float, float]:
    """Seconds and peak RSS in MiB of one ``assess-batch`` child process."""
    # RUSAGE_CHILDREN's ru_maxrss is the largest over every child ever waited for, so each size is measured
    # by a small wrapper process whose only child is this one run.
    command = [sys.executable, "-m", "spinepath.cli", "assess-batch", str(source), str(target)]
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
        "seconds = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(code, seconds, peak)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper, *command], capture_output=True, text=True, check=True
    )
    code, seconds, peak_kib = done.stdout.split()
    if int(code) != 0:
        raise SystemExit(f"assess-batch exited with {code} on {source}")
    return float(seconds), _mib(int(peak_kib))


def _mib(maxrss: int) -> float:
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def _in_process(source: Path) -> tuple[int, float, float]:
    """Lines, then seconds spent in parse and assess_json over the whole file."""
    parse_s = batch_s = 0.0
    lines = 0
    clock = time.perf_counter
    gc.disable()  # as in assess-batch, which runs with the cycle collector off
    with source.open(encoding="utf-8") as handle:
        for line in handle:
            t0 = clock()
            intake = parse_intake(line)
            t1 = clock()
            assess_json(intake)
            t2 = clock()
            parse_s += t1 - t0
            batch_s += t2 - t1
            lines += 1
    gc.enable()
    return lines, parse_s, batch_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="intakes in the larger batch")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sizes = sorted({max(args.count // 10, 1), args.count})

    print(f"spinepath engine benchmark (python {sys.version.split()[0]}, pid {os.getpid()})")
    print(f"targets: >= {TARGET_PER_SECOND:,} assessments/s on one core; peak memory flat in N "
          f"(at N no more than {FLAT_MEMORY_RATIO:.2f}x the peak at N/10)")
    with tempfile.TemporaryDirectory(prefix="spinepath-bench-") as tmp:
        peaks: list[float] = []
        print("\n1. end to end: python -m spinepath.cli assess-batch IN OUT")
        for size in sizes:
            source, target = Path(tmp, f"in-{size}.ndjson"), Path(tmp, f"out-{size}.ndjson")
            _write_intakes(source, size, args.seed)
            seconds, peak = _run_batch(source, target)
            with target.open(encoding="utf-8") as out:
                written = sum(1 for _ in out)
            rate = size / seconds
            peaks.append(peak)
            print(f"   N={size:>9,}: {seconds:8.2f} s  {rate:>9,.0f} assessments/s "
                  f"[{_mark(rate >= TARGET_PER_SECOND)}]  peak RSS {peak:7.1f} MiB  ({written:,} lines out)")
        if len(peaks) == 2:
            ratio = peaks[1] / peaks[0]
            print(f"   memory N/(N/10): {ratio:.2f}x [{_mark(ratio <= FLAT_MEMORY_RATIO)}]")

        size = sizes[0]
        print(f"\n2. in process (N={size:,}, same intakes): parse_intake + assess_json per line, as assess-batch")
        lines, parse_s, batch_s = _in_process(Path(tmp, f"in-{size}.ndjson"))
        total = parse_s + batch_s
        rate = lines / total
        print(f"   {rate:>9,.0f} assessments/s [{_mark(rate >= TARGET_PER_SECOND)}]   per assessment: "
              f"{1e6 * total / lines:6.1f} µs")
        for name, spent in (("parse_intake", parse_s), ("assess_json", batch_s)):
            print(f"   {name:<13}{1e6 * spent / lines:7.1f} µs  {100 * spent / total:5.1f} %")
    own_peak = _mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    print(f"\n(peak RSS of this process, generation included: {own_peak:.1f} MiB)")


if __name__ == "__main__":
    main()
