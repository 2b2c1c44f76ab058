#!/usr/bin/env bash
# LSTM voice activity detection: corpus -> data dirs -> features -> train -> decode -> score.
set -euo pipefail

stage=0                      # first stage to run
stop_stage=100               # last stage to run
models=                      # models to train, decode and score, one conf/<model>.yaml each (empty: the notebook's
                             # lstm blstm lstm2, and with --corpus mix or librimix also blstm60, the real-speech pick)
model=                       # one model only; overrides --models
seeds=                       # e.g. "1 2 3": train each model once per seed into exp/<model>_seed<k>/
ensemble=true                # with two or more --seeds: also exp/<model>_ens, the mean of the seeds' probabilities
corpus=builtin               # corpus: builtin (offline espeak-ng speech + noise), mix (--speech-dir, --noise-dir),
                             #   librimix (downloads mini LibriSpeech + MUSAN, or reads them from --mirror),
                             #   dir (your folders: --train-dir ...), mat (the notebook's .mat files: --mat-dir)
speech_dir=                  # --corpus mix: folder of clean speech utterances
noise_dir=                   # --corpus mix: folder of noise/music with no voices in it
mirror=                      # --corpus librimix: folder holding the archives (nothing is downloaded)
feat_format=ark              # feature cache: ark (Kaldi ark/scp, kaldiio) or hdf5 (h5py)
feat_conf=conf/features.yaml # feature config (e.g. conf/features_logmel.yaml, with a model conf to match)
nj=2                         # parallel jobs for features and decoding
overwrite=false              # true: redo finished work (features, training, decoding) of the stages run
ami_dir=                     # real meetings with human RTTM (e.g. ../shared/corpora/dev_rttm): also
                             # prepare, decode and score data/ami_dev and data/ami_test (empty: off)
valid_set=dev                # the set whose loss picks the epoch kept (final.pt): dev, or ami_dev (with
                             # --ami-dir: epochs selected on real meetings)
ami_telephone=mulaw          # with --ami-dir, also a telephone copy of the same meetings (300-3400 Hz, G.711
                             # mulaw or alaw): data/ami_{dev,test}_tel (none: off)
builtin_eval=false           # true: also decode and score the built-in corpus's dev and test sets (data/builtin_dev,
                             # builtin_test) with models trained on another corpus (stage 0 builds it if absent)
train_dir=                   # --corpus dir: folder of training audio + labels (local/prepare_dir.py)
dev_dir=                     # --corpus dir: folder of dev audio + labels (selects the epoch kept)
test_dir=                    # --corpus dir: folder of test audio + labels; alone: decoded and scored by
                             # already trained exp/<model>/ (no training)
label_format=auto            # --corpus dir: auto (detected per file) or rttm, segments, voz, audacity, csv, tsv, scv
mat_dir=                     # --corpus mat: folder with training_VAD.lst, valid_VAD.lst, audio_sample_test.{mat,wav}

help_message="Usage: ./run.sh [options]
Stages:
  0  corpus:    build the corpus (builtin: synthesized speech + noise; mix: real speech + noise from
               folders; librimix: download mini LibriSpeech + MUSAN, then mix) -> data/local/<corpus>/;
               dir and mat read existing files: nothing to build
  1  data prep: data/{train,dev,test}/ (wav.scp, reco2dur, rttm, ...), then validation
                (dir: local/prepare_dir.py per folder; mat: local/prepare_mat.py, features included);
                with --ami-dir also data/ami_{dev,test}/ and their telephone copies data/ami_{dev,test}_tel/
                (local/prepare_ami.py)
  2  features:  MFCC + deltas and frame labels -> data/<set>/feats.scp|feats.h5, cmvn.json
  3  train:     each model (concurrent jobs) -> exp/<model>/final.pt, history.json, curves.png
               (with --seeds: once per seed -> exp/<model>_seed<k>/, and their ensemble -> exp/<model>_ens/)
  4  decode:    dev and test (+ ami_*) -> exp/<model>/decode_<set>/ (probabilities, hyp.rttm)
  5  score:     exp/<model>/decode_<set>/scoring/metrics.json + figures (threshold also tuned on dev, or
               on ami_dev for ami_*); summary table; ROC/PR curves of every system -> exp/plots/curves_<set>.png
