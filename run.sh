#!/usr/bin/env bash
# LSTM voice activity detection: corpus -> data dirs -> features -> train -> decode -> score.
set -euo pipefail

stage=0                      # first stage to run
stop_stage=100               # last stage to run
models=                      # models, one conf/<model>.yaml each (empty: lstm blstm lstm2; mix, librimix: + blstm60 lstm2_small60)
model=                       # one model only; overrides --models
seeds=                       # e.g. "1 2 3": train each model once per seed into exp/<model>_seed<k>/
ensemble=true                # with two or more --seeds: also exp/<model>_ens, the mean of the seeds' probabilities
corpus=builtin               # builtin (offline espeak-ng speech + noise), mix (--speech-dir, --noise-dir), librimix
                             # (mini LibriSpeech + MUSAN, or --mirror), dir (--train-dir ...), mat (--mat-dir)
speech_dir=                  # --corpus mix: folder of clean speech utterances
noise_dir=                   # --corpus mix: folder of noise/music with no voices in it
train_noise_dir=             # --corpus mix: more noise/music heard in training only (e.g. local/download_noise.py's)
mix_conf=conf/corpus_mix.yaml # --corpus mix, librimix: how mixtures are made (its rate must match --feat-conf)
mirror=                      # --corpus librimix: folder holding the archives (nothing is downloaded)
feat_format=ark              # feature cache: ark (Kaldi ark/scp, kaldiio) or hdf5 (h5py)
feat_conf=                   # feature config (default: conf/features_mfcc_pcen.yaml for mix, librimix; else conf/features.yaml)
decode_conf=                 # post-processing of stage 4 (default: conf/decode_mix.yaml for mix, librimix; else conf/decode.yaml)
turn_decode_conf=conf/decode_turn.yaml  # stage 4, ami_* sets (turn-level labels), models with a turn head
nj=2                         # parallel jobs for the corpus, features and decoding
overwrite=false              # true: redo finished work (features, training, decoding) of the stages run
ami_dir=                     # real meetings with human RTTM (e.g. ../shared/corpora/dev_rttm): also data/ami_{dev,test}
valid_set=dev                # the set whose loss picks the epoch kept (final.pt): dev, or ami_dev (with --ami-dir)
ami_telephone=mulaw          # with --ami-dir, also a telephone copy data/ami_{dev,test}_tel: mulaw, alaw or none
builtin_eval=false           # true: also score on the built-in corpus's dev and test (data/builtin_{dev,test})
train_dir=                   # --corpus dir: folder of training audio + labels (local/prepare_dir.py)
dev_dir=                     # --corpus dir: folder of dev audio + labels (selects the epoch kept)
test_dir=                    # --corpus dir: folder of test audio + labels; alone: scored by trained exp/<model>/
test_name=                   # --test-dir alone: its set is data/eval_<name> (default: the folder's name)
label_format=auto            # --corpus dir: auto (detected per file) or rttm, segments, voz, audacity, csv, tsv, scv
pad_labels=false             # --corpus dir: true pads .voz labels shorter than their audio with non-speech
mat_dir=                     # --corpus mat: folder with training_VAD.lst, valid_VAD.lst, audio_sample_test.{mat,wav}

help_message="Usage: ./run.sh [options]
Stages:
  0  corpus:    build the corpus (builtin: synthesized speech + noise; mix: real speech + noise from
                folders; librimix: download mini LibriSpeech + MUSAN, then mix) -> data/local/<corpus>/;
                dir and mat read existing files: nothing to build
  1  data prep: data/{train,dev,test}/ (wav.scp, reco2dur, rttm, ...), then validation (dir:
                local/prepare_dir.py per folder; mat: local/prepare_mat.py, features included); with
                --ami-dir also data/ami_{dev,test}/ and their telephone copies data/ami_{dev,test}_tel/;
                mix, librimix: also data/dev_noise/ (the dev set's noise files alone, no speech;
                with the telephone copies data/dev_noise_tel/ too)
  2  features:  MFCC + deltas and frame labels -> data/<set>/feats.scp|feats.h5, cmvn.json
  3  train:     each model (concurrent jobs) -> exp/<model>/final.pt, history.json, curves.png
                (with --seeds: once per seed -> exp/<model>_seed<k>/, and their ensemble -> exp/<model>_ens/)
  4  decode:    dev and test (+ dev_noise, ami_*, builtin_*) -> exp/<model>/decode_<set>/ (probabilities, hyp.rttm);
                --decode-conf -> exp/<model>/decode.yaml (what steps/vad.py uses with --model exp/<model>)
  5  score:     exp/<model>/decode_<set>/scoring/metrics.json + figures (threshold also tuned on dev, or
                on ami_dev for ami_*; calling at most 5 % of dev_noise, or dev_noise_tel, speech:
                conf/score.yaml); ROC/PR curves -> exp/plots/curves_<set>.png; summary -> exp/log/summary.log
