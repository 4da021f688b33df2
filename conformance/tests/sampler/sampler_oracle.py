#!/usr/bin/env python3
"""External oracle tier of the multinomial sampler (issue 18 §4; research notes §6), through the
shipped CLI (`lpconform eval multinomial` / `cumsum-banked`, reference and fast):

- numpy's `choice` rule (`cdf = p.cumsum(); cdf /= cdf[-1]; cdf.searchsorted(u, side='right')`):
  run in float32 (numpy's accumulate is sequential, so it is the banked sum with one bank and the
  total normalization) it must give eval's index exactly, word for word; run as numpy runs it, in
  float64, its index must lie in the range the reference permits under `--verify boundary`
  (spec/sampler.md §2.10) and never be a zero-weight category.
- PyTorch 1.13's `torch.multinomial` (its own generator, so no word-for-word comparison): on the
  rows of the zero-weight bugs (#4858, #13867, #48841, #50034) it must never draw a zero-weight
  category, its counts must fit the reference's probabilities (χ² at 1e-6 per row, Bonferroni over
  the rows; the critical value by Wilson-Hilferty), without replacement it draws every positive
  category once, and one draw more than there are positive weights gives PyTorch 1.13's known
  wrong answer (a zero-weight category; later versions raise) where `eval` refuses (exit 2).
- The bugs' shapes as known answers of eval (reference and fast): u = 0 with leading zero weights
  selects the first positive category (#4858: u = 0 mapped to category 0); u = 1 - 2^-24 with
  trailing zeros selects the last positive one (the total's rounding leaving u past the last
  positive sum: #48841, #50034); runs of zeros between positive weights are never selected on
  either side of their boundary (#13867).

Each part runs where its library is installed; exit 77 (ctest: skipped) when neither numpy nor
torch is. usage: sampler_oracle.py LPCONFORM [SEED]
"""
import csv
import io
import math
import random
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    np = None
try:
    import torch
except ImportError:
    torch = None


def evaluate(lpconform, impl, weights, words, *args):
    """Rows of `lpconform eval multinomial` for float32 weights and 32-bit words."""
    text = "weights,random\n" + "".join(f"{float(w)!r},{x}\n" for w, x in zip(weights, words))
    run = subprocess.run([lpconform, "eval", "multinomial", "--impl", impl, *args], input=text, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"lpconform eval multinomial --impl {impl} {' '.join(args)}: exit {run.returncode}: {run.stderr.strip()}")
    return list(csv.DictReader(io.StringIO(run.stdout)))


def indices(lpconform, impl, weights, words, *args):
    return [int(r["index"]) for r in evaluate(lpconform, impl, weights, words, *args)]


def eval_words(lpconform, impl, weights, words, *args):
    """The index of each word for `weights` (a row shorter than the words is not allowed by eval:
    one case takes as many words as weights, so longer word lists go in chunks)."""
    out = []
    n = len(weights)
    for start in range(0, len(words), n):
        chunk = words[start:start + n]
        out += indices(lpconform, impl, weights, chunk + [0] * (n - len(chunk)), *args)[:len(chunk)]
    return out


def random_row(rng, n):
    """float32-representable weights: a tenth zeros, mixed magnitudes, some repeats; one positive."""
    row = []
    for j in range(n):
        kind = rng.randrange(10)
        if kind == 0:
            row.append(0.0)
        elif kind == 1 and row:
            row.append(row[-1])
        else:
            row.append(math.ldexp(rng.randrange(1, 1 << 24), rng.randrange(-40, 0)))
    if not any(row):
        row[0] = 1.0
    return row


def boundary_words(cdf32, rng, extra):
    """u = 0, the largest u, each float32 sum below 1 that is a multiple of 2^-24 and one step below, seeded words."""
    words = [0, 0xFFFFFFFF]
    for c in cdf32:
        scaled = math.ldexp(float(c), 24)
        if 0 < c < 1 and scaled == math.floor(scaled):
            words += [int(scaled) << 8, (int(scaled) << 8) - 0x100]
    return words + [rng.getrandbits(32) for _ in range(extra)]


