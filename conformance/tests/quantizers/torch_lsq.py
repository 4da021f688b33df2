#!/usr/bin/env python3
"""External oracle tier (issue 13 §4): PyTorch 1.13's learnable fake-quantize (LSQ, zero point 0)
against `lpconform eval lsq --variant torch`, element by element: y, dx and ds bit for bit (ds as
a value: the sign of a zero is free). PyTorch's CPU kernel is dispatched by ISA: built for AVX2 it
computes x_fq - x with a fused multiply-add, which is the declared variant lsq_fma
(spec/quantizers.md §1.3); with ATEN_CPU_CAPABILITY=default it is the plain torch formula. The
test checks both dispatches against the reference under the matching declaration, and that the
two formulas do part on the inputs drawn (or the check would prove nothing). Exit 77 (ctest:
skipped) when PyTorch or numpy is not installed.

usage: torch_lsq.py LPCONFORM [SEED]
"""
import os
import random
import struct
import subprocess
import sys

try:
    import numpy as np
    import torch
except ImportError:
    print("SKIP: PyTorch or numpy is not installed (the external oracle tier needs both)")
    sys.exit(77)

GRIDS = {"int4": (-8, 7), "int8": (-128, 127), "uint8": (0, 255)}


def bits(f):
    return struct.unpack("<I", struct.pack("<f", float(f)))[0]


def draw_cases(seed):
    """Cases of (grid, scale, grad_scale, [(x, dy)]): x near grid points and ties, and uniform."""
    rng = random.Random(seed)
    cases = []
    for _ in range(24):
        grid = rng.choice(sorted(GRIDS))
        qmin, qmax = GRIDS[grid]
        s = np.float32(rng.uniform(0.5, 1.0) * 2.0 ** rng.randint(-10, 2))
        g = np.float32(1.0) if rng.random() < 0.3 else np.float32(rng.uniform(0.5, 1.0) * 2.0 ** rng.randint(-8, 0))
        elements = []
        for _ in range(90):
            k = rng.randint(qmin - 1, qmax + 1) + rng.choice((0.0, 0.5, rng.uniform(-0.5, 0.5)))
            x = np.float32(k * float(s))
            x = np.nextafter(x, np.float32(rng.choice((-1, 1)) * np.inf)) if rng.random() < 0.3 else x
            dy = np.float32(1.0) if rng.random() < 0.25 else np.float32(rng.uniform(-4.0, 4.0))
            elements.append((x, dy))
        cases.append((grid, s, g, elements))
    return cases


def torch_values(cases):
    """torch's y, dx, ds per element; one element per call, since the op sums ds over its input."""
    torch.set_num_threads(1)
    out = []
    for grid, s, g, elements in cases:
        qmin, qmax = GRIDS[grid]
        rows = []
        for x, dy in elements:
            xt = torch.tensor([float(x)], dtype=torch.float32, requires_grad=True)
            st = torch.tensor([float(s)], dtype=torch.float32, requires_grad=True)
            zt = torch.tensor([0.0], dtype=torch.float32, requires_grad=True)
            y = torch._fake_quantize_learnable_per_tensor_affine(xt, st, zt, qmin, qmax, float(g))
            y.backward(torch.tensor([float(dy)], dtype=torch.float32))
            rows.append((float(y[0]), float(xt.grad[0]), float(st.grad[0])))
        out.append(rows)
    return out


def lpconform_values(lpconform, cases, variants):
    out = []
    for grid, s, g, elements in cases:
        text = "x,dy\n" + "".join(f"0x{bits(x):08x},0x{bits(dy):08x}\n" for x, dy in elements)
        args = [lpconform, "eval", "lsq", "--variant", "torch", "--grid", grid, "--scale", f"0x{bits(s):08x}", "--grad-scale", f"0x{bits(g):08x}"]
        if variants:
            args += ["--variants", variants]
        run = subprocess.run(args, input=text, capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit(f"{' '.join(args)}: exit {run.returncode}: {run.stderr.strip()}")
        lines = run.stdout.split("\n")[1:]
        out.append([tuple(float(np.float32(float(v))) for v in line.split(",")) for line in lines if line])
    return out


def disagreements(a, b):
    """Elements whose y or dx bits or ds value differ."""
    n = 0
    for ra, rb in zip(a, b):
        for (ya, dxa, dsa), (yb, dxb, dsb) in zip(ra, rb):
            n += bits(ya) != bits(yb) or dxa != dxb or dsa != dsb
    return n


def main():
    lpconform = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20261208
    if os.environ.get("LPC_TORCH_LSQ_CHILD"):
        # Child: print torch's values under the dispatch its environment chose.
        for rows in torch_values(draw_cases(seed)):
            print(";".join(",".join(float(v).hex() for v in r) for r in rows))
        return
    print("torch lsq oracle: seed", seed, "torch", torch.__version__)
    cases = draw_cases(seed)
    total = sum(len(c[3]) for c in cases)
    plain, fused = lpconform_values(lpconform, cases, ""), lpconform_values(lpconform, cases, "lsq_fma")
    parted = disagreements(plain, fused)
    print(f"{total} elements in {len(cases)} cases; torch and lsq_fma part on {parted}")
    if parted < total // 20:
        raise SystemExit(f"FAIL: the formulas part on only {parted} of {total} elements: the inputs do not test the variant")

    def torch_under(capability):
        env = dict(os.environ, LPC_TORCH_LSQ_CHILD="1")
        if capability:
            env["ATEN_CPU_CAPABILITY"] = capability
        run = subprocess.run([sys.executable, __file__, lpconform, str(seed)], env=env, capture_output=True, text=True, check=True)
        return [[tuple(float.fromhex(v) for v in r.split(",")) for r in line.split(";")] for line in run.stdout.strip().split("\n")]

    failed = False
    # ATEN_CPU_CAPABILITY=default: the kernel built without FMA, the plain torch formula.
    default = torch_under("default")
    n = disagreements(default, plain)
    print(f"ATEN_CPU_CAPABILITY=default: {n} of {total} differ from eval lsq --variant torch")
    failed |= n != 0
    # The native dispatch: on x86-64 with AVX2 and FMA, PyTorch's AVX2 kernel, the fused formula.
    flags = open("/proc/cpuinfo").read().split() if os.path.exists("/proc/cpuinfo") else []
    if "avx2" in flags and "fma" in flags:
        native = torch_under("")
        n = disagreements(native, fused)
        print(f"native dispatch (AVX2+FMA CPU): {n} of {total} differ from eval lsq --variant torch --variants lsq_fma")
        failed |= n != 0
    else:
        print("native dispatch: not checked (no AVX2+FMA on this CPU)")
    if failed:
        raise SystemExit("FAIL")
    print("PASS")


if __name__ == "__main__":
    main()
