#!/usr/bin/env bash
# Publishes Bert.Gpu.DeviceCheck for the lent GPU machines (x86-64 Linux, no .NET there): self-contained,
# single-file, compressed, no PDBs, into .device/devicecheck/ (ignored: /.device/ in .gitignore), then checks that
# it and everything else a device call sends stay well under the tool's 64 MiB. The one binary is both the device
# check and, as `Bert.Gpu.DeviceCheck tests`, the in-process runner of the xunit CUDA tests (Bert.Gpu.Tests is
# compiled in). See docs/GPU-CHECK.md.
#
# Usage: bash bench/gpu/publish.sh
# Environment: BERT_GPU_PUBLISH_LIMIT_MIB  most the published folder may take (default 48; the rest of the
#              carried tree needs the remainder of the 64 MiB).
# Exit status: 0 published and within limits; 1 publish failed, too big, or a smoke run failed.
set -euo pipefail
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
OUT=$REPO/.device/devicecheck
# Its own artifacts folder (ignored: /artifacts/): a linux-x64 restore must not rewrite the obj/ folders that
# ordinary builds and the test lanes use.
BUILD=$REPO/artifacts/devicecheck-publish
LIMIT_MIB=${BERT_GPU_PUBLISH_LIMIT_MIB:-48}
TOOL_LIMIT=$((64 * 1024 * 1024))

cd "$REPO"
git check-ignore -q .device/devicecheck || { echo "publish: .device/ is not ignored by git here; it must be (see .gitignore)" >&2; exit 1; }

rm -rf "$OUT"
dotnet publish bench/Bert.Gpu.DeviceCheck -c Release -p:BertGpuDevicePublish=true -p:DebugType=none -p:DebugSymbols=false \
    --artifacts-path "$BUILD" -o "$OUT" -nologo -v:q
# Only the single file travels. Left beside it: ONNX Runtime's native library (28 MiB; only the tests that run the
# built-in models use it, and those models, 87 MiB each, cannot travel: run.sh leaves those tests out), the test
# project's and the CLI's apphost and runtimeconfig files (their code is in the bundle), XML docs.
dropped=$(find "$OUT" -type f ! -name Bert.Gpu.DeviceCheck -printf '%f ')
find "$OUT" -type f ! -name Bert.Gpu.DeviceCheck -delete
echo "publish: dropped what the single file does not need there: ${dropped:-nothing}"
chmod +x "$OUT/Bert.Gpu.DeviceCheck"

published=$(du -sb "$OUT" | cut -f1)
# What a device call sends besides the carried folder: tracked files and untracked files git does not ignore.
tree=$(git ls-files -z --cached --others --exclude-standard | du -cb --files0-from=- 2>/dev/null | tail -n1 | cut -f1)
total=$((published + tree))
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "publish: $(ls -1 "$OUT" | wc -l) file(s) in .device/devicecheck: $(mib "$published") (limit ${LIMIT_MIB} MiB)"
ls -l "$OUT"
echo "publish: working tree that travels $(mib "$tree"); together $(mib "$total") of the tool's 64 MiB"
if ((published > LIMIT_MIB * 1024 * 1024 || total > TOOL_LIMIT)); then
    echo "publish: TOO BIG for the device tool's 64 MiB carry limit" >&2
    exit 1
fi
"$OUT/Bert.Gpu.DeviceCheck" --device cpu --shapes small --samples 1 --out "$BUILD/smoke" > "$BUILD/smoke.log" 2>&1 \
    || { cat "$BUILD/smoke.log" >&2; echo "publish: the published binary failed its smoke run (--device cpu --shapes small)" >&2; exit 1; }
# The in-process test runner, on tests that need no device: the host reference checks and the emulator kernels.
"$OUT/Bert.Gpu.DeviceCheck" tests --filter "FullyQualifiedName~HostReferenceTests" --out "$BUILD/smoke-tests" \
    > "$BUILD/smoke-tests.log" 2>&1 \
    || { cat "$BUILD/smoke-tests.log" >&2; echo "publish: the published test runner failed its smoke run" >&2; exit 1; }
echo "publish: smoke runs of the published binary passed (--device cpu --shapes small; tests: $(tail -n1 "$BUILD/smoke-tests.log"))"
echo "         next: the device tool's run with carry [\".device\"] and command 'bash bench/gpu/run.sh' (docs/GPU-CHECK.md)"
