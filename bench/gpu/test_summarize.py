#!/usr/bin/env python3
"""summarize.py's pairing of our fp16 rows with torch's and its two target verdicts, on synthetic inputs (no torch).

    python3 bench/gpu/test_summarize.py
"""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import summarize  # noqa: E402


def ours_row(kind, name, ms, precision):
    return {"kind": kind, "name": name, "shape": "s", "medianMs": ms, "precision": precision,
            "gflops": 1000.0 / ms if kind == "gemm" else None, "tokensPerSecond": 1000.0 / ms if kind == "encoder" else None}


def torch_row(kind, name, **variants_ms):
    return {"kind": kind, "name": name, "shape": "s", "variants": {k: {"medianMs": v} for k, v in variants_ms.items()}}


OURS = {"requestedDevice": "cuda", "shapes": "real", "passed": True, "checks": [], "skipped": [], "fp16PeakTflops": 989.4,
        "machine": {"ilgpuVersion": "1.5.3", "runtime": ".NET 10", "cpu": "x", "logicalCores": 16},
        "timings": [ours_row("gemm", "bert-base qkv", 2.0, "fp32"), ours_row("gemm", "bert-base qkv", 0.5, "fp16"),
                    ours_row("gemm", "bert-base ffn up", 1.0, "fp16"), ours_row("encoder", "bert-base", 40.0, "fp16"),
                    ours_row("encoder", "minilm-l6 b512", 30.0, "fp16")]}
TORCH = {"timings": [torch_row("gemm", "bert-base qkv", linear_fp32=1.0, matmul_fp16=0.4, linear_fp16=0.6),
                     torch_row("gemm", "bert-base ffn up", linear_fp32=1.0, matmul_fp16=0.5, linear_fp16=0.7),
                     dict(torch_row("encoder", "bert-base", bert_fp32=90.0, bert_fp16=50.0), attnImplementation="sdpa"),
                     dict(torch_row("encoder", "minilm-l6 b512", bert_fp16=33.0), attnImplementation="sdpa")]}


class TargetTests(unittest.TestCase):
    def test_gemm_target_is_the_worst_throughput_ratio_against_matmul_fp16(self):
        # qkv: 0.4 / 0.5 = 0.80x; ffn up: 0.5 / 1.0 = 0.50x < 0.60: not met, named.
        line = summarize.targets(OURS, TORCH)[2]
        self.assertIn("**not met**: worst bert-base ffn up 0.50x over 2 shape(s)", line)
        self.assertIn("bert-base qkv 0.80x", line)

    def test_encoder_target_pairs_the_b512_row_by_name_and_reports_sdpa(self):
        # bert-base 50 / 40 = 1.25x, minilm-l6 b512 33 / 30 = 1.10x: both at least torch's: met.
        line = summarize.targets(OURS, TORCH)[3]
        self.assertIn("(attention: sdpa)", line)
        self.assertIn("**met**: worst minilm-l6 b512 1.10x over 2 shape(s)", line)

    def test_without_torch_fp16_rows_the_targets_are_not_measured(self):
        lines = summarize.targets(OURS, {"timings": [torch_row("gemm", "bert-base qkv", linear_fp32=1.0)]})
        self.assertIn("**not measured**", lines[2])
        self.assertIn("**not measured**", lines[3])

    def test_fp32_table_keeps_fp32_rows_and_leaves_torch_only_fp16_rows_to_the_fp16_table(self):
        fp32 = "\n".join(summarize.timing_table(OURS, TORCH))
        self.assertNotIn("minilm-l6 b512", fp32)
        self.assertIn("| gemm | bert-base qkv | s | 2.000 |", fp32)
        fp16 = "\n".join(summarize.fp16_table(OURS, TORCH))
        self.assertIn("| gemm | bert-base qkv | s | 0.500 | 2,000 GFLOP/s | 0.400 |", fp16)
        self.assertIn("linear_fp16 ", fp16)
        self.assertIn("ours 1.20x of it", fp16)  # 0.6 / 0.5

    def test_the_whole_summary_is_written_from_files(self):
        with tempfile.TemporaryDirectory() as folder:
            paths = {name: os.path.join(folder, name + ".json") for name in ("devicecheck", "torch")}
            for name, content in (("devicecheck", OURS), ("torch", TORCH)):
                with open(paths[name], "w", encoding="utf-8") as f:
                    json.dump(content, f)
            out = os.path.join(folder, "summary.md")
            sys.argv = ["summarize.py", "--devicecheck", paths["devicecheck"], "--torch", paths["torch"], "--out", out]
            with open(os.devnull, "w", encoding="utf-8") as quiet:
                stdout, sys.stdout = sys.stdout, quiet
                try:
                    summarize.main()
                finally:
                    sys.stdout = stdout
            with open(out, encoding="utf-8") as f:
                text = f.read()
        self.assertIn("## Targets (fp16)", text)
        self.assertIn("fp16 peak 989.4 TFLOP/s", text)


if __name__ == "__main__":
    unittest.main()
