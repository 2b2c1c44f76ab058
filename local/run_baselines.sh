#!/usr/bin/env bash
# Public VADs on the recipe's sets, in our models' layout: exp/baseline_<name>/decode_<set>/ + scoring.
set -euo pipefail

baselines="energy webrtc0 webrtc1 webrtc2 webrtc3 silero ten"  # vadkit/baselines.py NAMES
sets="dev_noise dev_noise_tel dev test ami_dev ami_test ami_dev_tel ami_test_tel builtin_dev builtin_test"  # data/<set> with a feature cache (stage 2); absent sets are skipped
config=conf/decode.yaml               # post-processing: the same as our models
baseline_config=conf/baselines.yaml
overwrite=false                       # true: decode again even if up to date

help_message="Usage: local/run_baselines.sh [options]
Decodes data/<set> with each installed public VAD into exp/baseline_<name>/decode_<set>/ (probs,
hyp.rttm, as our models), scores it with steps/score.py, then prints local/score.py exp/baseline_*.
Optional packages: pip install -r requirements-baselines.txt (TEN VAD also needs Debian's libc++1);
a baseline whose package is missing is skipped with the reason.
Logs: exp/baseline_<name>/log/decode_<set>.log, score_<set>.log.
e.g.: local/run_baselines.sh --baselines \"silero webrtc3\" --sets \"dev test\"
Options (default):
  --baselines \"A B\"        ($baselines)
  --sets \"A B\"             ($sets)
  --config FILE            post-processing ($config)
  --baseline-config FILE   the baselines' settings ($baseline_config)
  --overwrite B            ($overwrite)"
nargs=0
renamed_options="--decode-config:--config"

. ./cmd.sh
. utils/parse_options.sh
utils/setup_venv.sh requirements.txt
. ./path.sh

log() { echo "$(date '+%F %T') ($(basename "$0"):${BASH_LINENO[0]}) $*"; }

todo_sets=
for s in $sets; do
  if [ -f "data/$s/feats.yaml" ]; then
    todo_sets="$todo_sets $s"
  else
    log "skipping data/$s: no feature cache (run ./run.sh --stop-stage 2, with --ami-dir for ami_*)"
  fi
done
if [ -z "$todo_sets" ]; then
  echo "run_baselines.sh: none of the sets ($sets) is prepared" >&2
  exit 1
fi

done_dirs=
for b in $baselines; do
  if ! why=$(local/decode_baseline.py --check true "$b" 2>&1 >/dev/null); then
    log "skipping $b: ${why##*error: }"
    continue
  fi
  dir=exp/baseline_$b
  for s in $todo_sets; do
    log "baseline $b: data/$s -> $dir/decode_$s"
    $decode_cmd "$dir/log/decode_$s.log" local/decode_baseline.py --config "$config" \
      --baseline-config "$baseline_config" --overwrite "$overwrite" "$b" "data/$s" "$dir/decode_$s"
    case $s in dev_noise | dev_noise_tel) continue ;; esac   # noise alone: it tunes the others, nothing to score
    tune=$(utils/tune_set.sh "$s" $todo_sets)   # thresholds: the same corpus' dev set (decoded first), never test
    noise=$(utils/tune_set.sh --noise "$s" $todo_sets)   # ... bounded by dev_noise(_tel), decoded first
    $decode_cmd "$dir/log/score_$s.log" steps/score.py --config conf/score.yaml \
      ${tune:+--tune-on "data/$tune" "$dir/decode_$tune"} ${noise:+--tune-noise "data/$noise" "$dir/decode_$noise"} \
      "data/$s" "$dir/decode_$s"
  done
  done_dirs="$done_dirs $dir"
done
if [ -z "$done_dirs" ]; then
  echo "run_baselines.sh: no baseline could run; $0 --help says what to install" >&2
  exit 1
fi
log "summary (local/score.py exp/* ranks them with the models)"
local/score.py $done_dirs
