#!/usr/bin/env bash
# Regenerates the table in docs/KERNELS.md: every kernel variant of the catalog (src/Bert.Gpu.Kernels/Catalog) assembled
# for sm_80 and sm_90 by NVIDIA's ptxas -v and disassembled by cuobjdump -sass, through `Bert.Gpu.Cli kernels
# --ptxas-table` (the same ptxas report parser PtxasTests enforce the catalog's expectations with, so the table and the
# checks cannot read ptxas differently). Only the lines between the markers are replaced; the prose around them stays.
# Usage: bench/ptx/table.sh [OUT]   writes docs/KERNELS.md with the fresh table to OUT (default: docs/KERNELS.md itself).
# Needs the CLI built (dotnet build src/Bert.Gpu.Cli -c Release) and ptxas/cuobjdump in BERT_GPU_CUDA_BIN (default:
# where .ci/ptx-lane.sh unpacks CUDA 11.8, /var/cache/bert-gpu/cuda-11.8/root/usr/bin).
set -euo pipefail
cd "$(dirname "$0")/../.."
doc=docs/KERNELS.md
out=${1:-$doc}
bin=${BERT_GPU_CUDA_BIN:-/var/cache/bert-gpu/cuda-11.8/root/usr/bin}
cli=src/Bert.Gpu.Cli/bin/Release/net10.0/Bert.Gpu.Cli.dll
begin='<!-- kernel-table:begin (bench/ptx/table.sh writes what follows; do not edit it by hand) -->'
end='<!-- kernel-table:end -->'
[[ -f $cli ]] || { echo "$cli: not built; run dotnet build src/Bert.Gpu.Cli -c Release first" >&2; exit 2; }
[[ $(grep -cxF "$begin" "$doc") == 1 && $(grep -cxF "$end" "$doc") == 1 ]] \
  || { echo "$doc: needs the lines '$begin' and '$end' once each, around the table" >&2; exit 2; }
table=$(mktemp)
trap 'rm -f "$table" "$out.tmp"' EXIT
dotnet "$cli" kernels --ptxas-table --cuda-bin "$bin" > "$table"
awk -v begin="$begin" -v end="$end" -v table="$table" '
  $0 == begin { print; while ((getline line < table) > 0) print line; skipping = 1; next }
  $0 == end { skipping = 0 }
  !skipping' "$doc" > "$out.tmp"
mv "$out.tmp" "$out"
