#!/usr/bin/env python3
"""External oracle tier (issue 19): PyTorch's conv_transpose2d and conv2d on integer-valued float64
tensors, which are exact (every sum stays below 2^53), against `lpconform eval conv-transpose2d`
and `lpconform eval conv2d` (the int8-inference chip's int32 accumulators) through the shipped CLI
and its tensor files. Exit 77 (ctest: skipped) when PyTorch is not installed.

usage: torch_oracle.py LPCONFORM [SEED]
"""
import csv
import io
import os
import random
import subprocess
import sys
import tempfile

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("SKIP: PyTorch is not installed (the external oracle tier needs torch)")
    sys.exit(77)


def write_tensor(path, names, shape, values, column="value"):
    """CSV 'DIM,...,value' (a code tensor: 'DIM,...,code'), row-major over `shape`."""
    with open(path, "w") as f:
        f.write(",".join(names) + "," + column + "\n")
        index = [0] * len(shape)
        for v in values:
            f.write(",".join(map(str, index)) + "," + str(v) + "\n")
            for d in reversed(range(len(shape))):
                index[d] += 1
                if index[d] < shape[d]:
                    break
                index[d] = 0


def eval_rows(lpconform, args, column):
    run = subprocess.run([lpconform, "eval"] + args, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"lpconform eval {' '.join(args)}: exit {run.returncode}: {run.stderr.strip()}")
    out = run.stdout
    return {(int(r["oh"]), int(r["ow"]), int(r["m"])): int(r[column]) for r in csv.DictReader(io.StringIO(out))}


def main():
    lpconform = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20231207
    print("torch oracle: seed", seed, "torch", torch.__version__)
    rng = random.Random(seed)
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        xp, wp, bp = (os.path.join(tmp, n) for n in ("x.csv", "w.csv", "b.csv"))
        for case in range(60):
            g = rng.randint(1, 2)
            h, w, cin, cout = rng.randint(1, 6), rng.randint(1, 6), g * rng.randint(1, 3), g * rng.randint(1, 3)
            kh, kw, sh, sw = rng.randint(1, 4), rng.randint(1, 4), rng.randint(1, 4), rng.randint(1, 4)
            dh, dw, ph, pw = rng.randint(1, 3), rng.randint(1, 3), rng.randint(0, 3), rng.randint(0, 3)
            oph, opw = rng.randint(0, max(sh, dh) - 1), rng.randint(0, max(sw, dw) - 1)
            oh = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
            ow = (w - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
            if oh < 1 or ow < 1:
                continue
            x = [rng.randint(-128, 127) for _ in range(h * w * cin)]
            wt = [rng.randint(-128, 127) for _ in range(kh * kw * cin * (cout // g))]
            write_tensor(xp, ["h", "w", "c"], [h, w, cin], x)
            write_tensor(wp, ["r", "s", "c", "m"], [kh, kw, cin, cout // g], wt)
            X = torch.tensor(x, dtype=torch.float64).reshape(1, h, w, cin).permute(0, 3, 1, 2)
            W = torch.tensor(wt, dtype=torch.float64).reshape(kh, kw, cin, cout // g).permute(2, 3, 0, 1)
            Y = F.conv_transpose2d(X, W, stride=(sh, sw), padding=(ph, pw), output_padding=(oph, opw), groups=g, dilation=(dh, dw))
            params = ["--stride_h", str(sh), "--stride_w", str(sw), "--padding_h", str(ph), "--padding_w", str(pw),
                      "--output_padding_h", str(oph), "--output_padding_w", str(opw), "--dilation_h", str(dh), "--dilation_w", str(dw),
                      "--groups", str(g), "--h", str(h), "--w", str(w), "--c", str(cin), "--m", str(cout), "--r", str(kh), "--s", str(kw)]
            for impl in ("reference", "fast", "chip"):
                got = eval_rows(lpconform, ["conv-transpose2d", "--input", xp, "--weight", wp, "--impl", impl] + params, "output")
                assert len(got) == Y.shape[2] * Y.shape[3] * cout, (case, impl, "output size")
                for (o_h, o_w, m), v in got.items():
                    want = int(Y[0, m, o_h, o_w].item())
                    assert v == want, f"case {case} {impl} conv-transpose2d [{o_h},{o_w},{m}]: {v} != torch {want} ({params})"
                    checked += 1
            # conv2d in full: the same tensors as the forward conv's input and filters (R x S x C/G x M).
            if (h + 2 * ph - dh * (kh - 1) - 1) < 0 or (w + 2 * pw - dw * (kw - 1) - 1) < 0:
                continue
            filt = [rng.randint(-128, 127) for _ in range(kh * kw * (cin // g) * cout)]
            write_tensor(xp, ["h", "w", "c"], [h, w, cin], [v & 0xFF for v in x], "code")
            write_tensor(wp, ["r", "s", "c", "m"], [kh, kw, cin // g, cout], [v & 0xFF for v in filt], "code")
            write_tensor(bp, ["m"], [cout], [0] * cout)
            Fw = torch.tensor(filt, dtype=torch.float64).reshape(kh, kw, cin // g, cout).permute(3, 2, 0, 1)
            Z = F.conv2d(X, Fw, stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw), groups=g)
            args = ["conv2d", "--preset", "int8-inference", "--ifmap", xp, "--filters", wp, "--bias", bp, "--stride", str(sh),
                    "--stride_w", str(sw), "--pad_top", str(ph), "--pad_bottom", str(ph), "--pad_left", str(pw), "--pad_right", str(pw),
                    "--dilation_h", str(dh), "--dilation_w", str(dw), "--groups", str(g),
                    "--h", str(h), "--w", str(w), "--c", str(cin), "--m", str(cout), "--r", str(kh), "--s", str(kw)]
            for impl in ("reference", "fast", "chip"):
                got = eval_rows(lpconform, args + ["--impl", impl], "accumulator")
                assert len(got) == Z.shape[2] * Z.shape[3] * cout, (case, impl, "conv2d output size")
                for (o_h, o_w, m), v in got.items():
                    assert v == int(Z[0, m, o_h, o_w].item()), f"case {case} {impl} conv2d [{o_h},{o_w},{m}]"
                    checked += 1
    print("torch oracle:", checked, "outputs equal PyTorch's")
    return 0 if checked > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
