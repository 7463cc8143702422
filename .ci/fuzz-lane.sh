#!/usr/bin/env bash
# Fuzz lane (docs/FUZZING.md): afl++ (Debian's afl++ package) drives the SharpFuzz harnesses of tests/Bert.Gpu.Fuzz over
# the tokenizer, the CLI's input readers and the model-file readers (the .qbert reader among them), each for a bounded time, starting from the
# committed seeds in tests/Bert.Gpu.Fuzz/corpus/TARGET. Any crash (an exception other than the reader's documented
# one, or a broken property) or hang fails the lane, printing the target, the input in base64 and the replayed stack.
#   BERT_GPU_FUZZ_SECONDS  seconds per target (default 25: 12 targets, about 6 minutes with the build on 2 cores)
#   BERT_GPU_FUZZ_TARGETS  space-separated subset of the targets (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

seconds=${BERT_GPU_FUZZ_SECONDS:-25}
targets=${BERT_GPU_FUZZ_TARGETS:-tokenizer lines jsonl csv safetensors pytorch onnx config tokenizer-json tokenizer-vocab tokenizer-pipeline qbert}
out=artifacts/fuzz
bin=$out/bin
harness=tests/Bert.Gpu.Fuzz

# Quiet when it works, everything when it does not.
quiet() { local log; if ! log=$("$@" 2>&1); then echo "$log"; echo "failed: $*"; exit 1; fi; }

echo "== fuzz: afl++ and the SharpFuzz instrumenter"
if ! command -v afl-fuzz >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends afl++ >/dev/null
fi
afl-fuzz -h 2>&1 | head -1 || true
quiet dotnet tool restore

echo "== fuzz: build and instrument (the copies under $bin; the solution's own build stays uninstrumented)"
rm -rf "$out"
mkdir -p "$out/findings"
quiet dotnet publish "$harness" -c Release -o "$bin" -nologo
# Only the code that reads untrusted bytes: coverage of the backends and the encoder would be noise to afl.
quiet dotnet sharpfuzz "$bin/Bert.Gpu.dll" Bert.Gpu.Tokenization Bert.Gpu.Weights Bert.Gpu.Model
quiet dotnet sharpfuzz "$bin/Bert.Gpu.Cli.dll" Bert.Gpu.Cli.Input
quiet dotnet sharpfuzz "$bin/Bert.Gpu.Quantization.dll" Bert.Gpu.Quantization.Files

# The harness writes each input for the path-taking readers here; afl ends targets with SIGKILL, so the lane cleans up.
if [ -d /dev/shm ]; then scratch=$(mktemp -d /dev/shm/bert-gpu-fuzz.XXXXXX); else scratch=$(mktemp -d); fi
trap 'rm -rf "$scratch"' EXIT
export BERT_GPU_FUZZ_SCRATCH=$scratch

# dotnet is not an afl-instrumented binary (SharpFuzz instruments the IL); no UI, no CPU pinning on shared cores;
# core dumps do not matter, the crash is SharpFuzz's report. A 512 MiB GC heap makes a runaway allocation an
# OutOfMemoryException, which afl saves as a crash, before it can take the machine's memory.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_FORKSRV_INIT_TMOUT=30000 DOTNET_GCHeapHardLimit=0x20000000

failed=0
summary=()
for target in $targets; do
  dict=()
  case $target in
    config|tokenizer-json|tokenizer-vocab|tokenizer-pipeline|safetensors|jsonl|qbert) dict=(-x "$harness/dictionaries/json.dict") ;;
    onnx) dict=(-x "$harness/dictionaries/onnx.dict") ;;
    pytorch) dict=(-x "$harness/dictionaries/pickle.dict") ;;
  esac
  findings=$out/findings/$target
  echo "== fuzz: $target for ${seconds}s"
  # -t 5000: a run over 5 s on an input of at most 1 MiB is a hang (a normal run takes well under a millisecond).
  fuzz() { ${BERT_GPU_AFL_FUZZ:-afl-fuzz} -i "$harness/corpus/$target" -o "$findings" -t 5000 -m none -V "$seconds" "${dict[@]}" \
      -- dotnet "$bin/Bert.Gpu.Fuzz.dll" "$target" >"$out/$target.log" 2>&1; }
  # Once in CI (2026-12-01, the first target right after instrumenting, 1 run in 4) afl++'s dry run of the first seed
  # reported "No instrumentation detected" and the same target ran cleanly when started again: that message, and only
  # it, gets one more start. A crash, a hang or any other refusal still fails the lane. (BERT_GPU_AFL_FUZZ names another
  # afl-fuzz, e.g. a wrapper that fails its first start, to try this path.)
  if ! fuzz && ! { grep -q "No instrumentation detected" "$out/$target.log" \
      && echo "== fuzz: $target: afl++ saw no instrumentation at its first start; starting it once more" \
      && rm -rf "$findings" && fuzz; }; then
    echo "afl-fuzz could not run $target:"
    sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$out/$target.log" | tail -25
    failed=1
    continue
  fi
  stats=$findings/default/fuzzer_stats
  stat() { awk -v k="$1" '$1 == k { print $3 }' "$stats"; }
  summary+=("$(printf '%-16s %9s execs %7s/s  %4s paths  %s crashes  %s hangs' "$target" "$(stat execs_done)" \
    "$(stat execs_per_sec)" "$(stat corpus_count)" "$(stat saved_crashes)" "$(stat saved_hangs)")")
  for kind in crashes hangs; do
    for input in "$findings/default/$kind"/id:*; do
      [ -e "$input" ] || continue
      failed=1
      echo "FUZZ ${kind%es} in $target: $input"
      echo "input (base64): $(base64 -w0 "$input")"
      if [ "$kind" = crashes ]; then
        dotnet "$bin/Bert.Gpu.Fuzz.dll" replay "$target" "$input" | grep -v "^base64:" | head -40 || true
      fi
    done
  done
done

echo "== fuzz: summary (${seconds}s a target)"
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
  echo "fuzz lane FAILED: see above; docs/FUZZING.md says how to turn an input into a regression test"
  exit 1
fi
echo "fuzz lane passed: no crash, no hang"
