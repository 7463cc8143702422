#!/usr/bin/env bash
# Peak resident memory of `embed` jobs of growing size, per output format: the check that memory does not grow with
# the input (docs/BENCHMARKS.md, "Memory"). Inputs are lines of Debian's fortunes (apt-get install fortunes), cycled
# to the wanted count; each job runs the published CLI under /usr/bin/time (apt-get install time) and the table
# gives the maximum resident set size it reports.
#
# Usage: bench/memory/peak-rss.sh [LINES...]            (default: 20000 200000)
# Environment: MODEL (default minilm), DEVICE (default cpu), FORMATS (default "npy jsonl parquet"),
#              WORK (scratch folder, default /tmp/bert-gpu-peak-rss)
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=${MODEL:-minilm}
DEVICE=${DEVICE:-cpu}
FORMATS=${FORMATS:-npy jsonl parquet}
WORK=${WORK:-/tmp/bert-gpu-peak-rss}
COUNTS=("$@")
((${#COUNTS[@]})) || COUNTS=(20000 200000)
FORTUNES=/usr/share/games/fortunes
[[ -d $FORTUNES ]] || { echo "no $FORTUNES: apt-get install fortunes" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "no /usr/bin/time: apt-get install time" >&2; exit 2; }

mkdir -p "$WORK"
dotnet build src/Bert.Gpu.Cli -c Release -nologo -v:q -o "$WORK/cli" >/dev/null
# Every non-empty line of every fortune file (those without an extension), in name order.
find "$FORTUNES" -maxdepth 1 -type f ! -name '*.*' | sort | xargs grep -hav '^%$' | grep -av '^[[:space:]]*$' \
    | iconv -f utf-8 -t utf-8 -c > "$WORK/lines.txt"

echo "| lines | format | peak RSS (MB) | tokens/s | seconds |"
echo "|---:|---|---:|---:|---:|"
for n in "${COUNTS[@]}"; do
    input="$WORK/in-$n.txt"
    awk -v n="$n" '{ line[NR] = $0 } END { for (i = 0; i < n; i++) print line[i % NR + 1] }' "$WORK/lines.txt" > "$input"
    for format in $FORMATS; do
        out="$WORK/out-$n.$format"
        /usr/bin/time -f '%M' -o "$WORK/rss" dotnet "$WORK/cli/Bert.Gpu.Cli.dll" embed --input "$input" --output "$out" \
            --model "$MODEL" --device "$DEVICE" --overwrite --stats-json "$WORK/stats.json" 2>"$WORK/err" \
            || { cat "$WORK/err" >&2; exit 1; }
        python3 - "$n" "$format" "$(cat "$WORK/rss")" "$WORK/stats.json" <<'PY'
import json, sys
n, fmt, rss_kb, stats = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.load(open(sys.argv[4]))
print(f"| {int(n):,} | {fmt} | {rss_kb / 1024:.0f} | {stats['tokens_per_second']:,.0f} | {stats['seconds']:.0f} |")
PY
        rm -f "$out"
    done
done
