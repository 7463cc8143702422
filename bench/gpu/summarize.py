#!/usr/bin/env python3
"""Merges DeviceCheck's, the CUDA tests' and torch_baseline.py's JSON into one Markdown summary: checks, the xunit CUDA
tests, then ours vs PyTorch.

    python3 bench/gpu/summarize.py --devicecheck DIR/devicecheck.json --torch DIR/torch.json [--tests DIR/tests.json] \
        --out DIR/summary.md

Any input may be missing or broken (a run that failed early): the summary says so and shows the rest.
Speed ratio = torch time / our time: above 1 we are faster. Our fp32 rows are read against torch's fp32 with TF32 off,
our fp16 rows against torch's fp16 (cuBLAS, SDPA, BertModel), and the issue's two fp16 targets get a verdict each.
"""
import argparse
import json
import math

# For each kind: the torch variant that does what our kernel does, in fp32.
LIKE_FOR_LIKE = {"gemm": "linear_fp32", "attention": "sdpa_fp32", "encoder": "bert_fp32"}
# For each kind: the torch fp16 variant our fp16 row is held to (cuBLAS's bare GEMM for the GEMM target) and, for GEMMs,
# the one that does what ours does (bias, GELU, residual, as separate fp16 kernels), for context.
FP16_TARGET = {"gemm": "matmul_fp16", "attention": "sdpa_fp16", "encoder": "bert_fp16"}
FP16_CONTEXT = {"gemm": "linear_fp16"}
# The issue's targets: fp16 GEMM >= 60% of cuBLAS fp16 (throughput ratio), encoder tokens/s >= PyTorch fp16 + SDPA.
GEMM_TARGET = 0.60
ENCODER_TARGET = 1.0


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f), None
    except (OSError, ValueError) as e:
        return None, f"{path}: {e}"


