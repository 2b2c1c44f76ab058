#!/usr/bin/env bash
# Cache features and frame labels of a data dir with --nj jobs through --cmd, then merge them.
set -euo pipefail

nj=1                       # parallel jobs (recordings stay whole)
cmd=utils/run_local.sh     # job launcher (cmd.sh's feats_cmd)
format=ark                 # ark (Kaldi ark/scp via kaldiio) or hdf5 (one feats.h5 via h5py)
overwrite=false            # true: recompute even if up to date

help_message="Usage: steps/make_feats.sh [options] <features.yaml> <data-dir>
Caches features + frame labels in <data-dir> (feats.scp/labels.scp or feats.h5, cmvn.json, feats.yaml).
e.g.: steps/make_feats.sh --nj 2 --format ark conf/features.yaml data/train
Options:
  --nj N            parallel jobs (default $nj)
  --cmd CMD         job launcher (default $cmd)
  --format F        ark or hdf5 (default $format)
  --overwrite B     true to recompute (default $overwrite)"

. utils/parse_options.sh
if [ $# -ne 2 ]; then
  echo "$help_message" >&2
  exit 1
fi
conf=$1
data=$2

$cmd JOB=1:"$nj" "$data/log/make_feats.JOB.log" \
  steps/make_feats.py --config "$conf" --format "$format" --overwrite "$overwrite" --nj "$nj" --job JOB "$data"
$cmd "$data/log/merge_feats.log" \
  steps/make_feats.py --config "$conf" --format "$format" --nj "$nj" --merge "$data"
