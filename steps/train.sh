#!/usr/bin/env bash
# Train several models at once: one job per model through --cmd, all submitted together; wait for all.
set -euo pipefail

cmd=utils/run_local.sh     # job launcher (cmd.sh's train_cmd)
nproc=                     # DDP processes per training (default: the --gpus N of --cmd, else 1)
conf_dir=conf              # model configs: <conf-dir>/<model>.yaml
seeds=                     # e.g. "1 2 3": each model once per seed, into <exp-root>/<model>_seed<k>/
overwrite=false            # true: start over, dropping checkpoints

help_message="Usage: steps/train.sh [options] <train-dir> <dev-dir> <exp-root> <model> [<model> ...]
Trains each <conf-dir>/<model>.yaml into <exp-root>/<model>/ (with --seeds, <exp-root>/<model>_seed<k>/) (log: <exp-root>/<model>/log/train.log) as its own
job, all running at once; waits for every job and exits 1 naming each model whose training failed. A
training resumes from its last checkpoint, so re-running (or a requeued cluster job) continues it.
With N > 1 processes a training runs under torchrun (DDP: one process per GPU, or gloo on CPU).
e.g.: steps/train.sh --cmd utils/run_local.sh data/train data/dev exp lstm blstm lstm2
Options:
  --cmd CMD         job launcher (default $cmd)
  --nproc N         DDP processes per training (default: the --gpus N (or --gpu N) of --cmd, else 1)
  --conf-dir DIR    where <model>.yaml are (default $conf_dir)
  --seeds \"1 2 3\"   train each model once per seed, overriding its train.seed (default: the conf's seed)
  --overwrite B     true to start over (default $overwrite)"

. utils/parse_options.sh
if [ $# -lt 4 ]; then
  echo "$help_message" >&2
  exit 1
fi
train=$1
dev=$2
exp=$3
shift 3
models=("$@")
for m in "${models[@]}"; do
  if [ ! -f "$conf_dir/$m.yaml" ]; then
    echo "train.sh: $conf_dir/$m.yaml not found: add it or drop '$m' from the models" >&2
    exit 1
  fi
done

names=()                   # one training per (model, seed): exp dir name, config, seed option
confs=()
seed_opts=()
for m in "${models[@]}"; do
  for k in ${seeds:-conf}; do
    if [ "$k" = conf ]; then
      names+=("$m")
      seed_opts+=("")
    elif [[ $k =~ ^[0-9]+$ ]]; then
      names+=("${m}_seed$k")
      seed_opts+=("--seed $k")
    else
      echo "train.sh: --seeds takes integers, not '$k'" >&2
      exit 1
    fi
    confs+=("$m")
  done
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
  share=$(($(nproc) / (${#names[@]} * nproc)))
  export OMP_NUM_THREADS=$((share > 0 ? share : 1))
fi

declare -A pid_of=()
stop() {
  trap - INT TERM
  for m in "${!pid_of[@]}"; do
    kill -TERM "${pid_of[$m]}" 2>/dev/null || true
  done
  wait || true
  echo "train.sh: interrupted, stopped the trainings" >&2
  exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM
for i in "${!names[@]}"; do
  m=${names[i]}
  $cmd "$exp/$m/log/train.log" \
    $run --config "$conf_dir/${confs[i]}.yaml" ${seed_opts[i]} --overwrite "$overwrite" "$train" "$dev" "$exp/$m" &
  pid_of[$m]=$!
done
failed=()
for m in "${names[@]}"; do
  if ! wait "${pid_of[$m]}"; then
    failed+=("$m")
  fi
done
trap - INT TERM
if ((${#failed[@]} > 0)); then
  logs=$(printf "$exp/%s/log/train.log, " "${failed[@]}")
  echo "train.sh: training failed for ${#failed[@]} of ${#names[@]} models: ${failed[*]} (logs: ${logs%, })" >&2
  exit 1
fi
