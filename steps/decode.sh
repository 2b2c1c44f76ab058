#!/usr/bin/env bash
# Decode a data dir with a trained model: --nj jobs through --cmd, then merge (probs, hyp.rttm).
set -euo pipefail

config=conf/decode.yaml    # post-processing config
nj=1                       # parallel jobs (recordings stay whole)
cmd=utils/run_local.sh     # job launcher (cmd.sh's decode_cmd)
overwrite=false            # true: decode again even if up to date

help_message="Usage: steps/decode.sh [options] <model-dir> <data-dir> <decode-dir>
Decodes <data-dir> with <model-dir>/final.pt in --nj jobs of steps/decode.py, then merges them: writes
<decode-dir>/probs.{ark,scp} (or probs.h5), decode.yaml and hyp.rttm (last). Logs:
<model-dir>/log/<decode-dir name>.JOB.log, .merge.log. Refuses to start while another decode of
<decode-dir> runs (the lock: <decode-dir>/.lock).
e.g.: steps/decode.sh --config conf/decode.yaml --nj 2 exp/blstm data/test exp/blstm/decode_test
Options (default):
  --config FILE     post-processing config ($config)
  --nj N            parallel jobs ($nj)
  --cmd CMD         job launcher ($cmd)
  --overwrite B     true to decode again ($overwrite)"
nargs=3
old_first_arg=config

. utils/parse_options.sh
model=$1
data=$2
dir=$3
name=$(basename "$dir")

# One decode per decode dir at a time: fd 9 holds the lock (vadkit.io.dir_lock's) until this script and
# its jobs end, however they end.
mkdir -p "$dir"
exec 9>>"$dir/.lock"
rc=0
flock -n -E 99 9 || rc=$?
if ((rc == 99)); then
  echo "decode.sh: $dir is in use by another run ($(cat "$dir/.lock")); wait for it to finish or stop it," \
    "then run again" >&2
  exit 1
elif ((rc != 0)); then   # a file system without locks (some network mounts): run, unguarded
  echo "decode.sh: cannot lock $dir/.lock; not guarded against a second decode at once" >&2
fi
echo "pid $$ on $(uname -n), started $(date '+%F %T'), steps/decode.sh" >"$dir/.lock"
$cmd JOB=1:"$nj" "$model/log/$name.JOB.log" \
  steps/decode.py --config "$config" --overwrite "$overwrite" --nj "$nj" --job JOB "$model" "$data" "$dir"
$cmd "$model/log/$name.merge.log" \
  steps/decode.py --config "$config" --nj "$nj" --merge true "$model" "$data" "$dir"
