#!/usr/bin/env bash
# Int8 against fp32 and against ONNX Runtime's dynamic int8, in one run on this machine (issue 8's benchmark):
#   1. a calibration corpus of fortunes the benchmark never embeds (entries 2000 on; the benchmark takes 0-1999),
#   2. calibrate → a .qbert (CALIBRATE_ARGS, default: dynamic activations, keep fp32 until mean cos 0.999),
#   3. the built-in model.onnx rewritten to DynamicQuantizeMatMul (bench/onnx/dynamic_int8.py, Debian python3-onnx),
#   4. `Bert.Gpu.Bench int8`: tokens/s and quality of all four, one table.
# usage: bench/int8/compare.sh [WORKDIR]   (MODEL=minilm TEXTS=2000 REPEATS=3)
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
model=${MODEL:-minilm}
read -r -a calibrate_args <<< "${CALIBRATE_ARGS:-}"
dotnet build src/Bert.Gpu.Cli -c Release -v q -nologo >/dev/null
dotnet build bench/Bert.Gpu.Bench -c Release -v q -nologo >/dev/null
bench=bench/Bert.Gpu.Bench/bin/Release/net10.0/Bert.Gpu.Bench
cli=src/Bert.Gpu.Cli/bin/Release/net10.0/Bert.Gpu.Cli
grep -m1 'model name' /proc/cpuinfo
"$bench" corpus --skip "${TEXTS:-2000}" --texts 3000 --output "$work/calibration.txt"
"$cli" calibrate --model "$model" --corpus "$work/calibration.txt" --output "$work/$model.qbert" \
  --report "$work/$model-calibration.md" --overwrite "${calibrate_args[@]}"
"$bench" export-onnx --model "$model" --output "$work/$model.onnx"
/usr/bin/python3 bench/onnx/dynamic_int8.py "$work/$model.onnx" "$work/$model-int8.onnx"
"$bench" int8 --model "$model" --texts "${TEXTS:-2000}" --repeats "${REPEATS:-3}" \
  --qbert "$work/$model.qbert" --ort-int8 "$work/$model-int8.onnx"
