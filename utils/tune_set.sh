#!/usr/bin/env bash
# Prints the set whose decode tunes the threshold for <set>: the dev set of the same corpus and condition,
# the name with "test" replaced by "dev" (ami_test_tel -> ami_dev_tel, builtin_test -> builtin_dev; a dev
# set tunes on itself); given the sets decoded, nothing when it is not among them.
# With --noise: the noise-only set that also tunes it: dev_noise (the mix corpus's dev noises alone, at the
# recipe's rate) for a set at the recipe's own rate and channel, dev_noise_tel (the same through the telephone
# channel) for the telephone copies (*_tel); nothing for the built-in corpus's sets, a test folder alone and
# the noise sets themselves, or when that noise set or the set's own dev set is not among the sets decoded
# (vadkit.plan.noise_set_of is the same rule in Python).
set -euo pipefail
if [ $# -lt 1 ] || [ "$1" = --help ]; then
  echo "Usage: utils/tune_set.sh [--noise] <set> [<set decoded> ...]
Prints the set that tunes <set>'s threshold (nothing when the sets decoded are given and it is not one,
and nothing for a test folder evaluated alone, eval_<name>: it has no dev set of its own); with --noise,
the noise-only set that limits the tuned setting's false alarms (dev_noise, dev_noise_tel), if any.
e.g.: utils/tune_set.sh ami_test_tel   (prints ami_dev_tel)
      utils/tune_set.sh --noise ami_test dev_noise dev test ami_dev ami_test   (prints dev_noise)" >&2
  if [ $# -lt 1 ]; then exit 1; fi
  exit 0
fi
noise_set=dev_noise
if [ "$1" = --noise ]; then
  shift
  [ $# -ge 1 ] || { echo "utils/tune_set.sh: --noise needs a set" >&2; exit 1; }
  set_name=$1
  shift
  case $set_name in
    builtin_* | eval_* | "$noise_set" | "${noise_set}_tel") exit 0 ;;
    *_tel) noise_set=${noise_set}_tel ;;
  esac
  tune=${set_name/test/dev}   # no dev set to tune on, nothing to bound
  if [ $# -eq 0 ] || { [[ " $* " == *" $noise_set "* ]] && [[ " $* " == *" $tune "* ]]; }; then
    echo "$noise_set"
  fi
  exit 0
fi
tune=${1/test/dev}
set_name=$1
shift
# A set with no matching dev set (a test folder evaluated alone: eval_<name>) is never tuned on itself.
if [[ "$set_name" != eval_* ]] && { [ $# -eq 0 ] || [[ " $* " == *" $tune "* ]]; }; then
  echo "$tune"
fi
