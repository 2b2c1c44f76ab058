#!/usr/bin/env bash
# The ablation loop of issue 7: each variant of local/ablation/ablation.yaml is the whole mix recipe (stages 0-5)
# with a few conf keys changed, run in its own directory <root>/<variant>/ (its own data/, exp/ and
# conf/; the code is linked), then one table over all variants.
set -euo pipefail

config=local/ablation/ablation.yaml    # the variants: {name: {conf file: {key: value}}}
variants=                    # which to run (default: all, in the file's order)
root=exp/ablation            # <root>/<variant>/ per variant; <root>/ablation.md is the table
speech_dir=                  # passed to ./run.sh --corpus mix
noise_dir=
ami_dir=                     # real meetings with human RTTM: the dev part selects, the test part reports
seeds=                       # e.g. "1 2 3": each variant trained once per seed (mean ± sd in the table)
jobs=2                       # variants run at once (each uses one thread)

help_message="Usage: local/ablation/run_ablation.sh [options] --speech-dir DIR --noise-dir DIR --ami-dir DIR
Runs ./run.sh --corpus mix (all stages) once per variant of --config in <root>/<variant>/, --jobs at a
time, skipping finished work (run.sh is resumable), then writes the table <root>/ablation.md
(local/ablation/ablation.py table). Logs: <root>/<variant>/run.log.
Options (default):
  --config FILE      ($config)
  --variants \"A B\"   (all of --config)
  --root DIR         ($root)
  --speech-dir DIR, --noise-dir DIR, --ami-dir DIR   (required)
  --seeds \"1 2 3\"    train each variant with each seed (default: the conf's seed)
  --jobs N           ($jobs)
e.g.: local/ablation/run_ablation.sh --speech-dir ../shared/corpora/speech --noise-dir ../shared/corpora/noise \\
        --ami-dir ../shared/corpora/dev_rttm --variants \"energy fill300\""

. utils/parse_options.sh
if [ $# -ne 0 ] || [ -z "$speech_dir" ] || [ -z "$noise_dir" ] || [ -z "$ami_dir" ]; then
  echo "$help_message" >&2
  exit 1
fi
utils/setup_venv.sh requirements.txt
. ./path.sh

log() { echo "$(date '+%F %T') ($(basename "$0"):${BASH_LINENO[0]}) $*"; }

recipe=$(pwd)
speech_dir=$(readlink -f "$speech_dir"); noise_dir=$(readlink -f "$noise_dir"); ami_dir=$(readlink -f "$ami_dir")
if [ -z "$variants" ]; then
  variants=$(local/ablation/ablation.py --config "$config" list)
fi

run_variant() {             # <variant>: conf, links, then the recipe in <root>/<variant>/
  local v=$1 dir=$root/$1
  mkdir -p "$dir"
  local/ablation/ablation.py --config "$config" conf "$v" "$dir/conf" || return 1
  for f in run.sh path.sh cmd.sh local steps utils vadkit requirements.txt .venv; do
    ln -sfn "$recipe/$f" "$dir/$f" || return 1
  done
  local opts
  opts=$(local/ablation/ablation.py --config "$config" options "$v") || return 1
  (cd "$dir" && ./run.sh $opts --corpus mix --speech-dir "$speech_dir" --noise-dir "$noise_dir" \
     --ami-dir "$ami_dir" --model "$v" ${seeds:+--seeds "$seeds"} --nj 1) > "$dir/run.log" 2>&1
}

for v in $variants; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  log "variant $v -> $root/$v (log: $root/$v/run.log)"
  rm -f "$root/$v/FAILED"
  { run_variant "$v" || { touch "$root/$v/FAILED"; log "variant $v failed: see $root/$v/run.log"; }; } &
done
wait
failed=
for v in $variants; do
  if [ -f "$root/$v/FAILED" ]; then failed="$failed $v"; fi
done
log "table of every trained variant -> $root/ablation.md"
local/ablation/ablation.py --config "$config" table "$root"
if [ -n "$failed" ]; then
  echo "run_ablation.sh: failed variants:$failed" >&2
  exit 1
fi
