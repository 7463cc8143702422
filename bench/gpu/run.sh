#!/usr/bin/env bash
# The one command a GPU device call runs (docs/GPU-CHECK.md): `bash bench/gpu/run.sh`, with carry [".device"]
# after bench/gpu/publish.sh. It
#   1. prints the GPU, the driver and every libcuda the loader can find;
#   2. puts /usr/local/nvidia/lib64 on LD_LIBRARY_PATH and, when only libcuda.so.1 exists, a libcuda.so link to it
#      in a writable folder (ILGPU asks for libcuda.so; the product also falls back to .so.1, this is belt and braces);
#   3. runs the published DeviceCheck --device cuda --shapes real --out $OUT (checks vs the host backend in fp32 and
#      fp16, timings in both) with --fp16-peak from bench/gpu/fp16_peak.py for the GPU nvidia-smi names;
#   4. runs the xunit CUDA tests in-process (`Bert.Gpu.DeviceCheck tests`, BERT_GPU_REQUIRE_CUDA=1: a test without a
#      GPU fails) → $OUT/tests.log, $OUT/tests.json; the built-in-model tests (Needs=BuiltInModels) are left out, their
#      model DLLs (87 MiB each) cannot travel within the tool's 64 MiB;
#   5. runs bench/gpu/torch_baseline.py on the same shapes → $OUT/torch.json;
#   6. merges all of it into $OUT/summary.md (checks, tests, ours vs PyTorch with the ratio, the two fp16 targets:
#      GEMM >= 60% of cuBLAS fp16, encoder tokens/s >= PyTorch fp16 + SDPA, each met or not met).
# $OUT then holds run.log, devicecheck.json, devicecheck.log, tests.log, tests.json, torch.json, summary.md: 7 files
# (the tool takes 8).
# Exit status: DeviceCheck's when it is not 0 (1 a correctness check failed, 3 CUDA unusable, 4 crashed, 124 timed
# out, 5 not published); else 6 when a CUDA test failed or none ran (with --device cuda); otherwise 0, even when the
# torch baseline failed (the summary and the log say so).
# Environment (defaults for the device; set them to try the pipeline elsewhere):
#   OUT                       result folder (the device tool sets it; default artifacts/gpu-run)
#   BERT_GPU_CHECK_DEVICE     cuda | opencl | ilgpu-cpu | cpu (default cuda); torch runs on cuda only for cuda; the
#                             CUDA tests require the GPU only for cuda (elsewhere they are skipped, which only warns)
#   BERT_GPU_CHECK_SHAPES     real | small (default real)
#   BERT_GPU_TEST_FILTER      which tests (default Category=CUDA&Needs!=BuiltInModels; the syntax: docs/GPU-CHECK.md)
#   BERT_GPU_PYTHON           the python with torch (default python3)
#   BERT_GPU_FP16_PEAK_TFLOPS the GPU's dense fp16 peak for DeviceCheck (default: fp16_peak.py's for nvidia-smi's name)
#   BERT_GPU_DEVICECHECK_TIMEOUT / BERT_GPU_TESTS_TIMEOUT / BERT_GPU_TORCH_TIMEOUT   seconds (default 300 / 150 / 120)
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
OUT=${OUT:-$REPO/artifacts/gpu-run}
DEVICE=${BERT_GPU_CHECK_DEVICE:-cuda}
SHAPES=${BERT_GPU_CHECK_SHAPES:-real}
PYTHON=${BERT_GPU_PYTHON:-python3}
TEST_FILTER=${BERT_GPU_TEST_FILTER:-Category=CUDA&Needs!=BuiltInModels}
BIN=$REPO/.device/devicecheck/Bert.Gpu.DeviceCheck
T0=$(date +%s)
mkdir -p "$OUT"

