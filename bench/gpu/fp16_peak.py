#!/usr/bin/env python3
"""The GPUs' dense fp16 tensor-core peaks: the one table torch_baseline.py and run.sh (for DeviceCheck --fp16-peak) read.

    python3 bench/gpu/fp16_peak.py "NVIDIA H200"     # prints 989.4; exit 1, printing nothing, for a GPU not listed

No torch import: run.sh asks before DeviceCheck runs, with the name nvidia-smi gives (torch's device name is the same).
"""
import sys

# TFLOP/s, fp32 accumulate, no sparsity, from NVIDIA's data sheets, by a substring of the device name; the first match
# wins, so "H100 PCIe" precedes "H100": H100/H200 SXM 989.4, H100 PCIe 756, A100 312, L40S 362, A10 125 (fp32
# accumulate halves it on GeForce parts, which are not listed).
FP16_PEAK_TFLOPS = [("H200", 989.4), ("H100 PCIe", 756.0), ("H100", 989.4), ("A100", 312.0), ("L40S", 362.0), ("A10", 125.0)]


def peak_for(name):
    """The dense fp16 peak of the GPU called `name` in TFLOP/s, or None when it is not in FP16_PEAK_TFLOPS."""
    return next((peak for key, peak in FP16_PEAK_TFLOPS if key in (name or "")), None)


if __name__ == "__main__":
    found = peak_for(" ".join(sys.argv[1:]))
    if found is None:
        sys.exit(1)
    print(found)