Logs: data/local/log/ (stages 0, 1), data/<set>/log/ (2), exp/<model>/log/ (3-5), exp/log/ (5)
Options (default):
  --stage N          first stage ($stage)
  --stop-stage N     last stage ($stop_stage)
  --models \"A B\"     models (lstm blstm lstm2; mix and librimix: also blstm60 lstm2_small60)
  --model NAME       one model; overrides --models
  --seeds \"1 2 3\"    train each model with each seed into exp/<model>_seed<k>/ (default: the conf's seed)
  --ensemble B       with two or more seeds: also exp/<model>_ens, the mean of their probabilities ($ensemble)
  --corpus NAME      corpus: builtin, mix, librimix, dir or mat ($corpus)
  --speech-dir DIR   mix: clean speech utterances, e.g. ../shared/corpora/speech
  --noise-dir DIR    mix: noise and music without voices, e.g. ../shared/corpora/noise
  --train-noise-dir DIR  mix: noise heard in training only (dev/test unchanged; the mix conf's train_noise_prob)
  --mix-conf FILE    mix, librimix: corpus config ($mix_conf); its sample_rate_hz must match --feat-conf
  --mirror DIR       librimix: read dev-clean-2.tar.gz, train-clean-5.tar.gz, musan.tar.gz from DIR
  --feat-format F    ark or hdf5 ($feat_format)
  --feat-conf FILE   feature config (conf/features.yaml; mix, librimix: conf/features_mfcc_pcen.yaml, MFCC and PCEN)
  --decode-conf FILE post-processing (conf/decode.yaml; mix, librimix: conf/decode_mix.yaml, the probability bridge on)
  --turn-decode-conf FILE  the ami_* sets' post-processing for models with a turn head ($turn_decode_conf)
  --nj N             parallel jobs for stages 0, 2 and 4 ($nj)
  --overwrite B      true: redo finished work ($overwrite)
  --ami-dir DIR      also evaluate on the AMI excerpts with RTTM under DIR (off)
  --valid-set SET    the set whose dev loss picks the epoch kept: dev or ami_dev ($valid_set)
  --ami-telephone C  with --ami-dir: telephone copy data/ami_*_tel with codec mulaw or alaw, or none ($ami_telephone)
  --builtin-eval B   true: also score on the built-in corpus's dev/test (data/builtin_{dev,test}) ($builtin_eval)
  --train-dir, --dev-dir, --test-dir DIR   --corpus dir: the three folders (--test-dir alone: evaluate only)
  --test-name NAME   --test-dir alone: its set is data/eval_NAME (default: the folder's name)
  --label-format F   --corpus dir: label format ($label_format)
  --pad-labels B     --corpus dir: true pads .voz labels (one per sample) shorter than the audio ($pad_labels)
  --mat-dir DIR      --corpus mat: the notebook's files
  --train-cmd, --decode-cmd, --feats-cmd CMD   job launchers (default from cmd.sh)
e.g.: ./run.sh --stage 3 --model blstm
      ./run.sh --corpus mix --speech-dir ../shared/corpora/speech --noise-dir ../shared/corpora/noise --model lstm
      ./run.sh --corpus dir --train-dir rec/train --dev-dir rec/dev --test-dir rec/test
      ./run.sh --stage 3 --models \"lstm blstm\" --seeds \"1 2 3\"
Then: local/score.py exp/*           compare the scored systems (--columns all: every metric)
      steps/vad.py talk.wav          the shipped model on your files (--model exp/<model>: one trained here)"
nargs=0

. ./cmd.sh
. utils/parse_options.sh
die() { echo "run.sh: $*" >&2; exit 1; }
case $corpus in
  builtin | mix | librimix | mat | dir) ;;
  *) die "unknown --corpus '$corpus' (builtin, mix, librimix, dir, mat)" ;;
esac
if [ "$corpus" = dir ] && { [ -z "$test_dir" ] || [ "${train_dir:+x}" != "${dev_dir:+x}" ]; }; then
  die "--corpus dir needs --test-dir, and --train-dir with --dev-dir (or neither: evaluate only)"
fi
if [ "$corpus" = mat ] && [ -z "$mat_dir" ]; then
  die "--corpus mat needs --mat-dir (the folder with training_VAD.lst, valid_VAD.lst, ...)"
fi
case $corpus in mix | librimix) feat_conf=${feat_conf:-conf/features_mfcc_pcen.yaml} ;; *) feat_conf=${feat_conf:-conf/features.yaml} ;; esac
if [ ! -f "$feat_conf" ]; then die "--feat-conf $feat_conf: no such file (e.g. conf/features.yaml)"; fi
case $corpus in mix | librimix) decode_conf=${decode_conf:-conf/decode_mix.yaml} ;; *) decode_conf=${decode_conf:-conf/decode.yaml} ;; esac
if [ ! -f "$decode_conf" ]; then die "--decode-conf $decode_conf: no such file (e.g. conf/decode.yaml)"; fi
if [ ! -f "$turn_decode_conf" ]; then die "--turn-decode-conf $turn_decode_conf: no such file (e.g. conf/decode_turn.yaml)"; fi
if [ ! -f "$mix_conf" ]; then die "--mix-conf $mix_conf: no such file (e.g. conf/corpus_mix.yaml)"; fi
if [ "$stage" -lt 0 ] || [ "$stage" -gt 5 ] || [ "$stop_stage" -lt "$stage" ]; then
  die "--stage $stage --stop-stage $stop_stage: stages are 0-5 and the last may not come before the first"
fi
case $valid_set in
  dev) ;;
  ami_dev) if [ -z "$ami_dir" ]; then die "--valid-set ami_dev needs --ami-dir (the real meetings it comes from)"; fi ;;
  *) die "--valid-set must be dev or ami_dev (needs --ami-dir), not '$valid_set'" ;;
esac
utils/setup_venv.sh requirements.txt
. ./path.sh

log() { echo "$(date '+%F %T') ($(basename "$0"):${BASH_LINENO[0]}) $*"; }
# The sets and experiment dirs of this run, computed once (vadkit/plan.py): sets, feat_sets, eval_sets,
# train_exps/confs/seeds, ensembles and members_of, exps; see local/plan_run.py --help.
plan=$(local/plan_run.py --corpus "$corpus" --models "$models" --model "$model" --seeds "$seeds" \
  --ensemble "$ensemble" --ami-dir "$ami_dir" --ami-telephone "$ami_telephone" --builtin-eval "$builtin_eval" \
  --train-dir "$train_dir" --dev-dir "$dev_dir" --test-dir "$test_dir" --test-name "$test_name" \
  --mix-conf "$mix_conf")
eval "$plan"
log "sets: $sets (features: ${feat_sets:-none}; scored: $eval_sets); systems: $exps"

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  log "Stage 0: corpus $corpus -> data/local/$corpus${builtin_sets:+, data/local/builtin} (logs: data/local/log/)"
  if [ "$corpus" = builtin ] || [ -n "$builtin_sets" ]; then
    $feats_cmd data/local/log/builtin.log \
      local/make_builtin_corpus.py --config conf/corpus_builtin.yaml --nj "$nj" data/local/builtin
  fi
  case $corpus in
    mix) $feats_cmd data/local/log/mix.log local/make_mix.py --config "$mix_conf" --nj "$nj" \
      --speech-dir "$speech_dir" --noise-dir "$noise_dir" ${train_noise_dir:+--train-noise-dir "$train_noise_dir"} \
      data/local/mix ;;
    librimix) $feats_cmd data/local/log/download_librimix.log local/download_librimix.py \
        --config conf/download_librimix.yaml ${mirror:+--mirror "$mirror"} data/local/downloads
      $feats_cmd data/local/log/librimix.log local/make_mix.py --config "$mix_conf" --nj "$nj" \
        --speech-dir data/local/downloads/speech --noise-list data/local/downloads/noise.list data/local/librimix ;;
    dir | mat) log "Stage 0: --corpus $corpus reads existing files: nothing to build" ;;
  esac
fi

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "Stage 1: data prep: $corpus -> data/{${sets// /,}}, then validation (logs: data/local/log/)"
  case $corpus in
    dir) for s in $corpus_sets; do
        $feats_cmd "data/local/log/prepare_$s.log" local/prepare_dir.py --config "$feat_conf" \
          --label-format "$label_format" --pad-labels "$pad_labels" --require-labels true "${folder_of[$s]}" "data/$s"
      done ;;
    mat) $feats_cmd data/local/log/prepare_mat.log \
      local/prepare_mat.py --config "$feat_conf" --feat-format "$feat_format" "$mat_dir" data ;;
    *) $feats_cmd "data/local/log/prepare_$corpus.log" local/prepare_builtin.py "data/local/$corpus" data ;;
  esac
  for s in $noise_sets; do   # the dev set's noise files alone: stage 5 keeps the tuned setting's false alarms low
    channel=none   # dev_noise_tel: through the AMI copies' telephone channel
    case $s in *_tel) channel=$ami_telephone ;; esac
    $feats_cmd "data/local/log/prepare_$s.log" local/prepare_noise_set.py --config "$feat_conf" \
      --telephone "$channel" "data/local/$corpus/dev/noises" "data/$s"
  done
  if [ -n "$builtin_sets" ]; then
    $feats_cmd data/local/log/prepare_builtin_eval.log \
      local/prepare_builtin.py --sets "dev test" --prefix builtin_ data/local/builtin data
  fi
  if [ -n "$ami_sets" ]; then
    $feats_cmd data/local/log/prepare_ami.log \
      local/prepare_ami.py --config "$feat_conf" --telephone "$ami_telephone" "$ami_dir" data
  fi
  $feats_cmd data/local/log/validate.log steps/validate_data_dir.py --config "$feat_conf" $(printf 'data/%s ' $sets)
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  for s in $feat_sets; do
    log "Stage 2: features ($feat_format): data/$s -> data/$s/feats.*, cmvn.json"
    steps/make_feats.sh --config "$feat_conf" --feat-format "$feat_format" --nj "$nj" --cmd "$feats_cmd" \
      --overwrite "$overwrite" "data/$s"
  done
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ] && [ -n "$train_exps" ]; then
  for t in $teachers; do   # distillation (a conf's train.teacher): the public VAD's probabilities of the train set
    log "Stage 3: teacher $t: data/train -> exp/baseline_$t/decode_train"
    $decode_cmd "exp/baseline_$t/log/decode_train.log" local/decode_baseline.py --config "$decode_conf" \
      --overwrite "$overwrite" "$t" data/train "exp/baseline_$t/decode_train"
  done
  log "Stage 3: train (one job each, all at once): data/train data/$valid_set -> $train_exps"
  steps/train.sh --config "$train_confs" --seed "$train_seeds" --cmd "$train_cmd" --overwrite "$overwrite" \
    data/train "data/$valid_set" $train_exps
  for e in $ensembles; do
    log "Stage 3: ensemble of the seeds: ${members_of[$e]} -> $e"
    steps/make_ensemble.py ${members_of[$e]} "$e"
  done
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  for e in $exps; do
    # the exp dir's own post-processing (vadkit.Vad and steps/vad.py read it, as a shipped model's)
    if [ -d "$e" ]; then cp "$decode_conf" "$e/.tmp$$.decode.yaml" && mv "$e/.tmp$$.decode.yaml" "$e/decode.yaml"; fi
    heads=phrase   # or "phrase turn" (model.turn_head): asked only when there are ami sets (it loads the model)
    case " $decode_sets " in *" ami"*) heads=$(local/model_heads.py "$e") ;; esac
    for s in $decode_sets; do
      conf=$decode_conf
      # the AMI sets have human turn-level labels: a model with a turn head decodes them with it
      case "$s:$heads" in ami*:*turn*) conf=$turn_decode_conf ;; esac
      log "Stage 4: decode data/$s with $e ($conf) -> $e/decode_$s"
      steps/decode.sh --config "$conf" --nj "$nj" --cmd "$decode_cmd" --overwrite "$overwrite" \
        "$e" "data/$s" "$e/decode_$s"
    done
  done
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  for e in $exps; do
    for s in $eval_sets; do
      tune=$(utils/tune_set.sh "$s" $eval_sets)   # the dev set of the same corpus and condition, if decoded
      noise=$(utils/tune_set.sh --noise "$s" $decode_sets)   # and data/dev_noise (*_tel: dev_noise_tel), if decoded
      log "Stage 5: score $e/decode_$s against data/$s${tune:+, threshold also tuned on $tune}${noise:+ and $noise}" \
        "-> $e/decode_$s/scoring"
      $decode_cmd "$e/log/score_$s.log" steps/score.py --config conf/score.yaml \
        ${tune:+--tune-on "data/$tune" "$e/decode_$tune"} ${noise:+--tune-noise "data/$noise" "$e/decode_$noise"} \
        "data/$s" "$e/decode_$s"
    done
  done
  log "Stage 5: ROC and precision-recall curves of every scored system in exp/ -> exp/plots/"
  $decode_cmd exp/log/plot_curves.log local/plot_curves.py exp/* exp/plots
  log "Stage 5: summary of the systems -> exp/log/summary.log"
  $decode_cmd exp/log/summary.log local/score.py --seeds "$merge_seeds" $exps
  cat exp/log/summary.log
fi

log "done in ${SECONDS}s"