def numpy_part(lpconform, rng):
    checked = 0
    for case in range(24):
        w = random_row(rng, rng.randint(1, 60))
        w32 = np.array(w, dtype=np.float32)
        cdf = np.cumsum(w32, dtype=np.float32)
        cdf = cdf / cdf[-1]  # float32: one IEEE division each, as spec/sampler.md §2.6
        words = boundary_words(cdf, rng, 16)
        u32 = (np.array(words, dtype=np.uint64) >> 8).astype(np.float32) * np.float32(2.0 ** -24)
        want = np.searchsorted(cdf, u32, side="right").tolist()
        for impl in ("reference", "fast"):
            got = eval_words(lpconform, impl, w, words, "--element", "float32", "--banks", "1", "--normalize", "total")
            if got != want:
                bad = next(i for i in range(len(words)) if got[i] != want[i])
                raise SystemExit(f"numpy float32 case {case}: word {words[bad]}: {impl} {got[bad]}, numpy {want[bad]} (weights {w})")
        # numpy's own choice: float64 p, cumsum, normalized again, searchsorted right.
        p = np.array(w, dtype=np.float64)
        p = p / p.sum()
        cdf64 = p.cumsum()
        cdf64 /= cdf64[-1]
        u64 = (np.array(words, dtype=np.uint64) >> 8).astype(np.float64) * 2.0 ** -24
        choice = np.searchsorted(cdf64, u64, side="right").tolist()
        rows = []
        for start in range(0, len(words), len(w)):
            chunk = words[start:start + len(w)]
            rows += evaluate(lpconform, "reference", w, chunk + [0] * (len(w) - len(chunk)), "--element", "float32", "--banks", "1",
                             "--normalize", "total", "--verify", "boundary")[:len(chunk)]
        for i, k in enumerate(choice):
            low, high = int(rows[i]["low"]), int(rows[i]["high"])
            if not (low <= k <= high) or w[k] == 0:
                raise SystemExit(f"numpy float64 case {case}: word {words[i]}: choice {k} outside {low}..{high} or a zero weight (weights {w})")
        checked += 3 * len(words)
    print(f"numpy {np.__version__}: {checked} indices (float32 rule exact on reference and fast; float64 choice within the §2.10 bound)")


# The zero-weight bugs' rows (research notes §6).
BUG_ROWS = {
    "#4858 (u = 0 mapped to a zero first category)": [0.0, 1.0, 1.0],
    "#13867 (zeros between positive weights)": [1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 3.0],
    "#48841 (a zero last category)": [1.0, 2.0, 0.0],
    "#50034 (tiny positives beside zeros)": [0.0, 1e-30, 0.0, 1.0, 0.0, 1e-30, 0.0],
}


def known_answers(lpconform):
    top = 0xFFFFFFFF  # u = 1 - 2^-24, the largest
    cases = [
        ([0.0, 1.0, 1.0], [0, 0x100], [1, 1]),  # u = 0 and 2^-24: the first positive category
        ([0.0, 0.0, 0.0, 5.0], [0, top], [3, 3]),
        ([1.0, 2.0, 0.0], [top, 0], [1, 0]),  # the zero last category is never drawn, even at the largest u
        ([1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 3.0], [0x2AAAAA00, 0x2AAAAB00, 0x7FFFFF00, 0x80000000], [0, 4, 4, 6]),
    ]
    for weights, words, want in cases:
        for impl in ("reference", "fast"):
            for banks in ("1", "2", "3"):
                got = eval_words(lpconform, impl, weights, words, "--banks", banks)
                if got != want:
                    raise SystemExit(f"known answer: weights {weights}, words {words}: {impl} (banks {banks}) {got}, want {want}")
    # Without replacement, more draws than positive weights is an error (exit 2), never zeros (#188762's shape).
    run = subprocess.run([lpconform, "eval", "multinomial", "--replacement", "without"], input="weights,random\n0,0\n1,0\n0,0\n",
                         capture_output=True, text=True)
    if run.returncode != 2 or "non-zero weight" not in run.stderr:
        raise SystemExit(f"eval multinomial --replacement without: exit {run.returncode} ({run.stderr.strip()}), want 2")
    print(f"known answers: {len(cases)} rows x reference, fast x 1-3 banks; too many draws without replacement refused")


