#!/usr/bin/env bash
# Slurm lane (docs/SHARDING.md): a real single-node Slurm (Debian's slurm-wlm and munge; munged, slurmctld and slurmd
# started here as this script's children, no systemd) runs docs/SHARDING.md's sbatch script as a 4-task array over
# 20,000 lines of fortunes; `merge` checks the parts and writes one .npy, which must equal a single `embed` run's byte
# for byte, and DuckDB (npm, tests/dataset-reader) must read the folder as one dataset holding those very rows. A
# small second array, --array=1-4, shows that arrays not starting at 0 number their shards from 0 too.
#   BERT_GPU_SLURM_LINES  lines of the big input (default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
lines=${BERT_GPU_SLURM_LINES:-20000}
repo=$PWD
started=$SECONDS

# Quiet when it works, everything when it does not.
quiet() { local log; if ! log=$("$@" 2>&1); then echo "$log"; echo "failed: $*"; exit 1; fi; }
# Polls a command until it succeeds, for at most $1 seconds.
wait_for() { local limit=$1; shift; for ((i = 0; i < limit * 5; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }

echo "== slurm: slurm-wlm and munge"
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
slurmctld -V
quiet dotnet build src/Bert.Gpu.Cli -c Release -nologo
(cd tests/dataset-reader && quiet npm ci --no-audit --no-fund --loglevel=error)
cli="dotnet $repo/src/Bert.Gpu.Cli/bin/Release/net10.0/Bert.Gpu.Cli.dll"

work=$(mktemp -d /tmp/bert-gpu-slurm.XXXXXX)
chmod 755 "$work" # munged refuses a socket folder others may write; slurmd's job steps run as root and read it
pids=()
logs() { for log in "$work"/*.log "$work"/*.out; do echo "---- $log"; tail -n 30 "$log"; done; }
cleanup() {
  local status=$?
  ((status == 0)) || logs
  # The daemons are this script's children: end each by its own pid, then wait for them.
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

echo "== slurm: munged, slurmctld and slurmd on $(hostname -s), 2 CPUs, partition debug"
dd if=/dev/urandom of="$work/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge.key"
socket=$work/munge.socket
munged --foreground --force --key-file="$work/munge.key" --socket="$socket" --pid-file="$work/munged.pid" \
  --seed-file="$work/munge.seed" --log-file="$work/munged.log" >"$work/munged.out" 2>&1 &
pids+=($!)
wait_for 20 munge -n --socket="$socket" || { echo "FAIL: munged did not answer within 20 s"; exit 1; }

host=$(hostname -s)
mkdir -p "$work/state" "$work/spool"
export SLURM_CONF=$work/slurm.conf
cat > "$SLURM_CONF" <<EOF
ClusterName=bertgpu
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
# -D: in the foreground (as children of this script, which ends them), logging to their files; stderr kept for a failed start.
slurmctld -D -i -f "$SLURM_CONF" >"$work/slurmctld.out" 2>&1 &
pids+=($!)
wait_for 30 scontrol ping || { echo "FAIL: slurmctld did not answer within 30 s"; exit 1; }
slurmd -D -f "$SLURM_CONF" -N "$host" >"$work/slurmd.out" 2>&1 &
pids+=($!)
idle() { [[ $(sinfo -h -n "$host" -o %T) == idle ]]; }
wait_for 60 idle || { sinfo; echo "FAIL: node $host was not idle within 60 s"; exit 1; }
sinfo

# Every non-empty line of every fortune file (those without an extension), in name order (as bench/memory does).
find /usr/share/games/fortunes -maxdepth 1 -type f ! -name '*.*' | sort | xargs grep -hav '^%$' | grep -av '^[[:space:]]*$' \
  | iconv -f utf-8 -t utf-8 -c | awk -v n="$lines" 'NR <= n' > "$work/in.txt" # awk reads to the end: head would SIGPIPE the pipe
head -n 200 "$work/in.txt" > "$work/small.txt"
[[ $(wc -l < "$work/in.txt") -eq $lines ]] || { echo "FAIL: fortunes have fewer than $lines lines"; exit 1; }

echo "== slurm: one embed run over $lines lines (minilm, 2 threads)"
t=$SECONDS
$cli embed --input "$work/in.txt" --output "$work/single.npy" --threads 2 2>&1 | tail -n 1
echo "single run: $((SECONDS - t)) s"

# The lane runs the docs' own script: the block after the marker in docs/SHARDING.md.
awk '/<!-- sbatch-script -->/ { found = 1; next } found && /^```/ { if (inside) exit; inside = 1; next } inside' \
  docs/SHARDING.md > "$work/embed-array.sbatch"
grep -q 'shard auto' "$work/embed-array.sbatch" || { echo "FAIL: no sbatch script after <!-- sbatch-script --> in docs/SHARDING.md"; exit 1; }
export BERT_GPU_CLI=$cli

array() { # array SPEC INPUT OUT: runs the docs' script as sbatch --array=SPEC and waits for it
  mkdir -p "$work/logs"
  # 600 s: four 5,000-line MiniLM shards take ~70 s on 2 idle cores; a stuck queue must fail the lane, not hang it.
  if ! (cd "$work" && INPUT=$2 OUT=$3 timeout 600 sbatch --array="$1" --wait --quiet embed-array.sbatch); then
    for log in "$work"/logs/*; do echo "---- $log"; cat "$log"; done
    echo "FAIL: sbatch --array=$1 failed"; exit 1
  fi
}

echo "== slurm: sbatch --array=0-3 --wait of docs/SHARDING.md's script over the same lines"
t=$SECONDS
array 0-3 "$work/in.txt" "$work/dataset"
echo "array: $((SECONDS - t)) s"
ls "$work/dataset"
$cli merge "$work/dataset" --output "$work/merged.npy"
cmp "$work/single.npy" "$work/merged.npy" || { echo "FAIL: the merged .npy differs from the single run's"; exit 1; }
echo "merged .npy equals the single run's byte for byte"
node tests/dataset-reader/read.mjs "$work/dataset" "$work/duckdb.f32" "$lines" 384
tail -c +129 "$work/single.npy" | cmp - "$work/duckdb.f32" \
  || { echo "FAIL: the rows DuckDB reads from the folder differ from the single run's"; exit 1; }
echo "DuckDB's rows equal the single run's byte for byte"

echo "== slurm: --array=1-4 numbers the shards 0..3 too (200 lines)"
array 1-4 "$work/small.txt" "$work/small"
$cli embed --input "$work/small.txt" --output "$work/small-single.npy" --threads 2 2>/dev/null
$cli merge "$work/small" --output "$work/small-merged.npy"
cmp "$work/small-single.npy" "$work/small-merged.npy" || { echo "FAIL: --array=1-4's merged .npy differs from the single run's"; exit 1; }

echo "== slurm: a rerun of shards 2 and 3 alone (SHARDS=4 sbatch --array=2,3, as docs/SHARDING.md says)"
rm "$work"/small/part-0000[23]-of-00004.parquet
! $cli merge "$work/small" 2>/dev/null || { echo "FAIL: merge passed with parts 2 and 3 missing"; exit 1; }
SHARDS=4 array 2,3 "$work/small.txt" "$work/small"
$cli merge "$work/small" --output "$work/small-merged.npy" --overwrite
cmp "$work/small-single.npy" "$work/small-merged.npy" || { echo "FAIL: the rerun shards' merged .npy differs from the single run's"; exit 1; }
echo "slurm lane passed in $((SECONDS - started)) s"
