#!/usr/bin/env bash
# The serve load figures of docs/BENCHMARKS.md ("serve under load"): the xunit load test (64 clients on 127.0.0.1,
# one text a request, each client posting as soon as its last answer came) run for SECONDS (default 30), then `embed`
# over the same texts (examples/sentences.txt × 200) for the CLI's batch throughput on the same machine.
#   bash bench/serve/load.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
dotnet build tests/Bert.Gpu.Tests -c Release -v:q -nologo >/dev/null
echo "== $(date -u +%F) $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
BERT_GPU_SERVE_LOAD_SECONDS=$seconds dotnet test tests/Bert.Gpu.Tests -c Release --no-build \
    --filter FullyQualifiedName~ServeLoadTests --logger "console;verbosity=detailed" | grep -E 'clients ×|max-concurrent|Passed!|Failed!'
texts=$(mktemp --suffix .txt)
trap 'rm -f "$texts" "$texts.npy"' EXIT
for _ in $(seq 200); do cat examples/sentences.txt; done >"$texts"
dotnet tests/Bert.Gpu.Tests/bin/Release/net10.0/Bert.Gpu.Cli.dll embed --input "$texts" --output "$texts.npy" --device cpu --overwrite 2>&1 | tail -n1
