#!/usr/bin/env python3
"""Merges DeviceCheck's, the CUDA tests' and torch_baseline.py's JSON into one Markdown summary: checks, the xunit CUDA
tests, then ours vs PyTorch.

    python3 bench/gpu/summarize.py --devicecheck DIR/devicecheck.json --torch DIR/torch.json [--tests DIR/tests.json] \
        --out DIR/summary.md

Any input may be missing or broken (a run that failed early): the summary says so and shows the rest.
Speed ratio = torch time / our time: above 1 we are faster. The like-for-like torch variant is fp32 with TF32 off.
"""
import argparse
import json
import math

# For each kind: the torch variant that does what our kernel does, in fp32.
LIKE_FOR_LIKE = {"gemm": "linear_fp32", "attention": "sdpa_fp32", "encoder": "bert_fp32"}


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
        return f"{figure(number(entry['gflops']))} GFLOP/s"
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
                  f"({ours['machine']['logicalCores']} cores)"]
    if torch:
        env = torch.get("environment", {})
        lines += [f"- **PyTorch** {env.get('torch')} (CUDA {env.get('torchCuda')}) on {env.get('gpu', torch.get('device'))}"
                  f"{', error: ' + torch['error'] if torch.get('error') else ''}; {torch.get('notes', '')}"]
    lines += [f"- missing input: {p}" for p in problems]
    return lines + [""]


def check_table(ours):
    rows = ["## Correctness (device vs host backend, max |Δ|)", "",
            "| group | check | max abs diff | tolerance | result |", "|---|---|---:|---:|---|"]
    for c in ours.get("checks", []):
        result = "pass" if c.get("passed") else "**FAIL**" + (f": {c['error']}" if c.get("error") else "")
        rows.append(f"| {c['group']} | {c['name']} | {number(c['maxAbsDiff']):.2e} | {number(c['tolerance']):.0e} | {result} |")
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


def timing_table(ours, torch):
    theirs = {(t["kind"], t["name"]): t for t in (torch or {}).get("timings", [])}
    mine = {(t["kind"], t["name"]): t for t in (ours or {}).get("timings", [])}
    keys = list(mine) + [k for k in theirs if k not in mine]
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
        lines += timing_table(ours, torch)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