Options (default):
  --stage N          first stage ($stage)
  --stop-stage N     last stage ($stop_stage)
  --models \"A B\"     models (lstm blstm lstm2; mix and librimix: also blstm60)
  --model NAME       one model; overrides --models
  --seeds \"1 2 3\"    train each model with each seed into exp/<model>_seed<k>/ (default: the conf's seed)
  --ensemble B       with two or more seeds: also exp/<model>_ens, the mean of their probabilities ($ensemble)
  --corpus NAME      corpus: builtin, mix, librimix, dir or mat ($corpus)
  --speech-dir DIR   mix: clean speech utterances, e.g. ../shared/corpora/speech
  --noise-dir DIR    mix: noise and music without voices, e.g. ../shared/corpora/noise
  --mirror DIR       librimix: read dev-clean-2.tar.gz, train-clean-5.tar.gz, musan.tar.gz from DIR
  --feat-format F    ark or hdf5 ($feat_format)
  --feat-conf FILE   feature config ($feat_conf); its input size must match the models' input_dims
  --nj N             parallel jobs for stages 2 and 4 ($nj)
  --overwrite B      true: redo finished work ($overwrite)
  --ami-dir DIR      also evaluate on the AMI excerpts with RTTM under DIR (off)
  --valid-set SET    the set whose dev loss picks the epoch kept: dev or ami_dev ($valid_set)
  --ami-telephone C  with --ami-dir: telephone copy data/ami_*_tel with codec mulaw or alaw, or none ($ami_telephone)
  --builtin-eval B   true: also score on the built-in corpus's dev/test (data/builtin_{dev,test}) ($builtin_eval)
  --train-dir, --dev-dir, --test-dir DIR   --corpus dir: the three folders (--test-dir alone: evaluate only)
  --label-format F   --corpus dir: label format ($label_format)
  --mat-dir DIR      --corpus mat: the notebook's files
  --train-cmd, --decode-cmd, --feats-cmd CMD   job launchers (default from cmd.sh)
e.g.: ./run.sh --stage 3 --model blstm
      ./run.sh --corpus mix --speech-dir ../shared/corpora/speech --noise-dir ../shared/corpora/noise --model lstm
      ./run.sh --corpus dir --train-dir rec/train --dev-dir rec/dev --test-dir rec/test
      ./run.sh --stage 3 --models \"lstm blstm\" --seeds \"1 2 3\""

. ./cmd.sh
. utils/parse_options.sh
if [ $# -ne 0 ]; then
  echo "run.sh: unexpected argument '$1'" >&2
  echo "$help_message" >&2
  exit 1
fi
if [ "$corpus" = dir ] && { [ -z "$test_dir" ] || [ "${train_dir:+x}" != "${dev_dir:+x}" ]; }; then
  echo "run.sh: --corpus dir needs --test-dir, and --train-dir with --dev-dir (or neither: evaluate only)" >&2
  exit 1
fi
if [ ! -f "$feat_conf" ]; then
  echo "run.sh: --feat-conf $feat_conf: no such file (e.g. conf/features.yaml)" >&2
  exit 1
fi
if [ "$valid_set" != dev ] && [ "$valid_set" != ami_dev ]; then
  echo "run.sh: --valid-set must be dev or ami_dev (needs --ami-dir), not '$valid_set'" >&2
  exit 1
fi
if [ "$valid_set" = ami_dev ] && [ -z "$ami_dir" ]; then
  echo "run.sh: --valid-set ami_dev needs --ami-dir (the real meetings it comes from)" >&2
  exit 1
fi
if [ "$corpus" = mat ] && [ -z "$mat_dir" ]; then
  echo "run.sh: --corpus mat needs --mat-dir (the folder with training_VAD.lst, valid_VAD.lst, ...)" >&2
  exit 1
fi
utils/setup_venv.sh requirements.txt
. ./path.sh

if [ -n "$model" ]; then
  models=$model
elif [ -z "$models" ]; then
  models="lstm blstm lstm2"
  case $corpus in mix|librimix) models="$models blstm60" ;; esac   # the ablation's pick for real speech (README)
