#!/usr/bin/env bash
# Prints the set whose decode tunes the threshold for <set>: the dev set of the same corpus and condition,
# the name with "test" replaced by "dev" (ami_test_tel -> ami_dev_tel, builtin_test -> builtin_dev; a dev
# set tunes on itself); given the sets decoded, nothing when it is not among them.
set -euo pipefail
if [ $# -lt 1 ] || [ "$1" = --help ]; then
  echo "Usage: utils/tune_set.sh <set> [<set decoded> ...]
Prints the set that tunes <set>'s threshold (nothing when the sets decoded are given and it is not one,
and nothing for a test folder evaluated alone, eval_<name>: it has no dev set of its own).
e.g.: utils/tune_set.sh ami_test_tel   (prints ami_dev_tel)" >&2
  if [ $# -lt 1 ]; then exit 1; fi
  exit 0
fi
tune=${1/test/dev}
set_name=$1
shift
# A set with no matching dev set (a test folder evaluated alone: eval_<name>) is never tuned on itself.
if [[ "$set_name" != eval_* ]] && { [ $# -eq 0 ] || [[ " $* " == *" $tune "* ]]; }; then
  echo "$tune"
fi
