#!/usr/bin/env bash
# Train several models at once: one job per exp dir through --cmd, all submitted together; wait for all.
set -euo pipefail

config=                    # model config of every exp dir, or one per exp dir: "conf/lstm.yaml conf/blstm.yaml"
seed=                      # train.seed of every exp dir, or one per exp dir: "1 2" (empty: each config's)
cmd=utils/run_local.sh     # job launcher (cmd.sh's train_cmd)
nproc=                     # DDP processes per training (default: the --gpus N of --cmd, else 1)
overwrite=false            # true: start over, dropping checkpoints

help_message="Usage: steps/train.sh [options] --config <model.yaml> <train-dir> <dev-dir> <exp-dir> [<exp-dir> ...]
Trains a model into each <exp-dir> with steps/train.py (--config and --seed: the one given, or the one at the
same place in the list), each as its own job through --cmd, all running at once; waits for every job and
exits 1 naming each training that failed. Writes <exp-dir>/final.pt and the rest of exp/<model>/ (README);
log: <exp-dir>/log/train.log. A training resumes from its last checkpoint, so re-running (or a requeued
cluster job) continues it. With N > 1 processes a training runs under torchrun (DDP: one process per GPU,
or gloo on CPU).
e.g.: steps/train.sh --config \"conf/lstm.yaml conf/blstm.yaml\" data/train data/dev exp/lstm exp/blstm
      steps/train.sh --config conf/lstm.yaml --seed \"1 2\" data/train data/dev exp/lstm_seed1 exp/lstm_seed2
Options (default):
  --config \"F ...\"  model config of every <exp-dir>, or one per <exp-dir> (required)
  --seed \"K ...\"    train.seed of every <exp-dir>, or one per <exp-dir> (default: each config's own)
  --cmd CMD         job launcher ($cmd)
  --nproc N         DDP processes per training (default: the --gpus N (or --gpu N) of --cmd, else 1)
  --overwrite B     true to start over ($overwrite)"
nargs=3+

. utils/parse_options.sh
train=$1
dev=$2
shift 2
exps=("$@")
read -r -a confs <<<"$config"
read -r -a seeds <<<"$seed"
if ((${#confs[@]} == 0 || (${#confs[@]} > 1 && ${#confs[@]} != ${#exps[@]}))); then
  echo "train.sh: --config takes one model config or one per exp dir (${#exps[@]}), not ${#confs[@]}" \
    "(the old form <exp-root> <model>... is gone: give --config and the exp dirs)" >&2
  exit 1
fi
if ((${#seeds[@]} > 1 && ${#seeds[@]} != ${#exps[@]})); then
  echo "train.sh: --seed takes one seed or one per exp dir (${#exps[@]}), not ${#seeds[@]}" >&2
  exit 1
fi
for c in "${confs[@]}"; do
  if [ ! -f "$c" ]; then
    echo "train.sh: $c not found: add it or drop its model" >&2
    exit 1
  fi
done
for k in "${seeds[@]}"; do
  if [[ ! $k =~ ^[0-9]+$ ]]; then
    echo "train.sh: --seed takes integers, not '$k'" >&2
    exit 1
  fi
done

# The GPUs a job asks for (--gpus N in cmd.sh's train_cmd) are the processes it runs.
if [ -z "$nproc" ]; then
  nproc=1
  read -r -a words <<<"$cmd"
  for ((i = 1; i + 1 < ${#words[@]}; i++)); do
    if [[ ${words[i]} == --gpus || ${words[i]} == --gpu ]] && ((words[i + 1] > 1)); then
      nproc=${words[i + 1]}
    fi
  done
fi
if [[ ! $nproc =~ ^[1-9][0-9]*$ ]]; then
  echo "train.sh: --nproc takes a positive integer, not '$nproc'" >&2
  exit 1
fi
run=steps/train.py
if ((nproc > 1)); then
  run="torchrun --standalone --nproc-per-node $nproc steps/train.py"
fi
# Side by side on this machine, the trainings share its cores (a cluster job gets its own).
if [[ $cmd == *run_local.sh* && -z ${OMP_NUM_THREADS:-} ]]; then
  share=$(($(nproc) / (${#exps[@]} * nproc)))
  export OMP_NUM_THREADS=$((share > 0 ? share : 1))
fi

declare -A pid_of=()
stop() {
  trap - INT TERM
  for e in "${!pid_of[@]}"; do
    kill -TERM "${pid_of[$e]}" 2>/dev/null || true
  done
  wait || true
  echo "train.sh: interrupted, stopped the trainings" >&2
  exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM
for i in "${!exps[@]}"; do
  e=${exps[i]}
  k=${seeds[i]:-${seeds[0]:-}}
  $cmd "$e/log/train.log" $run --config "${confs[i]:-${confs[0]}}" ${k:+--seed "$k"} --overwrite "$overwrite" \
    "$train" "$dev" "$e" &
  pid_of[$e]=$!
done
failed=()
for e in "${exps[@]}"; do
  if ! wait "${pid_of[$e]}"; then
    failed+=("$e")
  fi
done
trap - INT TERM
if ((${#failed[@]} > 0)); then
  logs=$(printf '%s/log/train.log, ' "${failed[@]}")
  echo "train.sh: training failed for ${#failed[@]} of ${#exps[@]} models: ${failed[*]##*/} (logs: ${logs%, })" >&2
  exit 1
fi