fi
sets="train dev test"
eval_sets="dev test"         # decoded and scored
train=true
if [ "$corpus" = dir ] && [ -z "$train_dir" ]; then
  sets=test                  # a test folder alone: decoded and scored with models trained before
  eval_sets=test
  train=false
fi
corpus_sets=$sets
ami_sets=
if [ -n "$ami_dir" ]; then
  ami_sets="ami_dev ami_test"
  [ "$ami_telephone" = none ] || ami_sets="$ami_sets ami_dev_tel ami_test_tel"
  sets="$sets $ami_sets"
  eval_sets="$eval_sets $ami_sets"
fi
builtin_sets=                 # --builtin-eval: the built-in corpus's sets (not when it is the corpus trained on)
if [ "$builtin_eval" = true ] && [ "$corpus" != builtin ]; then
  builtin_sets="builtin_dev builtin_test"
  sets="$sets $builtin_sets"
  eval_sets="$eval_sets $builtin_sets"
fi
feat_sets=$sets              # stage 2; --corpus mat caches its sets' features in stage 1
if [ "$corpus" = mat ]; then
  feat_sets=${sets#train dev test}
fi
exps=                        # exp/<name> of every (model, seed), then the ensembles
ens_models=                  # models whose seeds are combined into exp/<model>_ens
for m in $models; do
  for k in ${seeds:-conf}; do
    if [ "$k" = conf ]; then exps="$exps $m"; else exps="$exps ${m}_seed$k"; fi
  done
  if [ "$ensemble" = true ] && [ "$(wc -w <<< "$seeds")" -ge 2 ]; then
    ens_models="$ens_models $m"
  fi
done
for m in $ens_models; do exps="$exps ${m}_ens"; done
corpus_dir=data/local/$corpus
downloads=data/local/downloads   # --corpus librimix: archives and what is extracted from them

log() { echo "$(date '+%F %T') ($(basename "$0"):${BASH_LINENO[0]}) $*"; }

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  log "Stage 0: build the $corpus corpus -> $corpus_dir"
  case $corpus in
    builtin)
      local/make_builtin_corpus.py --config conf/corpus_builtin.yaml "$corpus_dir" ;;
    mix)
      local/make_mix.py --config conf/corpus_mix.yaml --speech-dir "$speech_dir" --noise-dir "$noise_dir" \
        "$corpus_dir" ;;
    librimix)
      local/download_librimix.py --config conf/download_librimix.yaml ${mirror:+--mirror "$mirror"} "$downloads"
      local/make_mix.py --config conf/corpus_mix.yaml --speech-dir "$downloads/speech" \
        --noise-list "$downloads/noise.list" "$corpus_dir" ;;
    dir|mat)
      log "Stage 0: --corpus $corpus reads existing files: nothing to build" ;;
    *)
      echo "run.sh: unknown --corpus '$corpus' (builtin, mix, librimix, dir, mat)" >&2; exit 1 ;;
  esac
  if [ -n "$builtin_sets" ]; then
    log "Stage 0: --builtin-eval: the built-in corpus too -> data/local/builtin"
    local/make_builtin_corpus.py --config conf/corpus_builtin.yaml data/local/builtin
  fi
