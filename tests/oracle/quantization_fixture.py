#!/usr/bin/python3
"""Writes tests/data/quantization/: calibration activations and what numpy says about them.

Run with Debian's numpy (apt-get install python3-numpy; the committed files came from numpy 1.24.2 on bookworm):
    /usr/bin/python3 tests/oracle/quantization_fixture.py
numpy's Generator streams may differ between versions, so another numpy gives other (self-consistent) files.

activations.npy: float32 [256, 96], Gaussian with per-channel scales and two outlier channels (as in BERT's layer
inputs), rows growing in size so that a histogram fed 16 rows at a time has to grow its range while it is filled.

expected.json, from numpy alone:
  max_abs, range_exponent (the smallest 2^e above max |x|), counts (np.histogram of |x| over [0, 2^e), 2048 bins),
  channel_max (|x| max per column), and for each percentile both the empirical one (np.percentile of |x| with
  method="inverted_cdf": the ceil(N p / 100)-th smallest, which lies in the bin the histogram's estimate comes from) and
  the histogram's (the CDF of evenly spread bins inverted, capped at max |x|).
  entropy and mse: the thresholds by the definitions of docs/QUANTIZATION.md, written here a second time, vectorized
  over bins in numpy (the MSE through a closed-form antiderivative of the squared error rather than piece by piece),
  to catch implementation slips in the C#; this is not a third-party oracle.
"""
import json
import os

import numpy as np

BINS = 2048
LEVELS = 128
MAX_LEVEL = 127
PERCENTILES = [99.9, 99.99, 99.999]

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "quantization")


def activations():
    rng = np.random.default_rng(20261201)
    rows, cols = 256, 96
    x = rng.standard_normal((rows, cols))
    x *= np.linspace(0.5, 2.0, cols)[None, :]
    x[:, 7] *= 25.0
    x[:, 50] *= 12.0
    x *= (1.0 + np.arange(rows) / 64.0)[:, None]
    return x.astype(np.float32)


def histogram_percentile(counts, width, max_abs, p):
    rank = p / 100.0 * counts.sum()
    cumulative = np.cumsum(counts)
    k = int(np.searchsorted(cumulative, rank, side="left"))
    below = cumulative[k - 1] if k > 0 else 0
    return min((k + (rank - below) / counts[k]) * width, float(max_abs))


def entropy_threshold(counts, width, max_abs):
    c = counts.astype(np.float64)
    n = len(c)
    best, best_i = np.inf, n
    for i in range(LEVELS, n + 1):
        p = c[:i].copy()
        p[i - 1] += c[i:].sum()
        level = (LEVELS * np.arange(i)) // i
        mass = np.bincount(level, weights=c[:i], minlength=LEVELS)
        support = np.bincount(level, weights=(p > 0).astype(np.float64), minlength=LEVELS)
        if np.any((support > 0) & (mass == 0)) or c[:i].sum() == 0:
            kl = np.inf
        else:
            q = np.where(p > 0, mass[level] / np.maximum(support[level], 1), 0.0)
            nz = p > 0
            pn, qn = p / p.sum(), q / q.sum()
            kl = float(np.sum(pn[nz] * np.log(pn[nz] / qn[nz])))
        if kl <= best:
            best, best_i = kl, i
    return min(best_i * width, float(max_abs))


def squared_error_antiderivative(x, step):
    """G(x) = integral from 0 to x of (Q(t) - t)^2 dt, Q(t) = step * min(round(t / step), MAX_LEVEL)."""
    k = np.minimum(np.floor(x / step + 0.5), MAX_LEVEL)
    half = step ** 3 / 24.0              # level 0 covers [0, step/2)
    full = step ** 3 / 12.0              # levels 1..MAX_LEVEL-1 each cover a whole step
    below = np.where(k == 0, 0.0, half + (k - 1) * full)
    partial = np.where(k == 0, x ** 3 / 3.0, ((x - k * step) ** 3 + (step / 2.0) ** 3) / 3.0)
    return below + partial


def mse_threshold(counts, width, max_abs):
    last = int(np.nonzero(counts)[0].max())
    edges = np.arange(last + 2) * width
    density = counts[: last + 1] / width
    best, best_t = np.inf, float(max_abs)
    for k in range(1, last + 2):
        t = min(k * width, float(max_abs))
        step = t / MAX_LEVEL
        g = squared_error_antiderivative(edges, step)
        error = float(np.sum(density * (g[1:] - g[:-1])))
        if error <= best:
            best, best_t = error, t
    return best_t


def main():
    os.makedirs(root, exist_ok=True)
    x = activations()
    np.save(os.path.join(root, "activations.npy"), x)
    a = np.abs(x)
    max_abs = a.max()
    exponent = int(np.frexp(np.float64(max_abs))[1])
    top = 2.0 ** exponent
    counts, edges = np.histogram(a, bins=BINS, range=(0.0, top))
    width = top / BINS
    expected = {
        "batch_rows": 16,
        "max_abs": float(max_abs),
        "range_exponent": exponent,
        "counts": [int(v) for v in counts],
        "channel_max": [float(v) for v in a.max(axis=0)],
        "percentiles": [
            {
                "p": p,
                "empirical": float(np.percentile(a, p, method="inverted_cdf")),
                "histogram": histogram_percentile(counts, width, max_abs, p),
            }
            for p in PERCENTILES
        ],
        "entropy": entropy_threshold(counts, width, max_abs),
        "mse": mse_threshold(counts, width, max_abs),
        "numpy": np.__version__,
    }
    with open(os.path.join(root, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
