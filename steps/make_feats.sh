#!/usr/bin/env bash
# Cache features and frame labels of a data dir with --nj jobs through --cmd, then merge them.
set -euo pipefail

config=conf/features.yaml  # feature config
feat_format=ark            # ark (Kaldi ark/scp via kaldiio) or hdf5 (one feats.h5 via h5py)
nj=1                       # parallel jobs (recordings stay whole)
cmd=utils/run_local.sh     # job launcher (cmd.sh's feats_cmd)
overwrite=false            # true: recompute even if up to date

help_message="Usage: steps/make_feats.sh [options] <data-dir>
Caches the features and frame labels of <data-dir> in it: feats.scp+labels.scp (or feats.h5), cmvn.json
and feats.yaml (last), with --nj jobs of steps/make_feats.py. Logs: <data-dir>/log/make_feats.JOB.log,
merge_feats.log.
e.g.: steps/make_feats.sh --config conf/features.yaml --nj 2 --feat-format ark data/train
Options (default):
  --config FILE     feature config ($config)
  --feat-format F   ark or hdf5 ($feat_format)
  --nj N            parallel jobs ($nj)
  --cmd CMD         job launcher ($cmd)
  --overwrite B     true to recompute ($overwrite)"
nargs=1
renamed_options="--format:--feat-format"
old_first_arg=config

. utils/parse_options.sh
data=$1

$cmd JOB=1:"$nj" "$data/log/make_feats.JOB.log" steps/make_feats.py --config "$config" \
  --feat-format "$feat_format" --overwrite "$overwrite" --nj "$nj" --job JOB "$data"
$cmd "$data/log/merge_feats.log" steps/make_feats.py --config "$config" \
  --feat-format "$feat_format" --nj "$nj" --merge true "$data"
