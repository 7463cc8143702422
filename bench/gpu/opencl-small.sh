#!/usr/bin/env bash
# Runs DeviceCheck --device opencl --shapes small on PoCL 6 inside the OpenCL lane's Debian 13 chroot, reusing the
# lane as it is: .ci/opencl-lane.sh with BERT_GPU_OPENCL_SHELL=1 mounts everything and opens a shell in the chroot,
# and this script feeds that shell the command on standard input instead of a terminal. See docs/GPU-CHECK.md.
#
# Usage: sudo bash bench/gpu/opencl-small.sh [OUT_DIR]     (default artifacts/devicecheck-opencl, ignored by git)
# Environment: the lane's (BERT_GPU_OPENCL_ROOT, BERT_GPU_DEBIAN_MIRROR, POCL_*); the lane builds its chroot on first use.
# Exit status: DeviceCheck's (0 all checks passed, 1 a check failed, 3 no OpenCL device, …); 6 when it never ran.
set -euo pipefail
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
OUT=${1:-artifacts/devicecheck-opencl}
case $OUT in /*) ;; *) OUT=$REPO/$OUT ;; esac
case "$OUT/" in "$REPO"/*) ;; *) echo "opencl-small: OUT_DIR must be inside the repo (the only folder the lane mounts writable)" >&2; exit 2 ;; esac

cd "$REPO"
# The chroot only runs: build here. The lane reads the NuGet folders to mount from the test project's restore.
dotnet build bench/Bert.Gpu.DeviceCheck -c Release -nologo -v:q
dotnet restore tests/Bert.Gpu.Tests -nologo -v:q
rm -rf "$OUT"
mkdir -p "$OUT"

# One line for the chroot's shell; it runs in the repo (mounted at the same path) and records DeviceCheck's status.
printf '%s\n' "dotnet bench/Bert.Gpu.DeviceCheck/bin/Release/net10.0/Bert.Gpu.DeviceCheck.dll --device opencl --shapes small --out '$OUT'; echo \$? > '$OUT/exit-status'; exit" \
    | BERT_GPU_OPENCL_SHELL=1 BERT_GPU_OPENCL_BUILD=0 "$REPO/.ci/opencl-lane.sh"

[[ -f $OUT/exit-status ]] || { echo "opencl-small: DeviceCheck did not run in the chroot (see the lane's output above)" >&2; exit 6; }
rc=$(cat "$OUT/exit-status")
rm -f "$OUT/exit-status"
echo "opencl-small: DeviceCheck exit status $rc; results in $OUT"
exit "$rc"
