#!/usr/bin/env bash
# PTX lane: the ILGPU kernels' PTX through NVIDIA's own assembler and disassembler (ptxas / cuobjdump 11.8), without a
# GPU: tests whose name contains "Ptxas" (every variant of the kernel catalog for sm_80 and sm_90, held to the catalog's
# SASS expectations: docs/KERNELS.md, "What CI checks"), then docs/KERNELS.md's table regenerated (bench/ptx/table.sh)
# and compared with the committed one, so the committed table is always what ptxas reports.
# The tools come from Debian 12 non-free's nvidia-cuda-toolkit, downloaded once (84 MB) with a private apt
# configuration (nothing is installed, the host's sources are untouched) and unpacked with dpkg -x.
# Usage: .ci/ptx-lane.sh   Environment: BERT_GPU_CUDA_TOOLS (cache folder, default /var/cache/bert-gpu/cuda-11.8).
# Exit status: 0 passed; 1 tests failed or none ran, or the committed table is stale; 2 the tools could not be fetched.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=${BERT_GPU_CUDA_TOOLS:-/var/cache/bert-gpu/cuda-11.8}
bin=$tools/root/usr/bin
if [[ ! -x $bin/ptxas || ! -x $bin/cuobjdump ]]; then
  echo "== ptx: fetching nvidia-cuda-toolkit (Debian 12 non-free) into $tools"
  mkdir -p "$tools/lists/partial" "$tools/archives/partial" "$tools/root"
  echo "deb http://deb.debian.org/debian bookworm main contrib non-free" > "$tools/sources.list"
  apt=(-o "Dir::Etc::SourceList=$tools/sources.list" -o Dir::Etc::SourceParts=/dev/null
       -o "Dir::State::Lists=$tools/lists" -o "Dir::Cache::Archives=$tools/archives")
  apt-get "${apt[@]}" update -qq || { echo "== ptx: apt-get update failed"; exit 2; }
  (cd "$tools" && apt-get "${apt[@]}" download nvidia-cuda-toolkit >/dev/null) || { echo "== ptx: download failed"; exit 2; }
  dpkg -x "$tools"/nvidia-cuda-toolkit_*.deb "$tools/root"
  rm -f "$tools"/nvidia-cuda-toolkit_*.deb
fi
"$bin/ptxas" --version | tail -n 1
log=$(BERT_GPU_CUDA_BIN=$bin dotnet test tests/Bert.Gpu.Tests -c Release --no-build --filter "FullyQualifiedName~Ptxas" 2>&1) \
  || { echo "$log" | tail -n 40; echo "== ptx: tests failed"; exit 1; }
summary=$(echo "$log" | grep -E '^(Passed|Failed)!')
echo "$summary"
[[ $summary == *"Skipped:     0"* && $summary != *"Passed:     0,"* ]] || { echo "== ptx: a test was skipped or none ran"; exit 1; }
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
BERT_GPU_CUDA_BIN=$bin bench/ptx/table.sh "$fresh" || { echo "== ptx: bench/ptx/table.sh failed"; exit 1; }
diff -u docs/KERNELS.md "$fresh" \
  || { echo "== ptx: docs/KERNELS.md's table is not what ptxas reports; run bench/ptx/table.sh and commit the result"; exit 1; }
echo "docs/KERNELS.md's table matches ptxas"
echo "== ptx lane passed"