fi

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  if [ "$corpus" = dir ]; then
    for s in $corpus_sets; do
      src=${s}_dir
      log "Stage 1: data prep: ${!src} -> data/$s"
      local/prepare_dir.py --config "$feat_conf" --label-format "$label_format" --require-labels true \
        "${!src}" "data/$s"
    done
  elif [ "$corpus" = mat ]; then
    log "Stage 1: data prep: $mat_dir -> data/{train,dev,test} with their features ($feat_format)"
    local/prepare_mat.py --config "$feat_conf" --feat-format "$feat_format" "$mat_dir" data
  else
    log "Stage 1: data prep: $corpus_dir -> data/{train,dev,test}"
    local/prepare_builtin.py "$corpus_dir" data   # any corpus stage 0 made: <set>/*.wav + <set>/rttm
  fi
  log "Stage 1: validate data/{${corpus_sets// /,}}"
  steps/validate_data_dir.py --config "$feat_conf" $(printf 'data/%s ' $corpus_sets)
  if [ -n "$builtin_sets" ]; then
    log "Stage 1: data prep: data/local/builtin -> data/builtin_{dev,test}, then validate"
    local/prepare_builtin.py --sets "dev test" --prefix builtin_ data/local/builtin data
    steps/validate_data_dir.py --config "$feat_conf" data/builtin_dev data/builtin_test
  fi
  if [ -n "$ami_dir" ]; then
    log "Stage 1: data prep: $ami_dir -> data/{${ami_sets// /,}}, then validate"
    local/prepare_ami.py --config "$feat_conf" --telephone "$ami_telephone" "$ami_dir" data
    steps/validate_data_dir.py --config "$feat_conf" $(printf 'data/%s ' $ami_sets)
  fi
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  for s in $feat_sets; do
    log "Stage 2: features ($feat_format): data/$s -> data/$s/feats.*, cmvn.json"
    steps/make_feats.sh --config "$feat_conf" --feat-format "$feat_format" --nj "$nj" --cmd "$feats_cmd" \
      --overwrite "$overwrite" "data/$s"
  done
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ] && [ "$train" = true ]; then
  log "Stage 3: train $models${seeds:+ with seeds $seeds} (one job each, all at once): data/train data/$valid_set -> exp/"
  steps/train.sh --cmd "$train_cmd" --seeds "$seeds" --overwrite "$overwrite" data/train "data/$valid_set" exp $models
  for m in $ens_models; do
    log "Stage 3: ensemble of the seeds: $(printf "exp/${m}_seed%s " $seeds)-> exp/${m}_ens"
    steps/make_ensemble.py $(printf "exp/${m}_seed%s " $seeds) "exp/${m}_ens"
  done
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  for e in $exps; do
    for s in $eval_sets; do
      log "Stage 4: decode data/$s with exp/$e -> exp/$e/decode_$s"
      steps/decode.sh --config conf/decode.yaml --nj "$nj" --cmd "$decode_cmd" --overwrite "$overwrite" \
        "exp/$e" "data/$s" "exp/$e/decode_$s"
    done
  done
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  for e in $exps; do
    for s in $eval_sets; do
      tune=$(utils/tune_set.sh "$s")   # the dev set of the same corpus and condition, never test
      tune_opt=
      if [[ " $eval_sets " == *" $tune "* ]]; then
        tune_opt="--tune-on data/$tune exp/$e/decode_$tune"
      fi
      log "Stage 5: score exp/$e/decode_$s against data/$s${tune_opt:+, threshold also tuned on $tune}" \
        "-> exp/$e/decode_$s/scoring"
      $decode_cmd "exp/$e/log/score_$s.log" \
        steps/score.py --config conf/score.yaml $tune_opt "data/$s" "exp/$e/decode_$s"
    done
  done
  log "Stage 5: ROC and precision-recall curves of every scored system in exp/ -> exp/plots/"
  local/plot_curves.py exp/* exp/plots
  log "Stage 5: summary (local/score.py${seeds:+ --seeds true} exp/...)"
  local/score.py --seeds "$([ -n "$seeds" ] && echo true || echo false)" $(printf 'exp/%s ' $exps)
fi

log "done in ${SECONDS}s"
