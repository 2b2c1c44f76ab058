#!/usr/bin/env bash
# Decode a data dir with a trained model: --nj jobs through --cmd, then merge (probs, hyp.rttm).
set -euo pipefail

nj=1                       # parallel jobs (recordings stay whole)
cmd=utils/run_local.sh     # job launcher (cmd.sh's decode_cmd)
overwrite=false            # true: decode again even if up to date

help_message="Usage: steps/decode.sh [options] <decode.yaml> <model-dir> <data-dir> <decode-dir>
Writes <decode-dir>/probs.{ark,scp} (or probs.h5), decode.yaml and hyp.rttm; logs in <model-dir>/log/.
e.g.: steps/decode.sh --nj 2 conf/decode.yaml exp/blstm data/test exp/blstm/decode_test
Options:
  --nj N            parallel jobs (default $nj)
  --cmd CMD         job launcher (default $cmd)
  --overwrite B     true to decode again (default $overwrite)"

. utils/parse_options.sh
if [ $# -ne 4 ]; then
  echo "$help_message" >&2
  exit 1
fi
conf=$1
model=$2
data=$3
dir=$4
name=$(basename "$dir")

$cmd JOB=1:"$nj" "$model/log/$name.JOB.log" \
  steps/decode.py --config "$conf" --overwrite "$overwrite" --nj "$nj" --job JOB "$model" "$data" "$dir"
$cmd "$model/log/$name.merge.log" \
  steps/decode.py --config "$conf" --nj "$nj" --merge "$model" "$data" "$dir"
