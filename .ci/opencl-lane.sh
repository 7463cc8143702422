#!/usr/bin/env bash
# OpenCL lane: runs the Category=OpenCL tests through ILGPU's OpenCL backend on PoCL 6 (a CPU OpenCL
# runtime with the OpenCL 2.0+ generic address space ILGPU needs), inside a Debian 13 (trixie) chroot,
# because Debian 12's PoCL 3.1 lacks it. See docs/OPENCL-LANE.md.
#
# Usage: .ci/opencl-lane.sh [extra dotnet test args]
#   Builds tests/Bert.Gpu.Tests (Release) on the host, creates the chroot if needed (debootstrap, ~1-2 min,
#   ~700 MB), bind-mounts the repo, the .NET SDK and the NuGet package folders at their host paths, then runs
#     dotnet test tests/Bert.Gpu.Tests -c Release --no-build --filter "Category=OpenCL" [args]
#   inside it with BERT_GPU_REQUIRE_OPENCL=1. A --filter F among the args becomes Category=OpenCL&(F).
#   Everything it mounts is unmounted on exit (error, Ctrl-C too). Fails if no test executed.
# Exit status: 0 all passed; 1 tests failed (or the build did); 2 usage/setup error; 3 no OpenCL device
#   visible in the chroot; 4 mounts left behind (should never happen; the message says which).
# Environment:
#   BERT_GPU_OPENCL_ROOT    chroot folder (default /var/cache/bert-gpu/trixie-root; must be outside the repo)
#   BERT_GPU_DEBIAN_MIRROR  Debian mirror for debootstrap (default: the host apt's, else deb.debian.org)
#   BERT_GPU_OPENCL_REBUILD=1  delete and recreate the chroot
#   BERT_GPU_OPENCL_BUILD=0    skip the host build (the Release build must already be current)
#   BERT_GPU_OPENCL_SHELL=1    open an interactive shell in the prepared chroot instead of testing
#   POCL_*                     passed into the chroot (e.g. POCL_DEBUG=all)
# Needs root (debootstrap, mount, chroot) on Debian/Ubuntu with apt; installs debootstrap if missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
ROOT=${BERT_GPU_OPENCL_ROOT:-/var/cache/bert-gpu/trixie-root}
SUITE=trixie
PACKAGES=pocl-opencl-icd,ocl-icd-libopencl1,ocl-icd-opencl-dev,libicu76,clinfo
MARKER_NAME=.bert-gpu-opencl-lane-ready
MARKER_TEXT="suite=$SUITE packages=$PACKAGES layout=1"
RESULTS_IN_ROOT=/tmp/bert-gpu-opencl-lane   # test results, as seen inside the chroot

