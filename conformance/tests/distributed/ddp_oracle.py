#!/usr/bin/env python3
"""External oracle tier (issue 20): PyTorch 1.13's DDP bucket assignment,
torch.distributed._compute_bucket_assignment_by_size(tensors, [first_cap, cap]), against the units
of `lpconform eval grad-exchange --scheme ddp --priority ready-order` (spec/grad_exchange.md §2.2).
The tensors are handed over in gradient-ready order, as DDP's rebuilt buckets are; lpconform takes
its layers in parameter order, so layer l is tensor L-1-l. Exit 77 (ctest: skipped) when PyTorch is
not installed.

usage: ddp_oracle.py LPCONFORM [SEED]
"""
import csv
import io
import random
import subprocess
import sys

try:
    import torch
    import torch.distributed as dist
except ImportError:
    print("SKIP: PyTorch is not installed (the external oracle tier needs torch)")
    sys.exit(77)
if not hasattr(dist, "_compute_bucket_assignment_by_size"):
    print("SKIP: this PyTorch has no torch.distributed._compute_bucket_assignment_by_size")
    sys.exit(77)


def lpconform_buckets(lpconform, sizes, arith, first_cap, cap):
    layers = ",".join(str(n) for n in reversed(sizes))  # parameter order: the last-ready tensor first
    args = [lpconform, "eval", "grad-exchange", "--scheme", "ddp", "--priority", "ready-order", "--arith", arith,
            "--ranks", "1", "--layers", layers, "--first_cap", str(first_cap), "--cap", str(cap), "--impl", "fast"]
    run = subprocess.run(args, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(args)}: exit {run.returncode}: {run.stderr.strip()}")
    buckets = []
    for row in csv.DictReader(io.StringIO(run.stdout)):
        if row["unit"] == "":
            continue
        unit, layer = int(row["unit"]), int(row["layer"])
        while len(buckets) <= unit:
            buckets.append([])
        buckets[unit].append(len(sizes) - 1 - layer)
    return buckets


def main():
    lpconform = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20261208
    print("ddp oracle: seed", seed, "torch", torch.__version__)
    rng = random.Random(seed)
    checked = 0
    # The research file's known answer first (float32 40 B, 20 MB, 800 KB, 400 KB, 1.2 MB), at DDP's
    # caps, through torch only (lpconform's case budget is 2^20 elements; the C++ test covers it).
    known = [torch.empty(n // 4) for n in (40, 20_000_000, 800_000, 400_000, 1_200_000)]
    got, limits = dist._compute_bucket_assignment_by_size(known, [1 << 20, 25 << 20], [False] * 5)
    if got != [[0, 1], [2, 3, 4]] or limits != [1 << 20, 25 << 20]:
        raise SystemExit(f"torch's known answer changed: {got} {limits}")
    for case in range(60):
        arith, dtype, size = rng.choice([("float32", torch.float32, 4), ("int64", torch.int64, 8)])
        sizes = [rng.choice([1, 2, 3, rng.randint(1, 40), rng.randint(1, 400)]) for _ in range(rng.randint(1, 12))]
        total = sum(sizes) * size
        first_cap = rng.choice([1, size, rng.randint(1, total + 8), total, total + 1])
        cap = rng.choice([1, size, rng.randint(1, total + 8), total + 1])
        tensors = [torch.zeros(n, dtype=dtype) for n in sizes]
        want, _ = dist._compute_bucket_assignment_by_size(tensors, [first_cap, cap], [False] * len(sizes))
        got = lpconform_buckets(lpconform, sizes, arith, first_cap, cap)
        if got != want:
            raise SystemExit(f"case {case}: sizes {sizes} ({arith}) caps [{first_cap}, {cap}]: lpconform {got}, torch {want}")
        checked += 1
    print(f"ddp oracle: {checked} bucket assignments agree with torch {torch.__version__}")


if __name__ == "__main__":
    main()
