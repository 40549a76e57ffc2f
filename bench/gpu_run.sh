#!/usr/bin/env bash
# The GPU figures in ONE call of the device tool, from the repository root:
#
#   run(command="bash bench/gpu_run.sh", timeout_s=540)      # carry: nothing
#
# The machine has PyTorch, torchvision, transformers, accelerate, tokenizers and pillow but no
# runpod and no network: the benchmark needs none of them (full-size random weights from the
# configs in bench/configs/, locally built tokenizers, base64 jobs through the real worker). Its
# transformers must know every family (the project pins 5.24; Molmo 2 is recent): if it is older,
# carry the wheels as the device README says. Steps, most important first, each skipped when the
# time left (BENCH_BUDGET_S, default 450 s from the start) is too short, and each stopped by
# `timeout -k` at what is left:
#   1. LLaVA-NeXT (the default model), fp16, every mode: baseline, batched 1..32 until
#      out-of-memory, 5-frame jobs, fields beside text at the best batch size (~4.5 min)
#   2. LLaVA-NeXT bf16, batched at 1 and 16 only, against step 1's fp16 rows (~1.5 min)
#   3. LLaVA-NeXT fp16 with a static cache (compiled decoding step), batched at 16 only (~3 min)
#   4. families side by side, if at least 150 s are left: Qwen3-VL, Molmo 2 and Gemma 3, one
#      process each in its own dtype, batched at 8 with 150 new tokens (~40 s each), to set
#      beside step 1's batch-8 row
# BENCH_STEPS (default "fp16 bf16 static-cache families") runs a subset, e.g. BENCH_STEPS=families
# for the family comparison alone. Every step writes its JSON straight into $OUT, atomically
# after every mode it measures, so what a step measured comes back even when the call is cut off:
# <device>-<family>[-step].json, as the benchmark names its own. Commit them under bench/results/
# from there.
#
# Dry run on a CPU, with the real architectures at real widths and one layer per tower (names
# say "-1-layers", so they never pass for GPU figures; $OUT defaults to bench/results/local-run):
#   BENCH_ARGS="--layers 1 --dtype float32 --new-tokens 2 --frames 1 --batch-sizes 1,2 --jobs 1 --frames-per-job 2" \
#     PYTHON=.venv/bin/python bash bench/gpu_run.sh
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1
python=${PYTHON:-python3}
out=${OUT:-bench/results/local-run}
budget=${BENCH_BUDGET_S:-450}
steps=" ${BENCH_STEPS:-fp16 bf16 static-cache families} "
log="$out/gpu_run.log"
mkdir -p "$out"
started=$SECONDS

device=$("$python" -c 'import torch; print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu")')
name=$(echo "$device" | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9]+/-/g; s/^-|-$//g')
variant=$(echo "${BENCH_ARGS:-}" | grep -oE -- '--layers [0-9]+' | awk '{print "-" $2 "-layers"}')

left() { echo $((budget - (SECONDS - started))); }

# [cap=S] step NAME MODEL SUFFIX SECONDS-IT-NEEDS ARGS...: `python -m bench --model MODEL ARGS`
# into <device>-<model>[-N-layers]SUFFIX.json, if the time left allows. Each step names its own
# file, so a dry run's BENCH_ARGS (which win over a step's --dtype) cannot make two steps share one.
step() {
  local step_name=$1 model=$2 suffix=$3 needs=$4 left limit
  shift 4
  left=$(left)
  if ((left < needs)); then
    echo "== $step_name skipped: ${left} s left, it needs about ${needs} s" | tee -a "$log"
    return
  fi
  limit=$left
  if ((${cap:-0} > 0 && cap < left)); then limit=$cap; fi
  echo "== $step_name: python -m bench --model $model $* (${left} s left, at most ${limit} s)" | tee -a "$log"
  # shellcheck disable=SC2086  # BENCH_ARGS is a list of extra options on purpose
  timeout -k 10 "$limit" "$python" -m bench --model "$model" "$@" ${BENCH_ARGS:-} \
    --output "$out/${name}-${model//_/-}${variant}${suffix}.json" 2>&1 | tee -a "$log"
  echo "== $step_name finished with status ${PIPESTATUS[0]} after $((SECONDS - started)) s" | tee -a "$log"
}

chosen() { [[ $steps == *" $1 "* ]]; }

{
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv
  "$python" -c 'import sys, torch, transformers; print(sys.version.split()[0], torch.__version__, torch.version.cuda, transformers.__version__)'
} 2>&1 | tee -a "$log"

chosen fp16 && step fp16 llava_next "" 0 --dtype float16
chosen bf16 && step bf16 llava_next -bfloat16 90 --dtype bfloat16 --modes batched --batch-sizes 1,16
chosen static-cache && step static-cache llava_next -static-cache 200 --dtype float16 --static-cache \
  --modes batched --batch-sizes 16
if chosen families; then
  if (($(left) < 150)); then
    echo "== families skipped: $(left) s left, they need about 150 s" | tee -a "$log"
  else
    for family in qwen3_vl molmo2 gemma3; do
      # One family that hangs must not cost the others their turn.
      cap=100 step "$family" "$family" "" 30 --modes batched --batch-sizes 8 --new-tokens 150
    done
  fi
fi

ls -l "$out"
