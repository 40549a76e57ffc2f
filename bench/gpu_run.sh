#!/usr/bin/env bash
# Issue #4's GPU figures in ONE call of the device tool, from the repository root:
#
#   run(command="bash bench/gpu_run.sh", timeout_s=540)      # carry: nothing
#
# The machine has PyTorch, transformers, accelerate, tokenizers and pillow but no runpod and
# no network: the benchmark needs none of them (full-size random weights from the copied
# config, a locally built tokenizer). Steps, most important first, each skipped when the
# time left (BENCH_BUDGET_S, default 450 s from the start of this script) is too short:
#   1. fp16, every mode: baseline, batched 1..32 until out-of-memory, 5-frame jobs (~4 min)
#   2. bf16, batched at 1 and 16 only, against step 1's fp16 rows (~1.5 min)
#   3. fp16 with a static cache (compiled decoding step), batched at 16 only (~3 min)
# Results land in bench/results/<gpu>[-variant].json and, with the log, in $OUT (which the
# device tool brings back: at most 8 files). Commit the JSON files from there.
# BENCH_ARGS adds options to every step, e.g. a dry run of this script on a CPU, in a copy of
# the repository: BENCH_ARGS="--model tiny --dtype float32 --new-tokens 4 --jobs 2" PYTHON=python
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1
python=${PYTHON:-python3}
out=${OUT:-bench/results/gpu-run}
budget=${BENCH_BUDGET_S:-450}
log="$out/gpu_run.log"
mkdir -p "$out" bench/results
started=$SECONDS
since=$(mktemp) # results files newer than this one are this call's

step() { # step NAME SECONDS-IT-NEEDS ARGS...: run `python -m bench ARGS` if the time left allows it
  local name=$1 needs=$2 left
  shift 2
  left=$((budget - (SECONDS - started)))
  if ((left < needs)); then
    echo "== $name skipped: ${left} s left, it needs about ${needs} s" | tee -a "$log"
    return
  fi
  echo "== $name: python -m bench $* (${left} s left)" | tee -a "$log"
  # Each run rewrites its JSON after every mode, so a step cut off here keeps what it measured.
  # shellcheck disable=SC2086  # BENCH_ARGS is a list of extra options on purpose
  timeout "$left" "$python" -m bench "$@" ${BENCH_ARGS:-} 2>&1 | tee -a "$log"
  echo "== $name finished with status ${PIPESTATUS[0]} after $((SECONDS - started)) s" | tee -a "$log"
}

{
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv
  "$python" -c 'import sys, torch, transformers; print(sys.version.split()[0], torch.__version__, torch.version.cuda, transformers.__version__)'
} 2>&1 | tee -a "$log"

step fp16 0 --model full --dtype float16
step bf16 90 --model full --dtype bfloat16 --modes batched --batch-sizes 1,16
step static-cache 200 --model full --dtype float16 --static-cache --modes batched --batch-sizes 16

find bench/results -maxdepth 1 -name '*.json' -newer "$since" -exec cp {} "$out"/ \;
ls -l "$out"