def number(value):
    """A float from JSON; DeviceCheck writes NaN as the string "NaN"."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def rate(entry):
    if entry is None or "medianMs" not in entry:
        return ""
    if entry.get("gflops") is not None:
        peak = entry.get("percentOfFp16Peak")
        return f"{figure(number(entry['gflops']))} GFLOP/s" + (f" ({number(peak):.1f}% of peak)" if peak is not None else "")
    if entry.get("tokensPerSecond") is not None:
        return f"{figure(number(entry['tokensPerSecond']))} tok/s"
    return ""


def figure(value):
    """Whole numbers with thousands separators, three significant digits below 100 (the CPU emulator's 0.01)."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def torch_cell(entry):
    if entry is None:
        return "—", ""
    if "unavailable" in entry:
        return "n/a", ""
    return f"{entry['medianMs']:.3f}", rate(entry)


def header(ours, torch, problems):
    lines = ["# Bert.Gpu device check", ""]
    if ours:
        cuda = ours.get("cuda") or {}
        gpu = ", ".join(f"{d['name']} (cc {d['computeCapability']}, {d['memoryBytes'] >> 20} MiB)" for d in cuda.get("driverDevices", []))
        checks = ours.get("checks", [])
        failed = sum(1 for c in checks if not c.get("passed"))
        verdict = "PASSED" if ours.get("passed") else f"FAILED ({ours.get('failure')})"
        lines += [f"- **ours**: `DeviceCheck --device {ours['requestedDevice']} --shapes {ours['shapes']}` {verdict}: "
                  f"{len(checks) - failed} passed, {failed} failed; backend {ours.get('backend')}",
                  f"- ILGPU {ours['machine']['ilgpuVersion']}, {ours['machine']['runtime']}, CUDA driver API "
                  f"{cuda.get('driverVersion', 'n/a')}, {gpu or 'no CUDA device listed'}; host {ours['machine']['cpu']} "
                  f"({ours['machine']['logicalCores']} cores); fp16 peak "
                  f"{str(ours['fp16PeakTflops']) + ' TFLOP/s' if ours.get('fp16PeakTflops') else 'not given'}"]
        lines += [f"- skipped: {what}" for what in ours.get("skipped", [])]
    if torch:
        env = torch.get("environment", {})
        lines += [f"- **PyTorch** {env.get('torch')} (CUDA {env.get('torchCuda')}) on {env.get('gpu', torch.get('device'))}"
                  f"{', error: ' + torch['error'] if torch.get('error') else ''}; {torch.get('notes', '')}"]
    lines += [f"- missing input: {p}" for p in problems]
    return lines + [""]


def check_table(ours):
    rows = ["## Correctness (device vs host backend, max |Δ|)", "",
            "| group | check | max abs diff | tolerance | worst row 1 − cos (bound) | result |", "|---|---|---:|---:|---:|---|"]
    for c in ours.get("checks", []):
        result = "pass" if c.get("passed") else "**FAIL**" + (f": {c['error']}" if c.get("error") else "")
        cosine = f"{1 - number(c['worstCosine']):.1e} ({1 - number(c['minCosine']):.0e})" if c.get("minCosine") is not None else ""
        rows.append(f"| {c['group']} | {c['name']} | {number(c['maxAbsDiff']):.2e} | {number(c['tolerance']):.1e} | {cosine} | {result} |")
    return rows + [""]


def test_table(tests):
    """The xunit CUDA tests (Bert.Gpu.DeviceCheck tests): counts, then every failure with its message."""
    rows = [f"## CUDA tests (`Bert.Gpu.DeviceCheck tests --filter \"{tests.get('filter')}\"`, "
            f"BERT_GPU_REQUIRE_CUDA={(tests.get('environment') or {}).get('BERT_GPU_REQUIRE_CUDA') or 'unset'})", "",
            f"{tests.get('passed', 0)} passed, {tests.get('failed', 0)} failed, {tests.get('skipped', 0)} skipped "
            f"in {number(tests.get('seconds')):.0f} s: {tests.get('verdict')} (exit {tests.get('exitCode')})", ""]
    rows += [f"- error outside the tests: {e}" for e in tests.get("errors", [])]
    failed = [t for t in tests.get("tests", []) if t.get("outcome") != "passed"]
    if failed:
        rows += ["| test | outcome | message |", "|---|---|---|"]
        for t in failed[:40]:
            message = (t.get("message") or "").replace("|", "\\|").replace("\n", " ")
            rows.append(f"| {t['name']} | {t['outcome']} | {message[:300]} |")
        if len(failed) > 40:
            rows.append(f"| … {len(failed) - 40} more in tests.json | | |")
    return rows + [""]


def ours_by_name(ours, precision):
    """Our timings in `precision` by (kind, name); rows from before the fp16 path have no precision and are fp32."""
    return {(t["kind"], t["name"]): t for t in (ours or {}).get("timings", []) if t.get("precision", "fp32") == precision}


def timing_table(ours, torch):
    theirs = {(t["kind"], t["name"]): t for t in (torch or {}).get("timings", [])}
    mine = ours_by_name(ours, "fp32")
    keys = list(mine) + [k for k in theirs if k not in mine and LIKE_FOR_LIKE[k[0]] in theirs[k].get("variants", {})]
    rows = ["## Timings (median ms per launch; speed = torch ms / our ms, above 1 we are faster)", "",
            "| kind | name | shape | ours ms | ours | torch fp32 ms | torch fp32 | speed vs torch | torch, for context |",
            "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for kind, name in keys:
        ourt, their = mine.get((kind, name)), theirs.get((kind, name))
        shape = (ourt or their).get("shape", "")
        if ourt and their and their.get("shape") and their["shape"] != ourt["shape"]:
            shape += f" (torch: {their['shape']})"
        variants = (their or {}).get("variants", {})
        like = variants.get(LIKE_FOR_LIKE[kind])
        torch_ms, torch_rate = torch_cell(like)
        speed = ""
        if ourt and like and "medianMs" in like:
            speed = f"{figure(like['medianMs'] / number(ourt['medianMs']))}x"
        context = "; ".join(f"{k} {torch_cell(v)[1] or torch_cell(v)[0]}" for k, v in variants.items() if k != LIKE_FOR_LIKE[kind])
        rows.append(f"| {kind} | {name} | {shape} | {number(ourt['medianMs']):.3f} | {rate(ourt)} | {torch_ms} | {torch_rate} | "
                    f"{speed} | {context} |" if ourt else
                    f"| {kind} | {name} | {shape} | — | | {torch_ms} | {torch_rate} | | {context} |")
    return rows + [""]


def throughput_ratio(ourt, their):
    """Our throughput over torch's at the same shape (torch ms / our ms), or None when either is missing."""
    if ourt is None or their is None or "medianMs" not in their:
        return None
    return their["medianMs"] / number(ourt["medianMs"])


def fp16_rows(ours, torch):
    """(kind, name, our row, torch entry) for every fp16 row either side has, ours first."""
    theirs = {(t["kind"], t["name"]): t for t in (torch or {}).get("timings", [])
              if FP16_TARGET[t["kind"]] in t.get("variants", {})}
    mine = ours_by_name(ours, "fp16")
    return [(k[0], k[1], mine.get(k), theirs.get(k)) for k in list(mine) + [k for k in theirs if k not in mine]]


def fp16_table(ours, torch):
    rows = ["## fp16 timings (ours vs torch fp16: cuBLAS `torch.matmul`, SDPA, BertModel; ratio = our throughput / torch's)", "",
            "| kind | name | shape | ours ms | ours | torch fp16 ms | torch fp16 | ratio | torch, for context |",
            "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for kind, name, ourt, entry in fp16_rows(ours, torch):
        variants = (entry or {}).get("variants", {})
        target = variants.get(FP16_TARGET[kind])
        torch_ms, torch_rate = torch_cell(target)
        ratio = throughput_ratio(ourt, target)
        context_key = FP16_CONTEXT.get(kind)
        context = variants.get(context_key) if context_key else None
        context_text = ""
        if context is not None:
            context_ratio = throughput_ratio(ourt, context)
            context_text = f"{context_key} {torch_cell(context)[1] or torch_cell(context)[0]}" + (
                f", ours {context_ratio:.2f}x of it" if context_ratio is not None else "")
        shape = (ourt or entry).get("shape", "")
        ours_cells = f"{number(ourt['medianMs']):.3f} | {rate(ourt)}" if ourt else "— | "
        rows.append(f"| {kind} | {name} | {shape} | {ours_cells} | {torch_ms} | {torch_rate} | "
                    f"{'' if ratio is None else f'{ratio:.2f}x'} | {context_text} |")
    return rows + [""]


def verdict(ratios, target, what):
    """'met' / 'not met' over every (name, ratio) pair, naming the worst, or why it was not measured."""
    if not ratios:
        return f"**not measured**: no {what} pair of ours and torch's fp16 rows"
    name, worst = min(ratios, key=lambda pair: pair[1])
    met = worst >= target
    return (f"**{'met' if met else 'not met'}**: worst {name} {worst:.2f}x over {len(ratios)} shape(s); "
            + ", ".join(f"{n} {r:.2f}x" for n, r in ratios))


def targets(ours, torch):
    """The issue's two fp16 targets, each met or not met, from the fp16 rows both sides timed."""
    pairs = fp16_rows(ours, torch)
    gemm = [(name, r) for kind, name, ourt, entry in pairs if kind == "gemm"
            for r in [throughput_ratio(ourt, (entry or {}).get("variants", {}).get(FP16_TARGET[kind]))] if r is not None]
    encoder = [(name, r) for kind, name, ourt, entry in pairs if kind == "encoder"
               for r in [throughput_ratio(ourt, (entry or {}).get("variants", {}).get(FP16_TARGET[kind]))] if r is not None]
    attn = sorted({entry.get("attnImplementation") or "unrecorded" for kind, _, ourt, entry in pairs
                   if kind == "encoder" and ourt and entry})
    return ["## Targets (fp16)", "",
            f"- fp16 GEMM ≥ {GEMM_TARGET:.0%} of cuBLAS fp16 (`torch.matmul`, every timed layer GEMM): "
            + verdict(gemm, GEMM_TARGET, "GEMM"),
            f"- encoder fp16 tokens/s ≥ PyTorch fp16 BertModel (attention: {', '.join(attn) or 'n/a'}): "
            + verdict(encoder, ENCODER_TARGET, "encoder"), ""]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devicecheck", required=True)
    parser.add_argument("--torch", required=True)
    parser.add_argument("--tests")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    ours, ours_problem = load(args.devicecheck)
    torch, torch_problem = load(args.torch)
    tests, tests_problem = load(args.tests) if args.tests else (None, None)
    lines = header(ours, torch, [p for p in (ours_problem, tests_problem, torch_problem) if p])
    if ours:
        lines += check_table(ours)
    if tests:
        lines += test_table(tests)
    if ours or torch:
        lines += targets(ours, torch)
        lines += timing_table(ours, torch)
        lines += fp16_table(ours, torch)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