T0=$(date +%s)
log() { printf '== [opencl-lane %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
die() { local code=$1; shift; printf '== [opencl-lane] ERROR: %s\n' "$*" >&2; exit "$code"; }

[[ $(id -u) -eq 0 ]] || die 2 "must run as root (debootstrap, mount, chroot)"
ROOT=$(realpath -m "$ROOT")
[[ $ROOT == /* && $ROOT != / ]] || die 2 "bad BERT_GPU_OPENCL_ROOT: '$ROOT'"
case "$ROOT/" in "$REPO"/*) die 2 "BERT_GPU_OPENCL_ROOT ($ROOT) must be outside the repo ($REPO)";; esac

DOTNET_DIR=${DOTNET_ROOT:-}
if [[ -z $DOTNET_DIR ]]; then
    command -v dotnet >/dev/null || die 2 "dotnet not found on PATH and DOTNET_ROOT not set"
    DOTNET_DIR=$(dirname "$(realpath "$(command -v dotnet)")")
fi
[[ -x $DOTNET_DIR/dotnet ]] || die 2 "no dotnet executable in $DOTNET_DIR"

# Mounts under $ROOT (deepest first when reversed), from the kernel's own table.
mounts_under() { awk -v r="$1" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo; }

# Refuse to delete a tree that still has anything mounted in it (that would delete host files).
safe_remove() {
    local dir=$1
    [[ -e $dir ]] || return 0
    if [[ -n $(mounts_under "$dir") ]]; then
        die 2 "refusing to delete $dir: still mounted there:
$(mounts_under "$dir")
unmount them (umount -R PATH) and rerun"
    fi
    rm -rf --one-file-system -- "$dir"
}

# --- a lock: one lane per chroot at a time --------------------------------------------------------------
mkdir -p "$(dirname "$ROOT")"
exec 9>"$ROOT.lock"
flock -n 9 || die 2 "another opencl-lane run holds $ROOT.lock"

# --- mounts and their cleanup -----------------------------------------------------------------------------
MOUNTED=()   # mount points, in the order mounted
cleanup() {
    local rc=$? i left pid
    trap - EXIT INT TERM
    if ((${#MOUNTED[@]})); then
        # Anything still running with its root in the chroot (a stray testhost, an interactive shell's
        # children) was started by this script; it would keep the mounts busy.
        for pid in /proc/[0-9]*; do
            pid=${pid#/proc/}
            if [[ $(readlink "/proc/$pid/root" 2>/dev/null) == "$ROOT" ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
        done
        for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
            umount -R "${MOUNTED[i]}" 2>/dev/null || { sleep 1; umount -R "${MOUNTED[i]}" 2>/dev/null; } \
                || umount -R -l "${MOUNTED[i]}" 2>/dev/null || true
        done
        left=$(mounts_under "$ROOT")
        if [[ -n $left ]]; then
            printf '== [opencl-lane] ERROR: mounts left under %s:\n%s\n' "$ROOT" "$left" >&2
            rc=4
        else
            log "unmounted ${#MOUNTED[@]} mounts; none left under $ROOT"
        fi
    fi
    log "exit $rc (total $(( $(date +%s) - T0 )) s)"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bind SRC at the same path inside the chroot; ro for read-only; recursive for /proc, /sys, /dev.
bind() {
    local src=$1 mode=${2:-rw} dst="$ROOT$1"
    if [[ -d $src ]]; then mkdir -p "$dst"; else mkdir -p "$(dirname "$dst")"; touch "$dst"; fi
    case $mode in
        rbind) mount --rbind "$src" "$dst"; MOUNTED+=("$dst"); mount --make-rslave "$dst" ;;
        ro)    mount --bind "$src" "$dst"; MOUNTED+=("$dst"); mount -o remount,bind,ro "$dst" ;;
        *)     mount --bind "$src" "$dst"; MOUNTED+=("$dst") ;;
    esac
}

# --- 1. the chroot -------------------------------------------------------------------------------------------
debian_mirror() {
    if [[ -n ${BERT_GPU_DEBIAN_MIRROR:-} ]]; then echo "$BERT_GPU_DEBIAN_MIRROR"; return; fi
    local uri
    uri=$( { grep -hsE '^[[:space:]]*URIs:' /etc/apt/sources.list.d/*.sources | tr ' ' '\n';
             grep -hsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | tr ' ' '\n'; } \
           | grep -E '^https?://.*/debian/?$' | head -n1 || true)
    echo "${uri:-http://deb.debian.org/debian}"
}

root_ready() {
    [[ -f $ROOT/$MARKER_NAME && $(head -n1 "$ROOT/$MARKER_NAME") == "$MARKER_TEXT" \
        && -x $ROOT/usr/bin/clinfo && -e $ROOT/etc/OpenCL/vendors/pocl.icd ]]
}

[[ ${BERT_GPU_OPENCL_REBUILD:-0} == 1 ]] && { log "BERT_GPU_OPENCL_REBUILD=1: deleting $ROOT"; safe_remove "$ROOT"; }
if root_ready; then
    log "chroot: reusing $ROOT ($(tail -n +2 "$ROOT/$MARKER_NAME" | tr '\n' ' '))"
else
    t=$(date +%s)
    if ! command -v debootstrap >/dev/null; then
        log "installing debootstrap (apt-get)"
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends debootstrap debian-archive-keyring >/dev/null
    fi
    mirror=$(debian_mirror)
    partial="$ROOT.partial"
    safe_remove "$partial"
    safe_remove "$ROOT"   # incomplete or outdated
    log "chroot: debootstrap --variant=minbase $SUITE from $mirror into $partial (packages: $PACKAGES)"
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$partial" "$mirror" \
        > "$partial.log" 2>&1 || { tail -n 30 "$partial.log" >&2; die 2 "debootstrap failed (log: $partial.log)"; }
    chroot "$partial" apt-get clean   # the downloaded .debs (~135 MB)
    [[ -x $partial/usr/bin/clinfo && -e $partial/etc/OpenCL/vendors/pocl.icd ]] \
        || die 2 "debootstrap finished but clinfo or the PoCL ICD is missing in $partial"
    printf '%s\ncreated %s from %s in %ss\n' "$MARKER_TEXT" "$(date -u +%FT%TZ)" "$mirror" "$(( $(date +%s) - t ))" \
        > "$partial/$MARKER_NAME"
    mv "$partial" "$ROOT"
    mv "$partial.log" "$ROOT.debootstrap.log"
    log "chroot: ready in $(( $(date +%s) - t )) s, $(du -sh --one-file-system "$ROOT" | cut -f1)"
fi

# We hold the lock, so mounts still under the chroot are a killed run's (kill -9): take them down.
if [[ -n $(mounts_under "$ROOT") ]]; then
    log "chroot: unmounting $(mounts_under "$ROOT" | wc -l) stale mounts left by a killed run"
    mounts_under "$ROOT" | tac | while IFS= read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
    [[ -z $(mounts_under "$ROOT") ]] || die 4 "cannot unmount under $ROOT:
$(mounts_under "$ROOT")"
fi

# --- 2. build on the host (the chroot only runs: build outputs are portable IL) ------------------------------
if [[ ${BERT_GPU_OPENCL_BUILD:-1} != 0 ]]; then
    log "build: dotnet build tests/Bert.Gpu.Tests -c Release (host)"
    t=$(date +%s)
    (cd "$REPO" && dotnet build tests/Bert.Gpu.Tests -c Release -nologo -v:q) || die 1 "build failed"
    log "build: done in $(( $(date +%s) - t )) s"
fi
ASSETS=$REPO/tests/Bert.Gpu.Tests/obj/project.assets.json
[[ -f $ASSETS ]] || die 2 "no $ASSETS: build (restore) the test project first"

# NuGet package folders the build resolved against (global packages + fallbacks), plus the usual places.
PKG_DIRS=()
while IFS= read -r d; do
    d=${d%/}
    [[ -d $d ]] && [[ " ${PKG_DIRS[*]-} " != *" $d "* ]] && PKG_DIRS+=("$d")
done < <(python3 - "$ASSETS" 2>/dev/null <<'EOF' || sed -n '/"packageFolders"/,/}/s/^ *"\(\/[^"]*\)".*/\1/p' "$ASSETS"
import json, sys
print("\n".join(json.load(open(sys.argv[1], encoding="utf-8-sig"))["packageFolders"]))
EOF
)
for d in "${NUGET_PACKAGES:-}" "${HOME:-/root}/.nuget/packages" /opt/nuget/packages; do
    d=${d%/}
    [[ -n $d && -d $d ]] && [[ " ${PKG_DIRS[*]-} " != *" $d "* ]] && PKG_DIRS+=("$d")
done
((${#PKG_DIRS[@]})) || die 2 "no NuGet package folder found"

# --- 3. mounts ---------------------------------------------------------------------------------------------
log "mounts: /proc /sys /dev (rbind, rslave), $DOTNET_DIR (ro), ${PKG_DIRS[*]} (ro), $REPO (rw)"
bind /proc rbind
bind /sys rbind    # PoCL reads the CPU topology; without /sys: "Not enough memory to run on this device"
bind /dev rbind
bind "$DOTNET_DIR" ro
for d in "${PKG_DIRS[@]}"; do bind "$d" ro; done
bind "$REPO" rw

in_root() {
    local env=(PATH="$DOTNET_DIR:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        HOME=/root DOTNET_CLI_HOME=/root DOTNET_ROOT="$DOTNET_DIR" NUGET_PACKAGES="${PKG_DIRS[0]}"
        DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
        DOTNET_CLI_USE_MSBUILD_SERVER=0 DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE=1 MSBUILDDISABLENODEREUSE=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=0
        BERT_GPU_REQUIRE_OPENCL=1 TMPDIR=/tmp LANG=C.UTF-8 TERM="${TERM:-dumb}")
    local v
    for v in $(compgen -e | grep -E '^POCL_' || true); do env+=("$v=${!v}"); done
    # shellcheck disable=SC2016 # $1/$@ are the inner bash's
    chroot "$ROOT" /usr/bin/env -i "${env[@]}" /bin/bash -c 'cd "$1" && shift && exec "$@"' _ "$REPO" "$@"
}

# --- 4. the OpenCL device ----------------------------------------------------------------------------------
log "OpenCL: clinfo inside the chroot"
in_root clinfo -l || true
in_root clinfo 2>/dev/null | grep -E '^  (Platform (Name|Version)|Device (Name|Version|OpenCL C Version)|Max compute units|Global memory size|Max work group size|Local memory size|Generic address space support)  ' \
    | awk '!seen[$0]++' || true
ndev=$(in_root clinfo -l 2>/dev/null | grep -c 'Device #' || true)
((ndev > 0)) || die 3 "no OpenCL device visible inside the chroot (is /sys mounted? try POCL_DEBUG=all)"
log "OpenCL: $ndev device(s)"

if [[ ${BERT_GPU_OPENCL_SHELL:-0} == 1 ]]; then
    log "BERT_GPU_OPENCL_SHELL=1: interactive shell in the chroot (exit to unmount)"
    in_root /bin/bash -i || true
    exit 0
fi

# --- 5. the tests ------------------------------------------------------------------------------------------
# A --filter among the extra args narrows the lane's: Category=OpenCL&(yours). (dotnet test rejects two.)
FILTER="Category=OpenCL"
ARGS=()
while (($#)); do
    case $1 in
        --filter) (($# >= 2)) || die 2 "--filter needs a value"; FILTER="$FILTER&($2)"; shift 2 ;;
        --filter=*) FILTER="$FILTER&(${1#--filter=})"; shift ;;
        *) ARGS+=("$1"); shift ;;
    esac
done
rm -rf --one-file-system -- "${ROOT:?}$RESULTS_IN_ROOT"
log "tests: dotnet test tests/Bert.Gpu.Tests -c Release --no-build --filter \"$FILTER\" ${ARGS[*]-} (in the chroot)"
t=$(date +%s)
set +e
in_root dotnet test tests/Bert.Gpu.Tests -c Release --no-build --filter "$FILTER" \
    --logger "console;verbosity=detailed" --logger "trx;LogFileName=opencl-lane.trx" \
    --results-directory "$RESULTS_IN_ROOT" ${ARGS[@]+"${ARGS[@]}"}
rc=$?
set -e
log "tests: dotnet test exited $rc after $(( $(date +%s) - t )) s"
((rc == 0)) || die 1 "OpenCL tests failed"

trx=$(find "$ROOT$RESULTS_IN_ROOT" -name '*.trx' 2>/dev/null | head -n1 || true)
if [[ -n $trx ]]; then
    counters=$(grep -o '<Counters [^>]*' "$trx" | head -n1)
    total=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
    executed=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
    skipped=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")
    log "tests: total=${total:-?} executed=${executed:-?} passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters") failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters") skipped=${skipped:-?}"
    [[ ${total:-0} -gt 0 && ${executed:-0} -gt 0 ]] || die 1 "no test ran (filter $FILTER matched nothing?)"
    # With BERT_GPU_REQUIRE_OPENCL=1 a device test cannot skip (it fails); a skip here means a test skipped for a reason of its own.
    [[ ${skipped:-0} -eq 0 ]] || die 1 "$skipped test(s) were skipped in the lane, where every OpenCL test must run"
else
    log "tests: WARNING: no .trx under $ROOT$RESULTS_IN_ROOT, cannot check that tests ran (did extra args move --results-directory?)"
fi
log "OK: OpenCL lane passed"