def chi2_critical(df, alpha):
    """Wilson-Hilferty: the (1 - alpha) quantile of χ²(df) from the normal quantile."""
    lo, hi = 0.0, 40.0  # the normal quantile by bisection on erfc
    for _ in range(200):
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(mid / math.sqrt(2)) > alpha:
            lo = mid
        else:
            hi = mid
    z = lo
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3


def torch_part(lpconform, seed):
    generator = torch.Generator().manual_seed(seed)
    draws = 200000
    alpha = 1e-6 / len(BUG_ROWS)
    known_bug = []
    for name, w in BUG_ROWS.items():
        x = torch.multinomial(torch.tensor(w, dtype=torch.float32), draws, replacement=True, generator=generator)
        counts = torch.bincount(x, minlength=len(w)).tolist()
        for j, c in enumerate(counts):
            if w[j] == 0 and c:
                raise SystemExit(f"torch.multinomial {name}: zero-weight category {j} drawn {c} times")
        sums = subprocess.run([lpconform, "eval", "cumsum-banked", "--normalize", "total", "--impl", "reference"],
                              input="weights\n" + "".join(f"{float(v)!r}\n" for v in w), capture_output=True, text=True, check=True)
        c = [float(r["sums"]) for r in csv.DictReader(io.StringIO(sums.stdout))]
        edges = [0.0] + [min(math.ceil(math.ldexp(v, 24)), 1 << 24) for v in c]
        p = [(edges[j + 1] - edges[j]) * 2.0 ** -24 for j in range(len(w))]
        cells = [(counts[j], draws * p[j]) for j in range(len(w)) if draws * p[j] >= 5]
        stat = sum((o - e) ** 2 / e for o, e in cells)
        df = len(cells) - 1
        if df >= 1 and stat > chi2_critical(df, alpha):
            raise SystemExit(f"torch.multinomial {name}: chi2 {stat:.1f} on {df} df above {chi2_critical(df, alpha):.1f} (counts {counts}, p {p})")
        # Without replacement: never a zero-weight category; more draws than positive weights refused.
        positive = sum(1 for v in w if v > 0)
        y = torch.multinomial(torch.tensor(w), positive, replacement=False, generator=generator).tolist()
        if sorted(y) != [j for j, v in enumerate(w) if v > 0]:
            raise SystemExit(f"torch.multinomial {name} without replacement: {y}")
        # More draws than positive weights: PyTorch 1.13 returns zero-weight categories for the
        # extra draws (the shape of pytorch PR #188762's fix, research notes §6) where eval refuses
        # (known_answers); a later PyTorch raises. Either is accepted as what that PyTorch does;
        # anything else (a positive category twice) fails.
        try:
            z = torch.multinomial(torch.tensor(w), positive + 1, replacement=False, generator=generator).tolist()
            extra = [k for k in z if w[k] == 0]
            if sorted(k for k in z if w[k] > 0) != [j for j, v in enumerate(w) if v > 0] or len(extra) != 1:
                raise SystemExit(f"torch.multinomial {name}: {positive + 1} draws without replacement gave {z}")
            known_bug.append(name)
        except RuntimeError:
            pass
    print(f"torch {torch.__version__}: {len(BUG_ROWS)} zero-weight bug rows x {draws} draws: no zero-weight draw, chi2 within 1e-6; "
          f"without replacement every positive category once; one draw too many returned a zero-weight category on {len(known_bug)} "
          "rows (the known answer of #188762's bug; eval refuses it)")


def main():
    lpconform = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20261814
    print("sampler oracle: seed", seed)
    known_answers(lpconform)
    if np is None and torch is None:
        print("SKIP: neither numpy nor PyTorch is installed (the external oracle tier needs one)")
        sys.exit(77)
    if np is not None:
        numpy_part(lpconform, random.Random(seed))
    else:
        print("numpy absent: its part skipped")
    if torch is not None:
        torch_part(lpconform, seed)
    else:
        print("torch absent: its part skipped")


if __name__ == "__main__":
    main()