step() { printf '\n== [gpu-run %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }

environment() {
    step "machine"
    uname -a
    nproc
    step "nvidia-smi"
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi
        nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
    else
        echo "nvidia-smi: not found"
    fi
    step "libcuda"
    ls -l /usr/local/nvidia/lib64/libcuda* 2>&1
    ldconfig -p | grep libcuda || echo "ldconfig: no libcuda in the cache"
}

# ILGPU binds the driver as "cuda" → libcuda.so. Where only libcuda.so.1 exists, link it in a writable folder.
driver_path() {
    if [[ -d /usr/local/nvidia/lib64 ]]; then
        export LD_LIBRARY_PATH=/usr/local/nvidia/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    fi
    local dir found=""
    for dir in ${LD_LIBRARY_PATH:+${LD_LIBRARY_PATH//:/ }} $(ldconfig -p | awk '/libcuda\.so/ { print $NF }' | xargs -r -n1 dirname | sort -u); do
        [[ -e $dir/libcuda.so ]] && { echo "libcuda.so found in $dir"; return; }
        [[ -z $found && -e $dir/libcuda.so.1 ]] && found=$dir/libcuda.so.1
    done
    if [[ -n $found ]]; then
        mkdir -p /tmp/bert-gpu-lib
        ln -sf "$found" /tmp/bert-gpu-lib/libcuda.so
        export LD_LIBRARY_PATH=/tmp/bert-gpu-lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
        echo "only $found: linked /tmp/bert-gpu-lib/libcuda.so to it"
    else
        echo "no libcuda.so.1 on the loader path (fine for non-CUDA devices)"
    fi
    echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
}

main() {
    environment
    step "driver path"
    driver_path

    local peak=${BERT_GPU_FP16_PEAK_TFLOPS:-} gpu peak_args=()
    if [[ -z $peak ]] && command -v nvidia-smi >/dev/null; then
        gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n1)
        peak=$("$PYTHON" "$REPO/bench/gpu/fp16_peak.py" "$gpu") || echo "fp16 peak: '$gpu' is not in bench/gpu/fp16_peak.py"
    fi
    [[ -n $peak ]] && peak_args=(--fp16-peak "$peak")
    step "DeviceCheck --device $DEVICE --shapes $SHAPES --out $OUT ${peak_args[*]}"
    local dc_rc=5 tests_rc=5 torch_rc
    if [[ ! -f $BIN ]]; then
        echo "ERROR: $BIN is missing: run bash bench/gpu/publish.sh here first and carry [\".device\"]"
    else
        # A carried file can lose its mode bit; run a copy if so.
        if [[ ! -x $BIN ]] && ! chmod +x "$BIN" 2>/dev/null; then
            cp "$BIN" /tmp/Bert.Gpu.DeviceCheck && chmod +x /tmp/Bert.Gpu.DeviceCheck && BIN=/tmp/Bert.Gpu.DeviceCheck
        fi
        timeout "${BERT_GPU_DEVICECHECK_TIMEOUT:-300}" "$BIN" --device "$DEVICE" --shapes "$SHAPES" --out "$OUT" "${peak_args[@]}"
        dc_rc=$?
        ((dc_rc == 124)) && echo "ERROR: DeviceCheck timed out after ${BERT_GPU_DEVICECHECK_TIMEOUT:-300} s"
    fi
    echo "DeviceCheck exit status: $dc_rc"

    # Even when DeviceCheck found CUDA unusable: every test then fails with the reason, which is worth the seconds.
    local require=0
    [[ $DEVICE == cuda ]] && require=1
    step "CUDA tests: Bert.Gpu.DeviceCheck tests --filter \"$TEST_FILTER\" (BERT_GPU_REQUIRE_CUDA=$require)"
    if [[ -f $BIN ]]; then
        BERT_GPU_REQUIRE_CUDA=$require timeout "${BERT_GPU_TESTS_TIMEOUT:-150}" "$BIN" tests --filter "$TEST_FILTER" --out "$OUT"
        tests_rc=$?
        ((tests_rc == 124)) && echo "ERROR: the CUDA tests timed out after ${BERT_GPU_TESTS_TIMEOUT:-150} s"
    fi
    echo "CUDA tests exit status: $tests_rc (0 all passed, 1 a test failed, 5 none matched, 6 all skipped)"

    local torch_device=cpu
    [[ $DEVICE == cuda ]] && torch_device=cuda
    step "torch_baseline.py --device $torch_device --shapes $SHAPES"
    PYTHONUNBUFFERED=1 timeout "${BERT_GPU_TORCH_TIMEOUT:-120}" "$PYTHON" "$REPO/bench/gpu/torch_baseline.py" \
        --device "$torch_device" --shapes "$SHAPES" --out "$OUT"
    torch_rc=$?
    echo "torch_baseline exit status: $torch_rc"

    step "summary"
    "$PYTHON" "$REPO/bench/gpu/summarize.py" --devicecheck "$OUT/devicecheck.json" --tests "$OUT/tests.json" \
        --torch "$OUT/torch.json" --out "$OUT/summary.md" || echo "WARNING: summarize.py failed"

    step "done"
    ls -l "$OUT"
    local files
    files=$(find "$OUT" -type f | wc -l)
    ((files <= 8)) || echo "WARNING: $files files in $OUT; the device tool returns 8"
    ((torch_rc == 0)) || echo "WARNING: the torch baseline failed (exit $torch_rc); ours stands alone in the summary"
    ((dc_rc == 0)) && echo "OK: every DeviceCheck correctness check passed" || echo "FAILED: DeviceCheck exit status $dc_rc"
    if ((tests_rc == 0)); then
        echo "OK: every CUDA test passed ($(tail -n1 "$OUT/tests.log"))"
    elif ((require)); then
        echo "FAILED: CUDA tests exit status $tests_rc ($(tail -n1 "$OUT/tests.log" 2>/dev/null || echo "no tests.log"))"
    else
        echo "WARNING: CUDA tests exit status $tests_rc without --device cuda (BERT_GPU_REQUIRE_CUDA=0)"
    fi
    ((dc_rc != 0)) && return "$dc_rc"
    ((require && tests_rc != 0)) && return 6
    return 0
}

main 2>&1 | tee "$OUT/run.log"
exit "${PIPESTATUS[0]}"
