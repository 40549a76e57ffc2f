#!/usr/bin/env bash
# The GPU figures in ONE call of the device tool, from the repository root:
#
#   run(command="bash bench/gpu_run.sh", timeout_s=540)      # carry: nothing
#
# The machine has PyTorch, transformers, accelerate, tokenizers and pillow but no runpod and no
# network: the benchmark needs none of them (full-size random weights from the copied config, a
# locally built tokenizer, base64 jobs through the real worker). Steps, most important first,
# each skipped when the time left (BENCH_BUDGET_S, default 450 s from the start) is too short,
# and each stopped by `timeout -k` at what is left:
#   1. fp16, every mode: baseline, batched 1..32 until out-of-memory, 5-frame jobs (~4 min)
#   2. bf16, batched at 1 and 16 only, against step 1's fp16 rows (~1.5 min)
#   3. fp16 with a static cache (compiled decoding step), batched at 16 only (~3 min)
# Every step writes its JSON straight into $OUT, atomically after every mode it measures, so
# what a step measured comes back even when the call is cut off. Commit them under
# bench/results/ from there.
#
# Dry run on a CPU, with the real architecture at real widths and one layer per tower (names
# say "-1-layers", so they never pass for GPU figures; $OUT defaults to bench/results/local-run):
#   BENCH_ARGS="--layers 1 --dtype float32 --new-tokens 2 --frames 1 --batch-sizes 1,2 --jobs 1 --frames-per-job 2" \
#     PYTHON=.venv/bin/python bash bench/gpu_run.sh
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1
python=${PYTHON:-python3}
out=${OUT:-bench/results/local-run}
budget=${BENCH_BUDGET_S:-450}
log="$out/gpu_run.log"
mkdir -p "$out"
started=$SECONDS

device=$("$python" -c 'import torch; print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu")')
name=$(echo "$device" | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9]+/-/g; s/^-|-$//g')
variant=$(echo "${BENCH_ARGS:-}" | grep -oE -- '--layers [0-9]+' | awk '{print "-" $2 "-layers"}')

step() { # step NAME SUFFIX SECONDS-IT-NEEDS ARGS...: `python -m bench ARGS` if the time left allows
  local step_name=$1 suffix=$2 needs=$3 left
  shift 3
  left=$((budget - (SECONDS - started)))
  if ((left < needs)); then
    echo "== $step_name skipped: ${left} s left, it needs about ${needs} s" | tee -a "$log"
    return
  fi
  echo "== $step_name: python -m bench $* (${left} s left)" | tee -a "$log"
  # shellcheck disable=SC2086  # BENCH_ARGS is a list of extra options on purpose
  timeout -k 10 "$left" "$python" -m bench "$@" ${BENCH_ARGS:-} \
    --output "$out/${name}${variant}${suffix}.json" 2>&1 | tee -a "$log"
  echo "== $step_name finished with status ${PIPESTATUS[0]} after $((SECONDS - started)) s" | tee -a "$log"
}

{
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv
  "$python" -c 'import sys, torch, transformers; print(sys.version.split()[0], torch.__version__, torch.version.cuda, transformers.__version__)'
} 2>&1 | tee -a "$log"

step fp16 "" 0 --model full --dtype float16
step bf16 -bfloat16 90 --model full --dtype bfloat16 --modes batched --batch-sizes 1,16
step static-cache -static-cache 200 --model full --dtype float16 --static-cache --modes batched --batch-sizes 16

ls -l "$out"
